/* Every /proc parser on this kernel's live files: the formats CI's kernel prints must parse.
 * Files a kernel may legitimately lack (schedstat without CONFIG_SCHEDSTATS, pressure without
 * PSI, conntrack without the module, IPv6 ones) are only checked when present. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static char *live(const char *path, bool required)
{
	char *buf = NULL;
	int err = fs__read_file(path, 64u << 20, &buf, NULL);

	if (err == -ENOENT && !required)
		return NULL;
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

	b = live("/proc/stat", true);
	cr_assert_eq(proc_stat__parse(b, &st), 0);
	cr_assert_gt(st.ncpu, 0);
	cr_assert_gt(st.btime, 1000000000);
	proc_stat__free(&st);
	free(b);
	b = live("/proc/meminfo", true);
	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert_not_null(pp_kvtab_get(&t, "MemTotal_bytes"));
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/loadavg", true);
	cr_assert_eq(loadavg__parse(b, l), 0);
	free(b);
	b = live("/proc/vmstat", true);
	cr_assert_eq(vmstat__parse(b, &t), 0);
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/net/dev", true);
	cr_assert_eq(netdev__parse(b, &nd), 0);
	cr_assert_gt(nd.n, 0);
	netdev__free(&nd);
	free(b);
	b = live("/proc/net/netstat", true);
	cr_assert_eq(netstat__parse_pairs(b, &t), 0);
	free(b);
	b = live("/proc/net/snmp", true);
	cr_assert_eq(netstat__parse_pairs(b, &t), 0);
	cr_assert_not_null(pp_kvtab_get(&t, "Tcp_InSegs"));
	pp_kvtab_free(&t);
	free(b);
	b = live("/proc/net/sockstat", true);
	cr_assert_eq(sockstat__parse(b, &ss), 0);
	cr_assert(ss.have_used);
	free(b);
	b = live("/proc/net/softnet_stat", true);
	cr_assert_eq(softnet__parse(b, &sn), 0);
	softnet__free(&sn);
	free(b);
	b = live("/proc/net/arp", true);
	cr_assert_eq(arp__parse(b, &arp), 0);
	arp__free(&arp);
	free(b);
	b = live("/proc/net/udp", true);
	cr_assert_eq(udp_queues__parse(b, &uq), 0);
	free(b);
	b = live("/proc/sys/fs/file-nr", true);
	cr_assert_eq(filefd__parse(b, &a, &m), 0);
	free(b);
	b = live("/proc/sys/kernel/random/entropy_avail", true);
	cr_assert_eq(pp_parse_single_u64(b, &v), 0);
	free(b);
	b = live("/proc/cpuinfo", true);
	cr_assert_eq(cpuinfo__parse(b, &ci, &n), 0);
	free(ci);
	free(b);
}

Test(proc_live, optional_files_parse_when_present)
{
	static const char *const psi[] = { "/proc/pressure/cpu", "/proc/pressure/io",
					   "/proc/pressure/memory" };
	struct pp_kvtab t = { 0 };
	struct sockstat ss;
	struct udp_queues uq;
	struct schedstat sch;
	struct conntrack_stat cs;
	struct psi_stats ps;
	char *b;

	b = live("/proc/net/snmp6", false);
	if (b) {
		cr_assert_eq(netstat__parse_snmp6(b, &t), 0);
		pp_kvtab_free(&t);
		free(b);
	}
	b = live("/proc/net/sockstat6", false);
	if (b) {
		cr_assert_eq(sockstat__parse(b, &ss), 0);
		free(b);
	}
	b = live("/proc/net/udp6", false);
	if (b) {
		cr_assert_eq(udp_queues__parse(b, &uq), 0);
		free(b);
	}
	b = live("/proc/schedstat", false);
	if (b) {
		cr_assert_eq(schedstat__parse(b, &sch), 0);
		schedstat__free(&sch);
		free(b);
	}
	b = live("/proc/net/stat/nf_conntrack", false);
	if (b) {
		cr_assert_eq(conntrack__parse_stat(b, &cs), 0);
		free(b);
	}
	for (int i = 0; i < 3; i++) {
		b = live(psi[i], false);
		if (b) {
			cr_assert_eq(pressure__parse(b, &ps), 0, "%s", psi[i]);
			free(b);
		}
	}
}
