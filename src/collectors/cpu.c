/* cpu collector: node_cpu_seconds_total{cpu,mode} and node_cpu_guest_seconds_total{cpu,mode}
 * from /proc/stat. Like node_exporter 1.5 it keeps the last values per CPU so a counter that
 * the kernel reports lower than before (iowait and idle do, on NO_HZ kernels) never goes
 * backwards in the output; a CPU whose idle time drops by 3 s or more was hot-plugged and
 * starts afresh. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "proc_parsers.h"

#define JUMP_BACK_SECONDS 3.0

static bool opt_guest = true;
NP_FLAG_BOOL("collector.cpu.guest", &opt_guest, "Enables metric node_cpu_guest_seconds_total");

/* Last exported values, sorted by nothing in particular: a node has at most a few hundred CPUs
 * and a scrape touches each once. Guarded because scrapes may run concurrently. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_line *cache;
static size_t cache_n;

static void keep_max(double *old, double now)
{
	if (now >= *old)
		*old = now;
}

/* Merges fresh values into the cache and replaces st->cpus' values with the exported ones. */
static int cache_update(struct proc_stat *st)
{
	struct cpu_line *next = calloc(st->ncpu ? st->ncpu : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < st->ncpu; i++) {
		struct cpu_times *n = &st->cpus[i].t, o = { 0 };

		for (size_t j = 0; j < cache_n; j++) {
			if (cache[j].id == st->cpus[i].id) {
				o = cache[j].t;
				break;
			}
		}
		if (o.idle - n->idle >= JUMP_BACK_SECONDS) {
			log_debug("CPU Idle counter jumped backwards more than %.0f seconds, "
				  "possible hotplug event, resetting CPU stats cpu=%u",
				  JUMP_BACK_SECONDS, st->cpus[i].id);
			memset(&o, 0, sizeof(o));
		}
		keep_max(&o.user, n->user);
		keep_max(&o.nice, n->nice);
		keep_max(&o.system, n->system);
		keep_max(&o.idle, n->idle);
		keep_max(&o.iowait, n->iowait);
		keep_max(&o.irq, n->irq);
		keep_max(&o.softirq, n->softirq);
		keep_max(&o.steal, n->steal);
		keep_max(&o.guest, n->guest);
		keep_max(&o.guest_nice, n->guest_nice);
		next[i].id = st->cpus[i].id;
		next[i].t = o;
		*n = o;
	}
	/* CPUs that went offline drop out of the cache here. */
	free(cache);
	cache = next;
	cache_n = st->ncpu;
	return 0;
}

static void emit_mode(struct expo_writer *w, const char *name, const char *cpu, const char *mode,
		      double v)
{
	struct expo_label l[2] = { { "cpu", cpu }, { "mode", mode } };

	expo__sample(w, name, l, 2, v);
}

static int cpu_collect(struct expo_writer *w)
{
	static const char secs[] = "node_cpu_seconds_total";
	static const char guest[] = "node_cpu_guest_seconds_total";
	struct proc_stat st;
	char *buf = NULL;
	int err;

	err = fs__read_rel(fs__procfs(), "stat", PP_MAX_FILE, &buf, NULL);
	if (err)
		return err;
	err = proc_stat__parse(buf, &st);
	free(buf);
	if (err)
		return err;
	pthread_mutex_lock(&cache_lock);
	err = cache_update(&st);
	pthread_mutex_unlock(&cache_lock);
	if (err)
		goto cleanup;

	expo__family(w, secs, "Seconds the CPUs spent in each mode.", EXPO_COUNTER);
	for (size_t i = 0; i < st.ncpu; i++) {
		const struct cpu_times *t = &st.cpus[i].t;
		char id[16];

		snprintf(id, sizeof(id), "%u", st.cpus[i].id);
		emit_mode(w, secs, id, "idle", t->idle);
		emit_mode(w, secs, id, "iowait", t->iowait);
		emit_mode(w, secs, id, "irq", t->irq);
		emit_mode(w, secs, id, "nice", t->nice);
		emit_mode(w, secs, id, "softirq", t->softirq);
		emit_mode(w, secs, id, "steal", t->steal);
		emit_mode(w, secs, id, "system", t->system);
		emit_mode(w, secs, id, "user", t->user);
	}
	if (opt_guest) {
		expo__family(w, guest, "Seconds the CPUs spent in guests (VMs) for each mode.",
			     EXPO_COUNTER);
		for (size_t i = 0; i < st.ncpu; i++) {
			char id[16];

			snprintf(id, sizeof(id), "%u", st.cpus[i].id);
			emit_mode(w, guest, id, "nice", st.cpus[i].t.guest_nice);
			emit_mode(w, guest, id, "user", st.cpus[i].t.guest);
		}
	}
cleanup:
	proc_stat__free(&st);
	return err;
}

static void cpu_fini(void)
{
	pthread_mutex_lock(&cache_lock);
	free(cache);
	cache = NULL;
	cache_n = 0;
	pthread_mutex_unlock(&cache_lock);
}

static struct collector cpu_collector = {
	.name = "cpu",
	.default_enabled = true,
	.collect = cpu_collect,
	.fini = cpu_fini,
};
NP_COLLECTOR(cpu_collector);
