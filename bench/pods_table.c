// SPDX-License-Identifier: Apache-2.0
/* Cost of the pod table at node scale: N cache files (default 500, a busy node runs ~110 pods):
 * cold rescan (parse all), warm rescan (nothing changed: one stat per file), lookup of every
 * veth (what a scrape does), foreach, and label latency of a new file through the watcher.
 * With "startup" as third argument: only the agent's start-up, from starting the watcher to a
 * table holding all N pods (thousands of files a failed DEL left behind).
 * Veth names and container ids are scattered like real ones (libcni's are random), so files
 * sorted by name are not sorted by interface. Built and run by bench/pods_table.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "pods.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_cb(const struct pod_info *pi, void *ctx)
{
	(void)pi;
	(*(size_t *)ctx)++;
	return 0;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

/* A bijection on 32 bits: distinct, scattered names. */
static unsigned scatter(int i)
{
	return (unsigned)i * 2654435761u;
}

static void veth_name(char *ifname, size_t cap, int i)
{
	snprintf(ifname, cap, "veth%08x", scatter(i));
}

static void file_path(char *path, size_t cap, const char *dir, int i)
{
	snprintf(path, cap, "%s/cbr0-%056x%08x-eth0", dir, (unsigned)i, scatter(i) ^ 0x5bd1e995u);
}

static void put(const char *dir, int i, char *buf, size_t len, char *veth)
{
	char path[512], ifname[32];
	FILE *f;

	file_path(path, sizeof(path), dir, i);
	veth_name(ifname, sizeof(ifname), i);
	memcpy(veth, ifname, 12);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static int rm_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) != 0;
}

/* Start-up: the time until start_watch returns (the agent serves from then on) and until every
 * pod is in the table. Polls the count, which both the blocking and the background watcher
 * give, so the same file measures before and after. */
static int startup(const char *dir, int n)
{
	struct pod_table *t = pod_table__create(dir);
	double t0, ret, full;

	if (!t)
		return 1;
	t0 = now();
	if (pod_table__start_watch(t)) {
		fprintf(stderr, "start_watch failed\n");
		return 1;
	}
	ret = now() - t0;
	while (pod_table__count(t) < (size_t)n)
		usleep(1000);
	full = now() - t0;
	printf("files=%d serving after %.3f s, table complete (%zu pods) after %.3f s\n", n, ret,
	       pod_table__count(t), full);
	pod_table__stop_watch(t);
	pod_table__destroy(t);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 500, rounds = 20;
	char dir[] = "/tmp/np-bench-pods-XXXXXX", *buf, *veth;
	struct pod_table *t;
	struct pod_info pi;
	double t0, cold, warm, look, each, lat = 0, worst = 0;
	size_t len, cnt = 0;

	if (argc < 2 || fs__read_file(argv[1], 1 << 20, &buf, &len)) {
		fprintf(stderr, "usage: %s FIXTURE [N]\n", argv[0]);
		return 2;
	}
	veth = strstr(buf, "veth3a8c2f1e");
	if (!veth || !mkdtemp(dir))
		return 1;
	for (int i = 0; i < n; i++)
		put(dir, i, buf, len, veth);
	if (argc > 3 && strcmp(argv[3], "startup") == 0) {
		int rc = startup(dir, n);

		free(buf);
		return rm_dir(dir) || rc;
	}
	t = pod_table__create(dir);
	t0 = now();
	pod_table__rescan(t);
	cold = now() - t0;
	t0 = now();
	for (int r = 0; r < rounds; r++)
		pod_table__rescan(t);
	warm = (now() - t0) / rounds;
	t0 = now();
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			char ifname[32];

			veth_name(ifname, sizeof(ifname), i);
			if (pod_table__lookup(t, ifname, &pi)) {
				fprintf(stderr, "lookup %s failed\n", ifname);
				return 1;
			}
		}
	}
	look = (now() - t0) / rounds;
	t0 = now();
	for (int r = 0; r < rounds; r++)
		pod_table__foreach(t, count_cb, &cnt);
	each = (now() - t0) / rounds;
	pod_table__start_watch(t);
	for (int r = 0; r < rounds; r++) {
		char ifname[32];
		double d;

		veth_name(ifname, sizeof(ifname), n + r);
		t0 = now();
		put(dir, n + r, buf, len, veth);
		while (pod_table__lookup(t, ifname, &pi) != 0)
			usleep(100);
		d = now() - t0;
		lat += d;
		worst = d > worst ? d : worst;
	}
	/* Churn through the watcher: 50 files created, then deleted; RSS after 1 and 6 cycles. */
	long rss[3] = { rss_kb(), 0, 0 };
	for (int c = 0; c < 6; c++) {
		size_t base = pod_table__count(t);

		for (int i = 0; i < 50; i++)
			put(dir, 100000 + i, buf, len, veth);
		while (pod_table__count(t) < base + 50)
			usleep(1000);
		for (int i = 0; i < 50; i++) {
			char path[512];

			file_path(path, sizeof(path), dir, 100000 + i);
			unlink(path);
		}
		while (pod_table__count(t) > base)
			usleep(1000);
		usleep(300 * 1000); /* the watcher's coalesced malloc_trim */
		if (c == 0)
			rss[1] = rss_kb();
	}
	rss[2] = rss_kb();
	pod_table__stop_watch(t);
	printf("files=%d entries=%zu\n", n, pod_table__count(t));
	printf("cold rescan (parse all)      %8.2f ms  (%.1f us/file)\n", cold * 1e3,
	       cold * 1e6 / n);
	printf("warm rescan (no change)      %8.2f ms  (%.1f us/file)\n", warm * 1e3,
	       warm * 1e6 / n);
	printf("lookup of every veth         %8.2f ms  (%.2f us/lookup)\n", look * 1e3,
	       look * 1e6 / n);
	printf("foreach                      %8.3f ms\n", each * 1e3);
	printf("new file -> label (watcher)  %8.2f ms mean, %.2f ms worst of %d\n",
	       lat * 1e3 / rounds, worst * 1e3, rounds);
	printf("RSS: before churn %ld kB, after 1 cycle of 50 %ld kB, after 6 cycles %ld kB\n",
	       rss[0], rss[1], rss[2]);
	pod_table__destroy(t);
	free(buf);
	return rm_dir(dir);
}
