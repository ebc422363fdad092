// SPDX-License-Identifier: Apache-2.0
/* ipvs collector: /proc/net/ip_vs_stats and /proc/net/ip_vs parsers, the backend label set. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ipvs.h"
#include "proc_fixture.h"

Test(ipvs, stats_node_exporter_fixture)
{
	struct ipvs_stats s;
	char *b = fx_load("proc/net/ip_vs_stats");

	cr_assert_eq(ipvs__parse_stats(b, &s), 0);
	cr_assert_eq(s.conns, 23765872);
	cr_assert_eq(s.in_pkts, 3811989221ULL);
	cr_assert_eq(s.out_pkts, 0);
	cr_assert_eq(s.in_bytes, 89991519156915ULL);
	cr_assert_eq(s.out_bytes, 0);
	free(b);
}

static void assert_backend(const struct ipvs_backend *b, const char *la, unsigned lp,
			   const char *mark, const char *proto, const char *ra, unsigned rp,
			   uint64_t weight, uint64_t active, uint64_t inactive)
{
	cr_assert_str_eq(b->local_address, la);
	cr_assert_eq(b->local_port, lp);
	cr_assert_str_eq(b->local_mark, mark);
	cr_assert_str_eq(b->proto, proto);
	cr_assert_str_eq(b->remote_address, ra);
	cr_assert_eq(b->remote_port, rp);
	cr_assert_eq(b->weight, weight);
	cr_assert_eq(b->active, active);
	cr_assert_eq(b->inactive, inactive);
}

Test(ipvs, backends_node_exporter_fixture)
{
	struct ipvs_backend *v = NULL;
	size_t n = 0;
	char *b = fx_load("proc/net/ip_vs");

	cr_assert_eq(ipvs__parse_backends(b, &v, &n), 0);
	cr_assert_eq(n, 10);
	assert_backend(&v[0], "192.168.0.22", 3306, "", "TCP", "192.168.82.22", 3306, 100, 248, 2);
	assert_backend(&v[3], "192.168.0.57", 3306, "", "TCP", "192.168.84.22", 3306, 0, 0, 0);
	assert_backend(&v[5], "192.168.0.57", 3306, "", "TCP", "192.168.50.21", 3306, 100, 1498, 0);
	assert_backend(&v[7], "192.168.0.55", 3306, "", "TCP", "192.168.49.32", 3306, 100, 0, 0);
	assert_backend(&v[8], "", 0, "10001000", "FWM", "192.168.50.26", 3306, 20, 64, 1);
	assert_backend(&v[9], "", 0, "10001000", "FWM", "192.168.49.32", 3306, 100, 321, 5);
	free(v);
	free(b);
}

/* IPv6 addresses as Go prints them: RFC 5952, IPv4-mapped as dotted quad, a lone zero group
 * not compressed, the first of two equally long zero runs compressed. */
Test(ipvs, backends_kubernetes_dual_stack)
{
	struct ipvs_backend *v = NULL;
	size_t n = 0;
	char *b = fx_load("proc/variants/k8s-node/net/ip_vs");

	cr_assert_eq(ipvs__parse_backends(b, &v, &n), 0);
	cr_assert_eq(n, 8);
	assert_backend(&v[0], "10.96.0.1", 443, "", "TCP", "192.168.122.10", 6443, 1, 12, 3);
	assert_backend(&v[3], "10.96.0.10", 53, "", "UDP", "10.244.0.2", 53, 1, 0, 41);
	assert_backend(&v[5], "fd00:10:96::a", 53, "", "TCP", "fd00:10:244:1::2", 53, 1, 2, 0);
	assert_backend(&v[6], "fd00:10:96::a", 53, "", "TCP", "10.244.0.3", 53, 1, 0, 1);
	assert_backend(&v[7], "2001:db8:0:1::1:0", 8080, "", "TCP", "2001:db8::1:0:0:1", 8080, 0, 0,
		       0);
	free(v);
	free(b);
}

Test(ipvs, sctp_service_is_its_own)
{
	struct ipvs_backend *v = NULL;
	size_t n = 0;
	char *b = fx_str("TCP  0A600001:01BB rr\n  -> 0A000001:0050 Masq 1 2 3\n"
			 "SCTP  0A600002:0B59 rr\n  -> 0A000002:0B59 Masq 4 5 6\n");

	cr_assert_eq(ipvs__parse_backends(b, &v, &n), 0);
	cr_assert_eq(n, 2);
	assert_backend(&v[1], "10.96.0.2", 2905, "", "SCTP", "10.0.0.2", 2905, 4, 5, 6);
	free(v);
	free(b);
}

Test(ipvs, no_services)
{
	struct ipvs_backend *v = NULL;
	size_t n = 7;
	char *b = fx_str("IP Virtual Server version 1.2.1 (size=4096)\n"
			 "Prot LocalAddress:Port Scheduler Flags\n"
			 "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n");

	cr_assert_eq(ipvs__parse_backends(b, &v, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(v);
	free(b);
}

Test(ipvs, hostile)
{
	static const char *const stats[] = {
		"hostile/proc/empty",
		"hostile/proc/binary.random",
		"hostile/proc/ip_vs_stats.short",
		"hostile/proc/ip_vs_stats.fields",
		"hostile/proc/ip_vs_stats.nonhex",
	};
	static const char *const backends[] = {
		"hostile/proc/ip_vs.orphan",   "hostile/proc/ip_vs.badport",
		"hostile/proc/ip_vs.badaddr",  "hostile/proc/ip_vs.negative",
		"hostile/proc/ip_vs.short",    "hostile/proc/ip_vs.v6nobracket",
		"hostile/proc/ip_vs.longmark", "hostile/proc/ip_vs.proto",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		struct ipvs_stats s;
		char *b = fx_load(stats[i]);

		cr_assert_eq(ipvs__parse_stats(b, &s), -EINVAL, "%s", stats[i]);
		free(b);
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct ipvs_backend *v = (struct ipvs_backend *)1;
		size_t n = 5;
		char *b = fx_load(backends[i]);

		cr_assert_eq(ipvs__parse_backends(b, &v, &n), -EINVAL, "%s", backends[i]);
		cr_assert_null(v, "%s", backends[i]);
		cr_assert_eq(n, 0, "%s", backends[i]);
		free(b);
	}
}

Test(ipvs, label_set)
{
	unsigned m = 99;
	char bad[32] = "";

	cr_assert_eq(ipvs__parse_label_set("local_address,local_port,remote_address,remote_port,"
					   "proto,local_mark",
					   &m, bad, sizeof(bad)),
		     0);
	cr_assert_eq(m, 0x3f);
	/* Order in the flag does not matter; node_exporter uses its own. */
	cr_assert_eq(ipvs__parse_label_set("proto,local_port", &m, bad, sizeof(bad)), 0);
	cr_assert_eq(m, (1u << 4) | (1u << 1));
	cr_assert_eq(ipvs__parse_label_set("", &m, bad, sizeof(bad)), 0);
	cr_assert_eq(m, 0);
	cr_assert_eq(ipvs__parse_label_set("proto,,", &m, bad, sizeof(bad)), 0);
	cr_assert_eq(m, 1u << 4);
	cr_assert_eq(ipvs__parse_label_set("proto,vip", &m, bad, sizeof(bad)), -EINVAL);
	cr_assert_str_eq(bad, "vip");
}
