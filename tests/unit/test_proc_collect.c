// SPDX-License-Identifier: Apache-2.0
/* Collector behaviour beyond one parse: malformed files fail the collector (never partial or
 * garbage output), and the cpu collector's counters never go backwards across scrapes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
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
	static const char *const names[] = { "arp",	 "conntrack",  "cpu",	   "entropy",
					     "filefd",	 "ipvs",       "loadavg",  "meminfo",
					     "netdev",	 "netstat",    "nfs",	   "nfsd",
					     "pressure", "schedstat",  "sockstat", "softnet",
					     "stat",	 "udp_queues", "vmstat" };

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
	static const char *const names[] = { "cpu",	 "meminfo",   "netdev",	   "stat",
					     "pressure", "schedstat", "conntrack", "udp_queues",
					     "ipvs",	 "nfs",	      "nfsd" };

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
	cr_assert_not_null(
	    strstr(a.buf, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.39\n"));
	set_procfs("proc/variants/cpu-back");
	collect_cpu(&b);
	/* cpu0 iowait went 0.39 -> 0.30: the exported counter stays at 0.39 */
	cr_assert_not_null(
	    strstr(b.buf, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.39\n"), "%s", b.buf);
	/* cpu1 idle dropped by 5 s: a hot-plugged CPU, its values start afresh */
	cr_assert_not_null(
	    strstr(b.buf, "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 743.14\n"));
	cr_assert_not_null(strstr(b.buf, "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} 4\n"));
	c->fini();
	expo__fini(&a);
	expo__fini(&b);
}

Test(proc_collect, netdev_nohandler_from_this_namespace)
{
	struct collector *c = registry__find("netdev");
	struct expo_writer w;

	/* /proc/net/dev from the fixture, rx_nohandler from the live namespace: "lo" is in both */
	set_procfs("proc");
	cr_assert_eq(c->init(), 0);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_assert_not_null(strstr(w.buf, "node_network_receive_nohandler_total{device=\"lo\"} "));
	c->fini();
	expo__fini(&w);
}

Test(proc_collect, netdev_device_exclude_with_re2_digit_class)
{
	struct collector *c = registry__find("netdev");
	struct expo_writer w;
	char *argv[] = { "nodepath", "--path.procfs=" NP_FIXTURES "/proc",
			 "--collector.netdev.device-exclude=^(ifb\\d+|cni-.*)$",
			 "--no-collector.netdev.netlink", NULL };

	registry__reset();
	cr_assert_eq(flags__parse(4, argv, stdout, stderr), 0);
	cr_assert_eq(c->init(), 0);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_assert_not_null(strstr(w.buf, "node_network_receive_bytes_total{device=\"eth0\"} "));
	cr_assert_not_null(strstr(w.buf, "{device=\"lo\"}"));
	cr_assert_null(strstr(w.buf, "ifb"));
	cr_assert_null(strstr(w.buf, "cni-podman0"));
	c->fini();
	expo__fini(&w);
}

Test(proc_collect, netdev_include_and_exclude_are_exclusive)
{
	struct collector *c = registry__find("netdev");
	char *argv[] = { "nodepath", "--collector.netdev.device-exclude=^lo$",
			 "--collector.netdev.device-include=^eth", NULL };

	registry__reset();
	cr_assert_eq(flags__parse(3, argv, stdout, stderr), 0);
	cr_assert_eq(c->init(), -EINVAL);
}

/* Scrapes may run concurrently (one per HTTP request): the collectors with state (cpu's last
 * values, netstat's and vmstat's filter caches) must stay consistent. Run under ASan in CI. */
static void *collect_many(void *arg)
{
	static const char *const names[] = { "cpu", "netstat", "vmstat", "meminfo", "netdev" };

	(void)arg;
	for (int i = 0; i < 100; i++) {
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			struct expo_writer w;
			int err;

			expo__init(&w);
			err = registry__find(names[k])->collect(&w);
			expo__fini(&w);
			if (err)
				return (void *)(long)err;
		}
	}
	return NULL;
}

Test(proc_collect, concurrent_scrapes)
{
	static const char *const names[] = { "cpu", "netstat", "vmstat", "meminfo", "netdev" };
	pthread_t t[4];

	set_procfs("proc");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct collector *c = registry__find(names[k]);

		if (c->init)
			cr_assert_eq(c->init(), 0, "%s", names[k]);
	}
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, collect_many, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;

		cr_assert_eq(pthread_join(t[i], &ret), 0);
		cr_assert_null(ret, "collect failed: %ld", (long)ret);
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		struct collector *c = registry__find(names[k]);

		if (c->fini)
			c->fini();
	}
}
