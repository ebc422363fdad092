// SPDX-License-Identifier: Apache-2.0
/* process_* self metrics (see process.h for why this is not a collector). Read from /proc/self,
 * never from --path.procfs: they describe this process, not the host whose /proc may be mounted
 * elsewhere. The Go client computes them the same way (procfs with USER_HZ fixed at 100). */
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"

static bool opt_disable_exporter_metrics;
NP_FLAG_BOOL("web.disable-exporter-metrics", &opt_disable_exporter_metrics,
	     "Exclude metrics about the exporter itself (process_*).");

#define SELF_PROC "/proc"
#define USER_HZ 100.0

int process__parse_stat(const char *buf, struct proc_self_stat *st)
{
	const char *p = strrchr(buf, ')');
	unsigned long long v[22];
	int field = 3; /* state is field 3 */

	memset(st, 0, sizeof(*st));
	if (!p)
		return -EINVAL;
	p++;
	/* Fields 3..24 after the comm: state, then numbers. */
	while (*p == ' ')
		p++;
	if (!*p || *p == '\n')
		return -EINVAL;
	while (*p && *p != ' ')
		p++; /* state */
	for (field = 4; field <= 24; field++) {
		char tok[24]; /* the longest int64 is 20 characters */
		size_t n;
		int64_t sv;

		while (*p == ' ')
			p++;
		n = strcspn(p, " \n");
		if (n == 0 || n >= sizeof(tok))
			return -EINVAL;
		memcpy(tok, p, n);
		tok[n] = '\0';
		if (parse__i64(tok, &sv))
			return -EINVAL;
		v[field - 4] = (unsigned long long)sv;
		if (field == 24)
			st->rss = sv;
		p += n;
	}
	st->utime = v[14 - 4];
	st->stime = v[15 - 4];
	st->starttime = v[22 - 4];
	st->vsize = v[23 - 4];
	return 0;
}

int process__parse_btime(const char *buf, uint64_t *btime)
{
	const char *p = strstr(buf, "\nbtime ");
	char tok[32];
	size_t i = 0;

	if (!p)
		return -EINVAL;
	p += 7;
	while (*p >= '0' && *p <= '9' && i < sizeof(tok) - 1)
		tok[i++] = *p++;
	tok[i] = '\0';
	return parse__u64(tok, btime);
}

bool self_metrics__enabled(void)
{
	return !opt_disable_exporter_metrics;
}

static int count_fds(void)
{
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	/* Since Linux 6.2 the size of /proc/<pid>/fd is the number of open descriptors: no listing
	 * (which formats a name per descriptor, and nodepath keeps ~50 procfs/sysfs files open).
	 * +1 for the descriptor a listing holds itself, which the readdir below and the Go client
	 * count. Older kernels report 0. */
	if (!stat(SELF_PROC "/self/fd", &st) && st.st_size > 0 && st.st_size < INT_MAX)
		return (int)st.st_size + 1;
	d = opendir(SELF_PROC "/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Boot time never changes while the process runs: read /proc/stat (long on big machines: one
 * interrupt counter per IRQ) once, not per scrape. */
static pthread_once_t btime_once = PTHREAD_ONCE_INIT;
static uint64_t btime_cached;
static int btime_err;

static void read_btime(void)
{
	char *pstat = NULL;

	btime_err = fs__read_file(SELF_PROC "/stat", 1 << 22, &pstat, NULL);
	if (!btime_err)
		btime_err = process__parse_btime(pstat, &btime_cached);
	free(pstat);
}

static unsigned long long rlim_value(int resource)
{
	struct rlimit rl;

	/* The soft limit, as the "Soft Limit" column of /proc/self/limits the Go client reads;
	 * unlimited is reported as 2^64-1 there too. */
	if (getrlimit(resource, &rl))
		return 0;
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (unsigned long long)rl.rlim_cur;
}

int self_metrics__write(struct expo_writer *w)
{
	unsigned long long max_fds, max_as;
	uint64_t btime;
	struct proc_self_stat st;
	char *stat = NULL;
	int err, fds;

	if (!self_metrics__enabled())
		return 0;
	pthread_once(&btime_once, read_btime);
	err = btime_err;
	btime = btime_cached;
	if (!err)
		err = fs__read_file(SELF_PROC "/self/stat", 1 << 12, &stat, NULL);
	if (!err)
		err = process__parse_stat(stat, &st);
	fds = count_fds();
	if (!err && fds < 0)
		err = fds;
	if (err) {
		log_warn("reading process metrics failed", "err", LOG_ERR(err));
		goto cleanup;
	}
	max_fds = rlim_value(RLIMIT_NOFILE);
	max_as = rlim_value(RLIMIT_AS);
	expo__family(w, "process_cpu_seconds_total",
		     "Total user and system CPU time spent in seconds.", EXPO_COUNTER);
	expo__sample(w, "process_cpu_seconds_total", NULL, 0,
		     (double)(st.utime + st.stime) / USER_HZ);
	expo__family(w, "process_max_fds", "Maximum number of open file descriptors.", EXPO_GAUGE);
	expo__sample(w, "process_max_fds", NULL, 0, (double)max_fds);
	expo__family(w, "process_open_fds", "Number of open file descriptors.", EXPO_GAUGE);
	expo__sample(w, "process_open_fds", NULL, 0, fds);
	expo__family(w, "process_resident_memory_bytes", "Resident memory size in bytes.",
		     EXPO_GAUGE);
	expo__sample(w, "process_resident_memory_bytes", NULL, 0,
		     (double)st.rss * (double)sysconf(_SC_PAGESIZE));
	expo__family(w, "process_start_time_seconds",
		     "Start time of the process since unix epoch in seconds.", EXPO_GAUGE);
	expo__sample(w, "process_start_time_seconds", NULL, 0,
		     (double)st.starttime / USER_HZ + (double)btime);
	expo__family(w, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
		     EXPO_GAUGE);
	expo__sample(w, "process_virtual_memory_bytes", NULL, 0, (double)st.vsize);
	expo__family(w, "process_virtual_memory_max_bytes",
		     "Maximum amount of virtual memory available in bytes.", EXPO_GAUGE);
	expo__sample(w, "process_virtual_memory_max_bytes", NULL, 0, (double)max_as);
cleanup:
	free(stat);
	return err;
}
