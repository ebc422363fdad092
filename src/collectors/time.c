// SPDX-License-Identifier: Apache-2.0
/* time collector: node_time_seconds, node_time_zone_offset_seconds{time_zone} and the
 * clocksources of <sysfs>/devices/system/clocksource (node_time_clocksource_{available,current}
 * _info{device,clocksource}); device is the index in the sorted clocksource* list, as procfs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "fsutil.h"
#include "time.h"
#include "procparse.h"

#define MAX_CLOCKSOURCES 64

int clocksource__parse_available(char *buf, char **names, int max)
{
	int n = pp_split(buf, names, max);

	return n < 0 ? -E2BIG : n;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_clocksource_dir(const char *n)
{
	if (strncmp(n, "clocksource", 11) != 0 || n[11] < '0' || n[11] > '9')
		return false;
	return true;
}

static int emit_clocksources(struct expo_writer *w)
{
	static const char avail[] = "node_time_clocksource_available_info";
	static const char curr[] = "node_time_clocksource_current_info";
	char dirpath[4096], *names[MAX_CLOCKSOURCES], *current[MAX_CLOCKSOURCES] = { 0 };
	char *bufs[MAX_CLOCKSOURCES] = { 0 };
	char *lists[MAX_CLOCKSOURCES][16];
	int nlist[MAX_CLOCKSOURCES] = { 0 };
	struct dirent *de;
	DIR *d;
	int n = 0, err = 0;

	err = fs__join(dirpath, sizeof(dirpath), fs__sysfs(), "devices/system/clocksource");
	if (err)
		return err;
	d = opendir(dirpath);
	if (!d)
		return errno == ENOENT ? 0 : -errno; /* procfs' glob matches nothing then */
	for (de = readdir(d); de && n < MAX_CLOCKSOURCES; de = readdir(d)) {
		if (!is_clocksource_dir(de->d_name))
			continue;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err)
		goto cleanup;
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (int i = 0; i < n; i++) {
		char rel[256], *cbuf = NULL;

		snprintf(rel, sizeof(rel), "devices/system/clocksource/%s/available_clocksource",
			 names[i]);
		err = fs__read_rel(fs__sysfs(), rel, 4096, &bufs[i], NULL);
		if (err)
			goto cleanup;
		nlist[i] = clocksource__parse_available(bufs[i], lists[i], 16);
		if (nlist[i] < 0) {
			err = nlist[i];
			goto cleanup;
		}
		snprintf(rel, sizeof(rel), "devices/system/clocksource/%s/current_clocksource",
			 names[i]);
		err = fs__read_rel(fs__sysfs(), rel, 4096, &cbuf, NULL);
		if (err)
			goto cleanup;
		current[i] = cbuf;
		cbuf[strcspn(cbuf, " \t\n")] = '\0';
	}
	for (int k = 0; k < 2 && n > 0; k++) {
		expo__family(
		    w, k == 0 ? avail : curr,
		    k == 0 ? "Available clocksources read from "
			     "'/sys/devices/system/clocksource'."
			   : "Current clocksource read from '/sys/devices/system/clocksource'.",
		    EXPO_GAUGE);
		for (int i = 0; i < n; i++) {
			char dev[16];

			snprintf(dev, sizeof(dev), "%d", i);
			if (k == 0) {
				for (int j = 0; j < nlist[i]; j++) {
					struct expo_label l[2] = { { "clocksource", lists[i][j] },
								   { "device", dev } };

					expo__sample(w, avail, l, 2, 1);
				}
			} else {
				struct expo_label l[2] = { { "clocksource", current[i] },
							   { "device", dev } };

				expo__sample(w, curr, l, 2, 1);
			}
		}
	}
cleanup:
	for (int i = 0; i < n; i++) {
		free(names[i]);
		free(bufs[i]);
		free(current[i]);
	}
	return err;
}

static int time_collect(struct expo_writer *w)
{
	struct timespec ts;
	struct tm tm;
	struct expo_label l;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -errno;
	if (!localtime_r(&ts.tv_sec, &tm))
		return -EINVAL;
	/* float64(now.UnixNano()) / 1e9, as node_exporter */
	pp_emit(w, "node_time_seconds", "System time in seconds since epoch (1970).", EXPO_GAUGE,
		(double)((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec) / 1e9);
	l.name = "time_zone";
	l.value = tm.tm_zone ? tm.tm_zone : "";
	expo__family(w, "node_time_zone_offset_seconds", "System time zone offset in seconds.",
		     EXPO_GAUGE);
	expo__sample(w, "node_time_zone_offset_seconds", &l, 1, (double)tm.tm_gmtoff);
	return emit_clocksources(w);
}

static int time_init(void)
{
	tzset();
	return 0;
}

static struct collector time_collector = {
	.name = "time",
	.default_enabled = true,
	.init = time_init,
	.collect = time_collect,
};
NP_COLLECTOR(time_collector);
