// SPDX-License-Identifier: Apache-2.0
/* /proc/stat parser (stat collector; its CPU times also feed the cpu collector). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/stat.h"
#include "proc_fixture.h"

static int parse_fixture(const char *rel, struct proc_stat *st)
{
	char *b = fx_load(rel);
	int err = proc_stat__parse(b, st);

	free(b);
	return err;
}

Test(stat, this_machine)
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

Test(stat, four_cpus_with_guest)
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

Test(stat, old_kernel_four_columns)
{
	struct proc_stat st;

	cr_assert_eq(parse_fixture("proc/variants/stat.2_4", &st), 0);
	cr_assert_eq(st.ncpu, 1);
	cr_assert_float_eq(st.cpus[0].t.idle, 90.0, 1e-9);
	cr_assert_float_eq(st.cpus[0].t.iowait, 0.0, 1e-9);
	proc_stat__free(&st);
}

Test(stat, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",	      "hostile/proc/stat.truncated",
		"hostile/proc/stat.huge",     "hostile/proc/stat.nobtime",
		"hostile/proc/stat.dupcpu",   "hostile/proc/stat.badcpu",
		"hostile/proc/stat.negative", "hostile/proc/stat.missingvalue",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct proc_stat st;

		cr_assert_eq(parse_fixture(files[i], &st), -EINVAL, "%s", files[i]);
		cr_assert_null(st.cpus, "%s", files[i]);
	}
}

Test(stat, softirq_vectors)
{
	struct proc_stat st;
	char *bad = fx_str("cpu  1 2 3 4\nintr 1\nctxt 1\nbtime 1\nprocesses 1\nsoftirq 9 1 2\n");

	cr_assert_eq(parse_fixture("proc/variants/stat.4cpu", &st), 0);
	cr_assert_eq(st.softirq[0], 250191); /* hi */
	cr_assert_eq(st.softirq[3], 211099); /* net_rx */
	cr_assert_eq(st.softirq[4], 186066); /* block */
	cr_assert_eq(st.softirq[5], 0);	     /* block_iopoll */
	cr_assert_eq(st.softirq[9], 508444); /* rcu */
	proc_stat__free(&st);
	cr_assert_eq(proc_stat__parse(bad, &st), -EINVAL);
	free(bad);
}
