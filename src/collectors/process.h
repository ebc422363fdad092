// SPDX-License-Identifier: Apache-2.0
/* process_* self metrics, as Prometheus' Go client exposes them for node_exporter. */
#ifndef NODEPATH_COLLECTORS_PROCESS_H
#define NODEPATH_COLLECTORS_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "expo.h"

struct proc_self_stat {
	unsigned long long utime, stime; /* clock ticks */
	unsigned long long starttime;	 /* ticks after boot */
	unsigned long long vsize;	 /* bytes */
	long long rss;			 /* pages */
};

/* Parse /proc/<pid>/stat (comm may contain spaces and parentheses). 0 or -EINVAL. */
int process__parse_stat(const char *buf, struct proc_self_stat *st);

/* Parse "btime N" out of /proc/stat. */
int process__parse_btime(const char *buf, uint64_t *btime);

/* True unless --web.disable-exporter-metrics. */
bool self_metrics__enabled(void);

/* Append the process_* families. Not a collector: node_exporter exposes them from the Go
 * client's process collector, outside node_scrape_collector_*, on every scrape (collect[] too),
 * and --web.disable-exporter-metrics turns them off. 0 or -errno (nothing written then). */
int self_metrics__write(struct expo_writer *w);

#endif
