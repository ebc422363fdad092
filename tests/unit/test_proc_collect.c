/* Collector behaviour beyond one parse: malformed files fail the collector (never partial or
 * garbage output), and the cpu collector's counters never go backwards across scrapes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "expo.h"
#include "flags.h"

static void set_procfs(const char *rel)
{
	static char flag[2][4096]; /* flags keep pointers into argv */
	static int k;
	char *argv[] = { "nodepath", flag[k], "--path.sysfs=" NP_FIXTURES "/hostile/proc", NULL };

	snprintf(flag[k], sizeof(flag[k]), "--path.procfs=%s/%s", NP_FIXTURES, rel);
	k ^= 1;
	registry__reset();
	cr_assert_eq(flags__parse(3, argv, stdout, stderr), 0);
}

Test(proc_collect, malformed_files_fail_each_collector)
{
	static const char *const names[] = { "arp",	 "conntrack", "cpu",	 "entropy",
					     "filefd",	 "loadavg",   "meminfo", "netdev",
					     "netstat",	 "pressure",  "schedstat", "sockstat",
					     "softnet", "stat",	     "udp_queues", "vmstat" };

	set_procfs("hostile/proc/tree");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct collector *c = registry__find(names[i]);
		struct expo_writer w;
		int err;

		cr_assert_not_null(c, "%s", names[i]);
		if (c->init)
			cr_assert_eq(c->init(), 0, "%s", names[i]);
		expo__init(&w);
		err = c->collect(&w);
		cr_assert_lt(err, 0, "%s accepted a malformed file", names[i]);
		cr_assert_neq(err, -ENODATA, "%s: malformed is not 'no data'", names[i]);
		if (c->fini)
			c->fini();
		expo__fini(&w);
	}
}

Test(proc_collect, missing_tree_is_an_error_or_no_data)
{
	static const char *const names[] = { "cpu", "meminfo", "netdev", "stat", "pressure",
					     "schedstat", "conntrack", "udp_queues" };

	set_procfs("does-not-exist");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct collector *c = registry__find(names[i]);
		struct expo_writer w;

		expo__init(&w);
		cr_assert_lt(c->collect(&w), 0, "%s", names[i]);
		expo__fini(&w);
	}
}

static void collect_cpu(struct expo_writer *w)
{
	struct collector *c = registry__find("cpu");

	expo__init(w);
	cr_assert_eq(c->collect(w), 0);
}

Test(proc_collect, cpu_counters_never_go_backwards)
{
	struct collector *c = registry__find("cpu");
	struct expo_writer a, b;

	set_procfs("proc");
	cr_assert_eq(c->init(), 0);
	collect_cpu(&a);
	cr_assert_not_null(strstr(a.buf, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.39\n"));
	set_procfs("proc/variants/cpu-back");
	collect_cpu(&b);
	/* cpu0 iowait went 0.39 -> 0.30: the exported counter stays at 0.39 */
	cr_assert_not_null(strstr(b.buf, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.39\n"),
			   "%s", b.buf);
	/* cpu1 idle dropped by 5 s: a hot-plugged CPU, its values start afresh */
	cr_assert_not_null(strstr(b.buf, "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 743.14\n"));
	cr_assert_not_null(strstr(b.buf, "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} 4\n"));
	c->fini();
	expo__fini(&a);
	expo__fini(&b);
}
