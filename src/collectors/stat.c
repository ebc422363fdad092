// SPDX-License-Identifier: Apache-2.0
/* stat collector: boot time, context switches, forks, interrupts and process counts from
 * /proc/stat. The /proc/stat parser here is shared with the cpu collector. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "parse.h"
#include "stat.h"
#include "procparse.h"

static bool opt_softirq;
NP_FLAG_BOOL("collector.stat.softirq", &opt_softirq, "Export softirq calls per vector");

/* procfs divides ticks by USER_HZ, which is 100 on every Linux ABI node_exporter supports. */
#define USER_HZ 100.0

static int parse_cpu_times(char **f, int n, struct cpu_times *t)
{
	double *dst[] = { &t->user, &t->nice,	 &t->system, &t->idle,	&t->iowait,
			  &t->irq,  &t->softirq, &t->steal,  &t->guest, &t->guest_nice };

	/* Kernels before 2.6 print only user/nice/system/idle; later columns default to 0. */
	if (n < 5)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	for (int i = 1; i < n && i <= 10; i++) {
		uint64_t ticks;

		if (parse__u64(f[i], &ticks))
			return -EINVAL;
		*dst[i - 1] = (double)ticks / USER_HZ;
	}
	return 0;
}

void proc_stat__free(struct proc_stat *st)
{
	free(st->cpus);
	st->cpus = NULL;
	st->ncpu = 0;
}

int proc_stat__parse(char *buf, struct proc_stat *st)
{
	bool have_total = false, have_intr = false, have_ctxt = false, have_btime = false,
	     have_processes = false;
	size_t cap = 0;
	char *cur = buf, *line;
	int err = 0;

	memset(st, 0, sizeof(*st));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[16];
		uint64_t *dst = NULL;
		bool *seen = NULL;
		int n = pp_split(line, f, 16);

		if (n == -E2BIG)
			n = 16; /* "intr" and "softirq" lines are long; only the first fields matter */
		if (n == 0)
			continue;
		if (strncmp(f[0], "cpu", 3) == 0) {
			struct cpu_times t;
			uint64_t id;

			if (parse_cpu_times(f, n, &t)) {
				err = -EINVAL;
				goto cleanup;
			}
			if (f[0][3] == '\0') {
				st->total = t;
				have_total = true;
				continue;
			}
			if (parse__u64(f[0] + 3, &id) || id > 1u << 20) {
				err = -EINVAL;
				goto cleanup;
			}
			for (size_t i = 0; i < st->ncpu; i++) {
				if (st->cpus[i].id == id) {
					err = -EINVAL; /* a duplicate would emit duplicate series */
					goto cleanup;
				}
			}
			if (st->ncpu == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct cpu_line *nc = realloc(st->cpus, ncap * sizeof(*nc));

				if (!nc) {
					err = -ENOMEM;
					goto cleanup;
				}
				st->cpus = nc;
				cap = ncap;
			}
			st->cpus[st->ncpu].id = (unsigned int)id;
			st->cpus[st->ncpu].t = t;
			st->ncpu++;
			continue;
		}
		if (strcmp(f[0], "intr") == 0) {
			dst = &st->intr;
			seen = &have_intr;
		} else if (strcmp(f[0], "ctxt") == 0) {
			dst = &st->ctxt;
			seen = &have_ctxt;
		} else if (strcmp(f[0], "btime") == 0) {
			dst = &st->btime;
			seen = &have_btime;
		} else if (strcmp(f[0], "processes") == 0) {
			dst = &st->processes;
			seen = &have_processes;
		} else if (strcmp(f[0], "procs_running") == 0) {
			dst = &st->procs_running;
		} else if (strcmp(f[0], "procs_blocked") == 0) {
			dst = &st->procs_blocked;
		} else if (strcmp(f[0], "softirq") == 0) {
			/* "softirq total hi timer ..." */
			if (n < 12) {
				err = -EINVAL;
				goto cleanup;
			}
			for (int i = 0; i < 10; i++) {
				if (parse__u64(f[i + 2], &st->softirq[i])) {
					err = -EINVAL;
					goto cleanup;
				}
			}
			continue;
		} else {
			continue; /* page, swap, ...: not exported */
		}
		if (n < 2 || parse__u64(f[1], dst)) {
			err = -EINVAL;
			goto cleanup;
		}
		if (seen)
			*seen = true;
	}
	/* Every kernel since 2.6 prints these; without them the file is not /proc/stat. */
	if (!have_total || !have_intr || !have_ctxt || !have_btime || !have_processes)
		err = -EINVAL;
cleanup:
	if (err)
		proc_stat__free(st);
	return err;
}

int proc_stat__read(struct proc_stat *st)
{
	char *buf = NULL;
	int err =
	    fs__read_rel_records(fs__procfs(), "stat", PP_MAX_FILE, FS_SINGLE_RECORD, &buf, NULL);

	if (err)
		return err;
	err = proc_stat__parse(buf, st);
	free(buf);
	return err;
}

static int stat_collect(struct expo_writer *w)
{
	struct proc_stat st;
	int err;

	err = proc_stat__read(&st);
	if (err)
		return err;
	pp_emit(w, "node_intr_total", "Total number of interrupts serviced.", EXPO_COUNTER,
		(double)st.intr);
	pp_emit(w, "node_context_switches_total", "Total number of context switches.", EXPO_COUNTER,
		(double)st.ctxt);
	pp_emit(w, "node_forks_total", "Total number of forks.", EXPO_COUNTER,
		(double)st.processes);
	pp_emit(w, "node_boot_time_seconds", "Node boot time, in unixtime.", EXPO_GAUGE,
		(double)st.btime);
	pp_emit(w, "node_procs_running", "Number of processes in runnable state.", EXPO_GAUGE,
		(double)st.procs_running);
	pp_emit(w, "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
		EXPO_GAUGE, (double)st.procs_blocked);
	if (opt_softirq) {
		static const char *const vec[10] = { "hi",	"timer",	"net_tx",  "net_rx",
						     "block",	"block_iopoll", "tasklet", "sched",
						     "hrtimer", "rcu" };

		expo__family(w, "node_softirqs_total", "Number of softirq calls.", EXPO_COUNTER);
		for (int i = 0; i < 10; i++) {
			struct expo_label l = { "vector", vec[i] };

			expo__sample(w, "node_softirqs_total", &l, 1, (double)st.softirq[i]);
		}
	}
	proc_stat__free(&st);
	return 0;
}

static struct collector stat_collector = {
	.name = "stat",
	.default_enabled = true,
	.collect = stat_collect,
};
NP_COLLECTOR(stat_collector);
