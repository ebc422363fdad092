// SPDX-License-Identifier: Apache-2.0
/* schedstat collector: node_schedstat_{running_seconds,waiting_seconds,timeslices}_total{cpu}
 * from /proc/schedstat. Kernels built without CONFIG_SCHEDSTATS have no such file:
 * -ENODATA, as node_exporter's ErrNoData. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "schedstat.h"
#include "procparse.h"

void schedstat__free(struct schedstat *s)
{
	free(s->cpu);
	s->cpu = NULL;
	s->n = 0;
}

int schedstat__parse(char *buf, struct schedstat *out)
{
	char *cur = buf, *line;
	size_t cap = 0;
	bool have_version = false;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		/* "cpu<N> yld_count(legacy) sched_switch(legacy) sched_count sched_goidle ttwu_count
		 *  ttwu_local rq_cpu_time run_delay pcount" (versions 15-17) */
		char *f[16];
		struct schedstat_cpu *c;
		uint64_t id, dummy;
		int n = pp_split(line, f, 16);

		if (n == 0)
			continue;
		if (strcmp(f[0], "version") == 0) {
			have_version = true;
			continue;
		}
		if (strncmp(f[0], "cpu", 3) != 0)
			continue; /* timestamp, domain<N> */
		if (n != 10 || parse__u64(f[0] + 3, &id) || strlen(f[0]) >= sizeof(c->cpu)) {
			err = -EINVAL;
			goto cleanup;
		}
		for (int i = 1; i < 7; i++) {
			if (parse__u64(f[i], &dummy)) {
				err = -EINVAL;
				goto cleanup;
			}
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct schedstat_cpu *nc = realloc(out->cpu, ncap * sizeof(*nc));

			if (!nc) {
				err = -ENOMEM;
				goto cleanup;
			}
			out->cpu = nc;
			cap = ncap;
		}
		c = &out->cpu[out->n];
		strcpy(c->cpu, f[0] + 3);
		if (parse__u64(f[7], &c->running_ns) || parse__u64(f[8], &c->waiting_ns) ||
		    parse__u64(f[9], &c->timeslices)) {
			err = -EINVAL;
			goto cleanup;
		}
		for (size_t i = 0; i < out->n; i++) {
			if (strcmp(out->cpu[i].cpu, c->cpu) == 0) {
				err = -EINVAL;
				goto cleanup;
			}
		}
		out->n++;
	}
	if (!have_version)
		err = -EINVAL;
cleanup:
	if (err)
		schedstat__free(out);
	return err;
}

static int schedstat_collect(struct expo_writer *w)
{
	static const char run[] = "node_schedstat_running_seconds_total";
	static const char wait[] = "node_schedstat_waiting_seconds_total";
	static const char slices[] = "node_schedstat_timeslices_total";
	struct schedstat s;
	char *buf = NULL;
	int err;

	err = fs__read_rel(fs__procfs(), "schedstat", PP_MAX_FILE, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("schedstat file does not exist");
		return -ENODATA;
	}
	if (err)
		return err;
	err = schedstat__parse(buf, &s);
	free(buf);
	if (err)
		return err;
	if (s.n) {
		expo__family(w, run, "Number of seconds CPU spent running a process.",
			     EXPO_COUNTER);
		for (size_t i = 0; i < s.n; i++) {
			struct expo_label l = { "cpu", s.cpu[i].cpu };

			expo__sample(w, run, &l, 1, (double)s.cpu[i].running_ns / 1e9);
		}
		expo__family(w, wait, "Number of seconds spent by processing waiting for this CPU.",
			     EXPO_COUNTER);
		for (size_t i = 0; i < s.n; i++) {
			struct expo_label l = { "cpu", s.cpu[i].cpu };

			expo__sample(w, wait, &l, 1, (double)s.cpu[i].waiting_ns / 1e9);
		}
		expo__family(w, slices, "Number of timeslices executed by CPU.", EXPO_COUNTER);
		for (size_t i = 0; i < s.n; i++) {
			struct expo_label l = { "cpu", s.cpu[i].cpu };

			expo__sample(w, slices, &l, 1, (double)s.cpu[i].timeslices);
		}
	}
	schedstat__free(&s);
	return 0;
}

static struct collector schedstat_collector = {
	.name = "schedstat",
	.default_enabled = true,
	.collect = schedstat_collect,
};
NP_COLLECTOR(schedstat_collector);
