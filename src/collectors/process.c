/* process_* self metrics (see process.h for why this is not a collector). Read from /proc/self,
 * never from --path.procfs: they describe this process, not the host whose /proc may be mounted
 * elsewhere. The Go client computes them the same way (procfs with USER_HZ fixed at 100). */
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flags.h"
#include "fsutil.h"
#include "log.h"

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
	char *end;

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
		long long sv;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -EINVAL;
		errno = 0;
		sv = strtoll(p, &end, 10);
		if (errno || end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -EINVAL;
		v[field - 4] = (unsigned long long)sv;
		if (field == 24)
			st->rss = sv;
		p = end;
	}
	st->utime = v[14 - 4];
	st->stime = v[15 - 4];
	st->starttime = v[22 - 4];
	st->vsize = v[23 - 4];
	return 0;
}

static int parse_limit_line(const char *buf, const char *key, unsigned long long *out)
{
	const char *p = strstr(buf, key);
	char tok[32];
	size_t i = 0;

	if (!p || (p != buf && p[-1] != '\n'))
		return -EINVAL;
	p += strlen(key);
	while (*p == ' ')
		p++;
	while (*p && *p != ' ' && *p != '\n' && i < sizeof(tok) - 1)
		tok[i++] = *p++;
	tok[i] = '\0';
	if (!strcmp(tok, "unlimited")) {
		*out = UINT64_MAX;
		return 0;
	}
	return fs__parse_u64(tok, out);
}

int process__parse_limits(const char *buf, unsigned long long *max_fds,
			  unsigned long long *max_as)
{
	int err = parse_limit_line(buf, "Max open files", max_fds);

	if (err)
		return err;
	return parse_limit_line(buf, "Max address space", max_as);
}

int process__parse_btime(const char *buf, unsigned long long *btime)
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
	return fs__parse_u64(tok, btime);
}

bool self_metrics__enabled(void)
{
	return !opt_disable_exporter_metrics;
}

static int count_fds(void)
{
	DIR *d = opendir(SELF_PROC "/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int self_metrics__write(struct expo_writer *w)
{
	unsigned long long max_fds = 0, max_as = 0, btime = 0;
	char *stat = NULL, *limits = NULL, *pstat = NULL;
	struct proc_self_stat st;
	int err, fds;

	if (!self_metrics__enabled())
		return 0;
	err = fs__read_file(SELF_PROC "/self/stat", 1 << 12, &stat, NULL);
	if (!err)
		err = process__parse_stat(stat, &st);
	if (!err)
		err = fs__read_file(SELF_PROC "/self/limits", 1 << 14, &limits, NULL);
	if (!err)
		err = process__parse_limits(limits, &max_fds, &max_as);
	if (!err)
		err = fs__read_file(SELF_PROC "/stat", 1 << 20, &pstat, NULL);
	if (!err)
		err = process__parse_btime(pstat, &btime);
	fds = count_fds();
	if (!err && fds < 0)
		err = fds;
	if (err) {
		log_warn("process metrics: %s", strerror(-err));
		goto cleanup;
	}
	expo__family(w, "process_cpu_seconds_total",
		     "Total user and system CPU time spent in seconds.", EXPO_COUNTER);
	expo__sample(w, "process_cpu_seconds_total", NULL, 0,
		     (double)(st.utime + st.stime) / USER_HZ);
	expo__family(w, "process_max_fds", "Maximum number of open file descriptors.",
		     EXPO_GAUGE);
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
	free(limits);
	free(pstat);
	return err;
}
