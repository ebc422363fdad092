/* /proc/stat parser (stat and cpu collectors). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc_fixture.h"
#include "collectors/proc_parsers.h"

static int parse_fixture(const char *rel, struct proc_stat *st)
{
	char *b = fx_load(rel);
	int err = proc_stat__parse(b, st);

	free(b);
	return err;
}

Test(proc_stat, this_machine)
{
	struct proc_stat st;

	cr_assert_eq(parse_fixture("proc/stat", &st), 0);
	cr_assert_eq(st.ncpu, 2);
	cr_assert_eq(st.cpus[0].id, 0);
	cr_assert_eq(st.cpus[1].id, 1);
	cr_assert_float_eq(st.cpus[0].t.user, 40.25, 1e-9);
	cr_assert_float_eq(st.cpus[1].t.idle, 748.14, 1e-9);
	cr_assert_float_eq(st.cpus[1].t.iowait, 4.72, 1e-9);
	cr_assert_float_eq(st.cpus[1].t.steal, 0.08, 1e-9);
	/* exactly ticks / 100.0, as Go computes it */
	cr_assert(st.cpus[1].t.softirq == 67 / 100.0);
	cr_assert_float_eq(st.total.system, 86.03, 1e-9);
	cr_assert_eq(st.intr, 498600);
	cr_assert_eq(st.ctxt, 1298694);
	cr_assert_eq(st.btime, 1795676932);
	cr_assert_eq(st.processes, 27897);
	cr_assert_eq(st.procs_running, 2);
	cr_assert_eq(st.procs_blocked, 0);
	proc_stat__free(&st);
}

Test(proc_stat, four_cpus_with_guest)
{
	struct proc_stat st;

	cr_assert_eq(parse_fixture("proc/variants/stat.4cpu", &st), 0);
	cr_assert_eq(st.ncpu, 4);
	cr_assert_eq(st.cpus[3].id, 3);
	cr_assert_float_eq(st.cpus[0].t.guest, 5.20, 1e-9);
	cr_assert_float_eq(st.cpus[1].t.guest_nice, 0.07, 1e-9);
	cr_assert_float_eq(st.cpus[0].t.nice, 0.34, 1e-9);
	cr_assert_eq(st.intr, 8885917);
	cr_assert_eq(st.ctxt, 38014093);
	cr_assert_eq(st.btime, 1418183276);
	cr_assert_eq(st.procs_blocked, 1);
	proc_stat__free(&st);
}

Test(proc_stat, old_kernel_four_columns)
{
	struct proc_stat st;

	cr_assert_eq(parse_fixture("proc/variants/stat.2_4", &st), 0);
	cr_assert_eq(st.ncpu, 1);
	cr_assert_float_eq(st.cpus[0].t.idle, 90.0, 1e-9);
	cr_assert_float_eq(st.cpus[0].t.iowait, 0.0, 1e-9);
	proc_stat__free(&st);
}

Test(proc_stat, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",	     "hostile/proc/stat.truncated",
		"hostile/proc/stat.huge",    "hostile/proc/stat.nobtime",
		"hostile/proc/stat.dupcpu",  "hostile/proc/stat.badcpu",
		"hostile/proc/stat.negative", "hostile/proc/stat.missingvalue",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct proc_stat st;

		cr_assert_eq(parse_fixture(files[i], &st), -EINVAL, "%s", files[i]);
		cr_assert_null(st.cpus, "%s", files[i]);
	}
}

Test(cpu_list, ranges_and_singles)
{
	unsigned int *c;
	size_t n;
	char *a = fx_str("1-2,5\n"), *e = fx_str("\n"), *bad1 = fx_str("3-1\n"),
	     *bad2 = fx_str("1,x\n"), *bad3 = fx_str("0-99999999\n"), *bad4 = fx_str("1 2\n");

	cr_assert_eq(cpu__parse_list(a, &c, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert(c[0] == 1 && c[1] == 2 && c[2] == 5);
	free(c);
	cr_assert_eq(cpu__parse_list(e, &c, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(c);
	cr_assert_eq(cpu__parse_list(bad1, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad2, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad3, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad4, &c, &n), -EINVAL);
	free(bad4);
	free(a);
	free(e);
	free(bad1);
	free(bad2);
	free(bad3);
}

Test(proc_stat, softirq_vectors)
{
	struct proc_stat st;
	char *bad = fx_str("cpu  1 2 3 4\nintr 1\nctxt 1\nbtime 1\nprocesses 1\nsoftirq 9 1 2\n");

	cr_assert_eq(parse_fixture("proc/variants/stat.4cpu", &st), 0);
	cr_assert_eq(st.softirq[0], 250191);  /* hi */
	cr_assert_eq(st.softirq[3], 211099);  /* net_rx */
	cr_assert_eq(st.softirq[4], 186066);  /* block */
	cr_assert_eq(st.softirq[5], 0);       /* block_iopoll */
	cr_assert_eq(st.softirq[9], 508444);  /* rcu */
	proc_stat__free(&st);
	cr_assert_eq(proc_stat__parse(bad, &st), -EINVAL);
	free(bad);
}

Test(cpuinfo, this_machine)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *b = fx_load("proc/cpuinfo");

	cr_assert_eq(cpuinfo__parse(b, &e, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(e[0].vendor, "AuthenticAMD");
	cr_assert_str_eq(e[1].processor, "1");
	cr_assert_str_eq(e[1].core_id, "1");
	cr_assert_str_eq(e[0].model_name, "AMD EPYC");
	cr_assert_str_eq(e[0].cache_size, "1024 KB");
	cr_assert_not_null(strstr(e[0].flags, "constant_tsc"));
	free(e);
	free(b);
}

Test(cpuinfo, two_socket_xeon)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *b = fx_load("proc/variants/cpuinfo.xeon2s");

	cr_assert_eq(cpuinfo__parse(b, &e, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(e[0].model_name, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
	cr_assert_str_eq(e[0].microcode, "0x5003604");
	cr_assert_str_eq(e[1].physical_id, "1");
	cr_assert_str_eq(e[1].bugs, "spectre_v1");
	free(e);
	free(b);
}

Test(cpuinfo, hostile)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *a = fx_load("hostile/proc/empty"), *b = fx_str("processor : 0\nno colon here\n");

	cr_assert_eq(cpuinfo__parse(a, &e, &n), -EINVAL);
	cr_assert_null(e);
	cr_assert_eq(cpuinfo__parse(b, &e, &n), -EINVAL);
	cr_assert_null(e);
	free(a);
	free(b);
}
