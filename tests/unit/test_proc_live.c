// SPDX-License-Identifier: Apache-2.0
/* Every /proc parser on this kernel's live files: the formats CI's kernel prints must parse.
 * Files a kernel may legitimately lack (schedstat without CONFIG_SCHEDSTATS, pressure without
 * PSI, conntrack without the module, IPv6 ones) are required whenever another file shows the
 * feature is on, so a file that vanished or a parser that stopped matching cannot pass. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/arp.h"
#include "collectors/conntrack.h"
#include "collectors/cpu.h"
#include "collectors/filefd.h"
#include "collectors/loadavg.h"
#include "collectors/meminfo.h"
#include "collectors/netdev.h"
#include "collectors/netstat.h"
#include "collectors/pressure.h"
#include "collectors/procparse.h"
#include "collectors/schedstat.h"
#include "collectors/sockstat.h"
#include "collectors/softnet.h"
#include "collectors/stat.h"
#include "collectors/udp_queues.h"
#include "collectors/vmstat.h"
#include "fsutil.h"

static char *live(const char *path)
{
	char *buf = NULL;
	int err = fs__read_file(path, 64u << 20, &buf, NULL);

	cr_assert_eq(err, 0, "%s: %s", path, strerror(-err));
	return buf;
}

Test(proc_live, required_files_parse)
{
	struct proc_stat st;
	struct pp_kvtab t = { 0 };
	struct netdev_stats nd;
	struct sockstat ss;
	struct softnet_stats sn;
	struct arp_stats arp;
	struct udp_queues uq;
	struct cpuinfo_entry *ci;
	double l[3], a, m;
	uint64_t v;
	size_t n;
	char *b;

	b = live("/proc/stat");
	cr_assert_eq(proc_stat__parse(b, &st), 0);
	cr_assert_gt(st.ncpu, 0);
	cr_assert_gt(st.btime, 1000000000);
	proc_stat__free(&st);
	free(b);
	b = live("/proc/meminfo");
	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert_not_null(pp_kvtab_get(&t, "MemTotal_bytes"));
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/loadavg");
	cr_assert_eq(loadavg__parse(b, l), 0);
	free(b);
	b = live("/proc/vmstat");
	cr_assert_eq(vmstat__parse(b, &t), 0);
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/net/dev");
	cr_assert_eq(netdev__parse(b, &nd), 0);
	cr_assert_gt(nd.n, 0);
	netdev__free(&nd);
	free(b);
	b = live("/proc/net/netstat");
	cr_assert_eq(netstat__parse_pairs(b, &t), 0);
	free(b);
	b = live("/proc/net/snmp");
	cr_assert_eq(netstat__parse_pairs(b, &t), 0);
	cr_assert_not_null(pp_kvtab_get(&t, "Tcp_InSegs"));
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/net/sockstat");
	cr_assert_eq(sockstat__parse(b, &ss), 0);
	cr_assert(ss.have_used);
	free(b);
	b = live("/proc/net/softnet_stat");
	cr_assert_eq(softnet__parse(b, &sn), 0);
	softnet__free(&sn);
	free(b);
	b = live("/proc/net/arp");
	cr_assert_eq(arp__parse(b, &arp), 0);
	arp__free(&arp);
	free(b);
	b = live("/proc/net/udp");
	cr_assert_eq(udp_queues__parse(b, &uq), 0);
	free(b);
	b = live("/proc/sys/fs/file-nr");
	cr_assert_eq(filefd__parse(b, &a, &m), 0);
	free(b);
	b = live("/proc/sys/kernel/random/entropy_avail");
	cr_assert_eq(pp_parse_single_u64(b, &v), 0);
	free(b);
	b = live("/proc/cpuinfo");
	cr_assert_eq(cpuinfo__parse(b, &ci, &n), 0);
	free(ci);
	free(b);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

Test(proc_live, optional_files_parse_when_the_feature_is_on)
{
	static const char *const psi[] = { "/proc/pressure/cpu", "/proc/pressure/io",
					   "/proc/pressure/memory" };
	/* the evidence that each feature is on, independent of the file under test */
	bool ipv6 = exists("/proc/sys/net/ipv6");
	bool schedstats = exists("/proc/sys/kernel/sched_schedstats");
	bool conntrack = exists("/proc/sys/net/netfilter/nf_conntrack_max");
	bool pressure = exists("/proc/pressure");
	struct pp_kvtab t = { 0 };
	struct sockstat ss;
	struct udp_queues uq;
	struct schedstat sch;
	struct conntrack_stat cs;
	struct psi_stats ps;
	char *b;

	cr_assert_eq(exists("/proc/net/snmp6"), ipv6, "snmp6 present iff IPv6 is on");
	cr_assert_eq(exists("/proc/schedstat"), schedstats,
		     "schedstat iff kernel.sched_schedstats");
	cr_assert_eq(exists("/proc/net/stat/nf_conntrack"), conntrack,
		     "stat/nf_conntrack iff net.netfilter.nf_conntrack_max");
	if (ipv6) {
		b = live("/proc/net/snmp6");
		cr_assert_eq(netstat__parse_snmp6(b, &t), 0);
		cr_assert_not_null(pp_kvtab_get(&t, "Ip6_InOctets"));
		pp_kvtab_free(&t);
		free(b);
		b = live("/proc/net/sockstat6");
		cr_assert_eq(sockstat__parse(b, &ss), 0);
		cr_assert_gt(ss.n, 0);
		cr_assert_str_eq(ss.proto[0].name, "TCP6");
		free(b);
		b = live("/proc/net/udp6");
		cr_assert_eq(udp_queues__parse(b, &uq), 0);
		free(b);
	}
	if (schedstats) {
		b = live("/proc/schedstat");
		cr_assert_eq(schedstat__parse(b, &sch), 0);
		cr_assert_gt(sch.n, 0);
		schedstat__free(&sch);
		free(b);
	}
	if (conntrack) {
		b = live("/proc/net/stat/nf_conntrack");
		cr_assert_eq(conntrack__parse_stat(b, &cs), 0);
		free(b);
	}
	for (int i = 0; pressure && i < 3; i++) {
		b = live(psi[i]);
		cr_assert_eq(pressure__parse(b, &ps), 0, "%s", psi[i]);
		cr_assert(ps.some.have, "%s: no \"some\" line", psi[i]);
		free(b);
	}
}
