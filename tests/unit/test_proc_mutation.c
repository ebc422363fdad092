// SPDX-License-Identifier: Apache-2.0
/* Robustness: every /proc parser on every prefix of its real fixture and on byte-flipped copies
 * must return 0 or -errno and never crash or read out of bounds (run under ASan in CI). The
 * whole fixture must parse and some damaged copy must be refused, so a parser that refuses
 * everything, or accepts everything, does not pass. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collectors/arp.h"
#include "collectors/conntrack.h"
#include "collectors/cpu.h"
#include "collectors/filefd.h"
#include "collectors/ipvs.h"
#include "collectors/loadavg.h"
#include "collectors/meminfo.h"
#include "collectors/netdev.h"
#include "collectors/netstat.h"
#include "collectors/nfs.h"
#include "collectors/os.h"
#include "collectors/xfs.h"
#include "collectors/pressure.h"
#include "collectors/procparse.h"
#include "collectors/schedstat.h"
#include "collectors/sockstat.h"
#include "collectors/softnet.h"
#include "collectors/stat.h"
#include "collectors/udp_queues.h"
#include "collectors/vmstat.h"
#include "proc_fixture.h"

static int run_stat(char *b)
{
	struct proc_stat s;
	int e = proc_stat__parse(b, &s);

	if (!e)
		proc_stat__free(&s);
	return e;
}

static int run_kv(int (*fn)(char *, struct pp_kvtab *), char *b)
{
	struct pp_kvtab t = { 0 };
	int e = fn(b, &t);

	pp_kvtab_free(&t);
	return e;
}

static int run_meminfo(char *b)
{
	return run_kv(meminfo__parse, b);
}

static int run_vmstat(char *b)
{
	return run_kv(vmstat__parse, b);
}

static int run_pairs(char *b)
{
	return run_kv(netstat__parse_pairs, b);
}

static int run_snmp6(char *b)
{
	return run_kv(netstat__parse_snmp6, b);
}

static int run_loadavg(char *b)
{
	double l[3];

	return loadavg__parse(b, l);
}

static int run_netdev(char *b)
{
	struct netdev_stats s;
	int e = netdev__parse(b, &s);

	if (!e)
		netdev__free(&s);
	return e;
}

static int run_sockstat(char *b)
{
	struct sockstat s;

	return sockstat__parse(b, &s);
}

static int run_filefd(char *b)
{
	double a, m;

	return filefd__parse(b, &a, &m);
}

static int run_pressure(char *b)
{
	struct psi_stats s;

	return pressure__parse(b, &s);
}

static int run_conntrack(char *b)
{
	struct conntrack_stat s;

	return conntrack__parse_stat(b, &s);
}

static int run_softnet(char *b)
{
	struct softnet_stats s;
	int e = softnet__parse(b, &s);

	if (!e)
		softnet__free(&s);
	return e;
}

static int run_arp(char *b)
{
	struct arp_stats s;
	int e = arp__parse(b, &s);

	if (!e)
		arp__free(&s);
	return e;
}

static int run_udp(char *b)
{
	struct udp_queues q;

	return udp_queues__parse(b, &q);
}

static int run_schedstat(char *b)
{
	struct schedstat s;
	int e = schedstat__parse(b, &s);

	if (!e)
		schedstat__free(&s);
	return e;
}

static int run_os(char *b)
{
	struct os_release os;

	return os_release__parse(b, &os);
}

static int run_cpuinfo(char *b)
{
	struct cpuinfo_entry *e;
	size_t n;
	int err = cpuinfo__parse(b, &e, &n);

	free(e);
	return err;
}

static int run_ipvs_stats(char *b)
{
	struct ipvs_stats s;

	return ipvs__parse_stats(b, &s);
}

static int run_ipvs(char *b)
{
	struct ipvs_backend *v = NULL;
	size_t n;
	int e = ipvs__parse_backends(b, &v, &n);

	free(v);
	return e;
}

static int run_nfs(char *b)
{
	struct nfs_client_stats s;

	return nfs__parse_client(b, &s);
}

static int run_nfsd(char *b)
{
	struct nfs_server_stats s;

	return nfs__parse_server(b, &s);
}

static int run_xfs(char *b)
{
	struct xfs_stats s;

	return xfs__parse_stats(b, &s);
}

static const struct {
	const char *fixture;
	int (*run)(char *);
} cases[] = {
	{ "proc/stat", run_stat },
	{ "proc/variants/stat.4cpu", run_stat },
	{ "proc/meminfo", run_meminfo },
	{ "proc/vmstat", run_vmstat },
	{ "proc/loadavg", run_loadavg },
	{ "proc/net/dev", run_netdev },
	{ "proc/variants/net_dev.k8s", run_netdev },
	{ "proc/net/netstat", run_pairs },
	{ "proc/net/snmp", run_pairs },
	{ "proc/net/snmp6", run_snmp6 },
	{ "proc/variants/sockstat.k8s", run_sockstat },
	{ "proc/net/sockstat6", run_sockstat },
	{ "proc/sys/fs/file-nr", run_filefd },
	{ "proc/pressure/io", run_pressure },
	{ "proc/net/stat/nf_conntrack", run_conntrack },
	{ "proc/net/softnet_stat", run_softnet },
	{ "proc/variants/net_arp.k8s", run_arp },
	{ "proc/net/udp", run_udp },
	{ "proc/schedstat", run_schedstat },
	{ "proc/variants/os-release.flatcar", run_os },
	{ "proc/variants/cpuinfo.xeon2s", run_cpuinfo },
	{ "proc/net/ip_vs_stats", run_ipvs_stats },
	{ "proc/net/ip_vs", run_ipvs },
	{ "proc/variants/k8s-node/net/ip_vs", run_ipvs },
	{ "proc/net/rpc/nfs", run_nfs },
	{ "proc/net/rpc/nfsd", run_nfsd },
	{ "sys/fs/xfs/nvme0n1p3/stats/stats", run_xfs },
};

/* 0, or one errno value the parsers use for input they refuse */
static bool is_parse_result(int e)
{
	return e == 0 || e == -EINVAL || e == -ERANGE || e == -ENOMEM || e == -E2BIG ||
	       e == -ENODATA || e == -EOVERFLOW || e == -ENOSPC;
}

Test(proc_mutation, every_prefix)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *orig = fx_load(cases[c].fixture);
		size_t len = strlen(orig), refused = 0;
		int e;

		for (size_t n = 0; n <= len; n++) {
			/* exact-size heap copy so ASan sees any overread */
			char *b = malloc(n + 1);

			cr_assert_not_null(b);
			memcpy(b, orig, n);
			b[n] = '\0';
			e = cases[c].run(b);
			cr_assert(is_parse_result(e), "%s prefix %zu: %d", cases[c].fixture, n, e);
			if (n == len)
				cr_assert_eq(e, 0, "%s: the whole fixture must parse",
					     cases[c].fixture);
			refused += e != 0;
			free(b);
		}
		cr_assert_gt(len, 0, "%s is empty", cases[c].fixture);
		cr_assert_gt(refused, 0, "%s: no prefix refused", cases[c].fixture);
		free(orig);
	}
}

Test(proc_mutation, byte_flips)
{
	static const char alphabet[] = " \t\n:-+x09aZ()=\"'\\#|.";
	unsigned int seed = 12345;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *orig = fx_load(cases[c].fixture);
		size_t len = strlen(orig);
		int e;

		for (int round = 0; round < 300 && len > 0; round++) {
			char *b = malloc(len + 1);

			cr_assert_not_null(b);
			memcpy(b, orig, len + 1);
			for (int k = 0; k < 3; k++) {
				size_t pos = (size_t)rand_r(&seed) % len;

				b[pos] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
			}
			e = cases[c].run(b);
			cr_assert(is_parse_result(e), "%s round %d: %d", cases[c].fixture, round,
				  e);
			free(b);
		}
		free(orig);
	}
}
