// SPDX-License-Identifier: Apache-2.0
/* End to end per collector, without HTTP: each /proc collector runs on tests/fixtures/proc and
 * its exposition must equal, line for line, what node_exporter 1.5.0 printed for the same tree.
 * tests/fixtures/proc-expected/node_exporter-1.5.prom holds those lines; it was produced with
 *   prometheus-node-exporter --path.procfs=tests/fixtures/proc --path.sysfs=<empty dir>
 *     --no-collector.netdev.netlink --no-collector.systemd
 * (inside a throwaway network namespace) and filtered to the families of these collectors;
 * node_exporter-1.5-k8s-node.prom likewise for tests/fixtures/proc/variants/k8s-node (4 CPUs with
 * guest time, CentOS 7 meminfo, k8s devices, u64-max counters, no IPv6, no schedstat). A
 * collector without lines in the expected file must report no data (-ENODATA), as
 * node_exporter's ErrNoData. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "expo.h"
#include "flags.h"
#include "proc_fixture.h"

static const struct {
	const char *collector;
	const char *prefixes[6];
} cases[] = {
	{ "arp", { "node_arp_" } },
	{ "conntrack", { "node_nf_conntrack_" } },
	{ "cpu", { "node_cpu_" } },
	{ "entropy", { "node_entropy_" } },
	{ "filefd", { "node_filefd_" } },
	{ "ipvs", { "node_ipvs_" } },
	{ "loadavg", { "node_load" } },
	{ "meminfo", { "node_memory_" } },
	{ "netdev", { "node_network_" } },
	{ "netstat", { "node_netstat_" } },
	{ "nfs", { "node_nfs_" } },
	{ "pressure", { "node_pressure_" } },
	{ "schedstat", { "node_schedstat_" } },
	{ "sockstat", { "node_sockstat_" } },
	{ "softnet", { "node_softnet_" } },
	{ "stat",
	  { "node_boot_time_seconds", "node_context_switches_total", "node_forks_total",
	    "node_intr_total", "node_procs_" } },
	{ "udp_queues", { "node_udp_queues" } },
	{ "vmstat", { "node_vmstat_" } },
};

static void use_fixture_roots(const char *procfs)
{
	/* sysfs: a directory with no sysfs content, so only /proc data is exported */
	static char proc_flag[4096]; /* flags keep pointers into argv */
	/* node_exporter ran with --no-collector.netdev.netlink: /proc/net/dev only */
	char *argv[] = { "nodepath", proc_flag, "--path.sysfs=" NP_FIXTURES "/hostile/proc",
			 "--no-collector.netdev.netlink", NULL };

	snprintf(proc_flag, sizeof(proc_flag), "--path.procfs=%s/%s", NP_FIXTURES, procfs);
	registry__reset();
	cr_assert_eq(flags__parse(4, argv, stdout, stderr), 0);
}

static bool wanted(const char *line, const char *const *prefixes)
{
	const char *name = line;

	if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
		name = line + 7;
	for (int i = 0; i < 6 && prefixes[i]; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of text that belong to the given prefixes, sorted (node_exporter sorts families and
 * series; nodepath keeps file order). */
static size_t select_lines(char *text, const char *const *prefixes, char **out, size_t max)
{
	size_t n = 0;

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!wanted(line, prefixes))
			continue;
		cr_assert_lt(n, max);
		out[n++] = line;
	}
	qsort(out, n, sizeof(*out), cmp_str);
	return n;
}

static void compare_tree(const char *procfs, const char *expected_file)
{
	use_fixture_roots(procfs);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct collector *col = registry__find(cases[c].collector);
		static char *want[1024], *got[1024];
		struct expo_writer w;
		char *expected = fx_load(expected_file);
		size_t nw, ng;
		int err;

		cr_assert_not_null(col, "%s", cases[c].collector);
		if (col->init)
			cr_assert_eq(col->init(), 0, "%s init", cases[c].collector);
		expo__init(&w);
		err = col->collect(&w);
		if (col->fini)
			col->fini();
		nw = select_lines(expected, cases[c].prefixes, want, 1024);
		if (nw == 0) {
			cr_assert_eq(err, -ENODATA, "%s: %s has no lines, collect gave %d",
				     cases[c].collector, expected_file, err);
		} else {
			cr_assert_eq(err, 0, "%s collect", cases[c].collector);
			cr_assert_eq(w.err, 0);
			ng = select_lines(w.buf, cases[c].prefixes, got, 1024);
			for (size_t i = 0; i < nw && i < ng; i++)
				cr_assert_str_eq(got[i], want[i], "%s line %zu", cases[c].collector,
						 i);
			cr_assert_eq(ng, nw, "%s: %zu lines, node_exporter %zu", cases[c].collector,
				     ng, nw);
		}
		expo__fini(&w);
		free(expected);
	}
}

Test(proc_emit, this_machine_same_lines_as_node_exporter_1_5)
{
	compare_tree("proc", "proc-expected/node_exporter-1.5.prom");
}

Test(proc_emit, k8s_node_same_lines_as_node_exporter_1_5)
{
	compare_tree("proc/variants/k8s-node", "proc-expected/node_exporter-1.5-k8s-node.prom");
}

/* Thermal throttle counters and isolated CPUs from a sysfs tree whose cpu10 sorts before cpu2
 * (node_exporter globs, and the first sibling read gives a core's count). */
Test(proc_emit, cpu_sysfs_same_lines_as_node_exporter_1_5)
{
	static const char *const prefixes[] = { "node_cpu_isolated", "node_cpu_core_throttles",
						"node_cpu_package_throttles", NULL };
	static char proc_flag[] = "--path.procfs=" NP_FIXTURES "/proc";
	static char sys_flag[] = "--path.sysfs=" NP_FIXTURES "/proc/variants/sysfs-cpu";
	char *argv[] = { "nodepath", proc_flag, sys_flag, NULL };
	struct collector *c = registry__find("cpu");
	static char *want[64], *got[64];
	char *expected = fx_load("proc-expected/node_exporter-1.5-sysfs-cpu.prom");
	struct expo_writer w;
	size_t nw, ng;

	registry__reset();
	cr_assert_eq(flags__parse(3, argv, stdout, stderr), 0);
	cr_assert_eq(c->init(), 0);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	nw = select_lines(expected, prefixes, want, 64);
	ng = select_lines(w.buf, prefixes, got, 64);
	cr_assert_eq(nw, 14);
	cr_assert_eq(ng, nw);
	for (size_t i = 0; i < nw; i++)
		cr_assert_str_eq(got[i], want[i]);
	c->fini();
	expo__fini(&w);
	free(expected);
}
