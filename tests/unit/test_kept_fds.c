// SPDX-License-Identifier: Apache-2.0
/* Scrape fast paths that must not change what is read: kept procfs/sysfs descriptors (fresh
 * content on every read, a gone object is an error, not stale data, regular files re-opened,
 * concurrent multi-page reads not torn) and netstat's filtered parse (an unwanted field with a
 * malformed value still fails the collector, as node_exporter's full parse does). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "collectors/process.h"
#include "expo.h"
#include "flags.h"
#include "fsutil.h"

Test(kept_fds, procfs_file_is_regenerated_on_every_read)
{
	char *a = NULL, *b = NULL;

	/* a new UUID on every read: a kept descriptor must not serve the first one again */
	cr_assert_eq(fs__read_file("/proc/sys/kernel/random/uuid", 4096, &a, NULL), 0);
	cr_assert_eq(fs__read_file("/proc/sys/kernel/random/uuid", 4096, &b, NULL), 0);
	cr_assert_eq(strlen(a), 37);
	cr_assert_str_neq(a, b);
	free(a);
	free(b);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pid_t child_tid;
static bool release;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	child_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&cv);
	while (!release)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

Test(kept_fds, dead_task_is_an_error_not_stale_data)
{
	char path[64], *buf = NULL;
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, sleeper, NULL), 0);
	pthread_mutex_lock(&mu);
	while (!child_tid)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)child_tid);
	cr_assert_eq(fs__read_file(path, 4096, &buf, NULL), 0);
	free(buf);
	buf = NULL;
	cr_assert_eq(fs__read_line(path, (char[64]){ 0 }, 64), 0);
	pthread_mutex_lock(&mu);
	release = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);
	/* join returns when the thread has cleared its tid, a moment before the kernel drops
	 * the task: wait until a fresh lookup no longer finds it */
	for (int i = 0; i < 1000 && access(path, F_OK) == 0; i++)
		usleep(1000);
	cr_assert_neq(access(path, F_OK), 0, "task %d still listed after 1 s", (int)child_tid);
	cr_assert_lt(fs__read_file(path, 4096, &buf, NULL), 0, "read a dead task's stat: %s", buf);
	cr_assert_null(buf);
	cr_assert_lt(fs__read_line(path, (char[64]){ 0 }, 64), 0);
}

Test(kept_fds, regular_file_replaced_by_rename_is_seen)
{
	char dir[] = "/tmp/npkept.XXXXXX", path[64], tmp[80], *buf = NULL;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(tmp, sizeof(tmp), "%s/f.new", dir);
	f = fopen(path, "w");
	fputs("one\n", f);
	fclose(f);
	cr_assert_eq(fs__read_file(path, 4096, &buf, NULL), 0);
	cr_assert_str_eq(buf, "one\n");
	free(buf);
	f = fopen(tmp, "w");
	fputs("two\n", f);
	fclose(f);
	cr_assert_eq(rename(tmp, path), 0);
	cr_assert_eq(fs__read_file(path, 4096, &buf, NULL), 0);
	cr_assert_str_eq(buf, "two\n");
	free(buf);
	unlink(path);
	rmdir(dir);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static size_t ref_lines;

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		char *buf = NULL;
		size_t len = 0;

		if (fs__read_file("/proc/zoneinfo", 1 << 20, &buf, &len))
			return (void *)1;
		if (count_lines(buf) != ref_lines || len < 1 || buf[len - 1] != '\n') {
			free(buf);
			return (void *)2;
		}
		free(buf);
	}
	return NULL;
}

/* /proc/zoneinfo is more than one page: a kept descriptor is read with several preads, which
 * concurrent scrapes must not interleave. */
Test(kept_fds, concurrent_multi_page_reads_are_not_torn)
{
	pthread_t t[4];
	char *buf = NULL;
	size_t len;

	cr_assert_eq(fs__read_file("/proc/zoneinfo", 1 << 20, &buf, &len), 0);
	cr_assert_gt(len, 4096, "zoneinfo fits one page here (%zu bytes): test proves nothing",
		     len);
	ref_lines = count_lines(buf);
	free(buf);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, reader, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *rc;

		pthread_join(t[i], &rc);
		cr_assert_null(rc, "reader %d: %s", i,
			       rc == (void *)1 ? "read failed" : "torn read");
	}
}

Test(kept_fds, netstat_unwanted_malformed_field_fails_the_collector)
{
	char *argv[] = { "nodepath", "--path.procfs=" NP_FIXTURES "/hostile/proc/netstat_unwanted",
			 NULL };
	struct collector *c;
	struct expo_writer w;

	registry__reset();
	cr_assert_eq(flags__parse(2, argv, stdout, stderr), 0);
	c = registry__find("netstat");
	cr_assert_not_null(c);
	cr_assert_eq(c->init(), 0);
	expo__init(&w);
	/* TcpExt_TW is not in the default field filter, and "many" is not a number */
	cr_assert_eq(c->collect(&w), -EINVAL);
	c->fini();
	expo__fini(&w);
}

static int listing_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* process_open_fds from the size of /proc/self/fd is what a listing of it counts (the listing's
 * own descriptor included, as the Go client's). */
Test(kept_fds, open_fds_count_matches_a_listing)
{
	struct expo_writer w;
	const char *p;
	int want;

	/* the first call keeps /proc/self/stat (and /proc/stat for btime) open */
	expo__init(&w);
	cr_assert_eq(self_metrics__write(&w), 0);
	expo__fini(&w);
	want = listing_count();
	expo__init(&w);
	cr_assert_eq(self_metrics__write(&w), 0);
	p = strstr(w.buf, "\nprocess_open_fds ");
	cr_assert_not_null(p);
	cr_assert_eq(atoi(p + strlen("\nprocess_open_fds ")), want, "%s", p);
	expo__fini(&w);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* netstat remembers the filter's answers per header line: a second scrape with the same header
 * takes that path, and must still refuse a malformed unwanted value and see new values. */
Test(kept_fds, netstat_remembered_header_still_checks_values)
{
	char dir[] = "/tmp/npnetstat.XXXXXX", net[64], path[96], flag[128], snmp[96];
	char *argv[] = { "nodepath", flag, NULL }, *fx;
	struct collector *c;
	struct expo_writer w;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(net, sizeof(net), "%s/net", dir);
	cr_assert_eq(mkdir(net, 0755), 0);
	snprintf(flag, sizeof(flag), "--path.procfs=%s", dir);
	snprintf(snmp, sizeof(snmp), "%s/snmp", net);
	snprintf(path, sizeof(path), "%s/netstat", net);
	fx = NULL;
	cr_assert_eq(fs__read_file(NP_FIXTURES "/proc/net/snmp", 1 << 20, &fx, NULL), 0);
	write_file(snmp, fx);
	free(fx);
	registry__reset();
	cr_assert_eq(flags__parse(2, argv, stdout, stderr), 0);
	c = registry__find("netstat");
	cr_assert_eq(c->init(), 0);
	for (int round = 0; round < 3; round++) {
		write_file(path, round == 2   ? "TcpExt: ListenDrops TW\nTcpExt: 5 many\n"
				 : round == 1 ? "TcpExt: ListenDrops TW\nTcpExt: 9 2\n"
					      : "TcpExt: ListenDrops TW\nTcpExt: 7 1\n");
		expo__init(&w);
		if (round < 2) {
			cr_assert_eq(c->collect(&w), 0, "round %d", round);
			cr_assert_not_null(
			    strstr(w.buf, round ? "node_netstat_TcpExt_ListenDrops 9\n"
						: "node_netstat_TcpExt_ListenDrops 7\n"),
			    "round %d: %s", round, w.buf);
			cr_assert_null(strstr(w.buf, "TcpExt_TW"));
		} else {
			cr_assert_eq(c->collect(&w), -EINVAL);
		}
		expo__fini(&w);
	}
	c->fini();
	unlink(path);
	unlink(snmp);
	rmdir(net);
	rmdir(dir);
}
