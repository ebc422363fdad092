// SPDX-License-Identifier: Apache-2.0
/* cpu collector: node_cpu_seconds_total{cpu,mode} and node_cpu_guest_seconds_total{cpu,mode}
 * from /proc/stat, node_cpu_{core,package}_throttles_total from sysfs thermal_throttle (x86
 * bare metal) and node_cpu_isolated{cpu} from <sysfs>/devices/system/cpu/isolated. Like node_exporter 1.5 it keeps the last values per CPU so a counter that
 * the kernel reports lower than before (iowait and idle do, on NO_HZ kernels) never goes
 * backwards in the output; a CPU whose idle time drops by 3 s or more was hot-plugged and
 * starts afresh. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "pattern.h"
#include "cpu.h"
#include "procparse.h"
#include "sysutil.h"

#define JUMP_BACK_SECONDS 3.0

static bool opt_guest = true;
NP_FLAG_BOOL("collector.cpu.guest", &opt_guest, "Enables metric node_cpu_guest_seconds_total");
static bool opt_info;
NP_FLAG_BOOL("collector.cpu.info", &opt_info, "Enables metric cpu_info");
static const char *opt_flags_include = "";
NP_FLAG_STRING(
    "collector.cpu.info.flags-include", &opt_flags_include,
    "Filter the `flags` field in cpuInfo with a value that must be a regular expression");
static const char *opt_bugs_include = "";
NP_FLAG_STRING("collector.cpu.info.bugs-include", &opt_bugs_include,
	       "Filter the `bugs` field in cpuInfo with a value that must be a regular expression");
static struct pattern *re_flags, *re_bugs;
static int compile_include(const char *flag, const char *pat, struct pattern **re);

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
			log_debug(
			    "CPU Idle counter jumped backwards, possible hotplug event, resetting CPU stats",
			    "cpu", LOG_UINT(st->cpus[i].id), "threshold_seconds",
			    LOG_DBL(JUMP_BACK_SECONDS));
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

/* Isolated CPUs are a boot parameter: read once at start, as node_exporter. */
static unsigned int *isolated;
static size_t n_isolated;

/* "0-2,7" -> {0,1,2,7}. Empty (no isolcpus) -> 0 entries. */
int cpu__parse_list(char *buf, unsigned int **out, size_t *n)
{
	char *f[2], *tok, *save = NULL;
	size_t cap = 0;
	int err = 0, nf;

	*out = NULL;
	*n = 0;
	nf = pp_split(buf, f, 2);
	if (nf == 0)
		return 0;
	if (nf != 1)
		return -EINVAL;
	for (tok = strtok_r(f[0], ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;

		if (dash)
			*dash = '\0';
		if (parse__u64(tok, &lo)) {
			err = -EINVAL;
			goto cleanup;
		}
		hi = lo;
		if ((dash && parse__u64(dash + 1, &hi)) || hi < lo || hi > 1u << 20 ||
		    hi - lo > 65536) {
			err = -EINVAL;
			goto cleanup;
		}
		for (uint64_t c = lo; c <= hi; c++) {
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				unsigned int *no = realloc(*out, ncap * sizeof(*no));

				if (!no) {
					err = -ENOMEM;
					goto cleanup;
				}
				*out = no;
				cap = ncap;
			}
			(*out)[(*n)++] = (unsigned int)c;
		}
	}
cleanup:
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

/* thermal_throttle directories come with the x86 thermal driver at boot: on machines without
 * them (VMs, AMD, arm64) skip the two failing opens per CPU on every scrape. */
static bool have_throttle;

static bool throttle_dirs_present(void)
{
	char dir[4096];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (fs__join(dir, sizeof(dir), fs__sysfs(), "devices/system/cpu"))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	for (de = readdir(d); !found && de; de = readdir(d)) {
		char rel[320], path[4096];
		struct stat st;

		if (strncmp(de->d_name, "cpu", 3) != 0 || de->d_name[3] < '0' ||
		    de->d_name[3] > '9')
			continue;
		snprintf(rel, sizeof(rel), "devices/system/cpu/%s/thermal_throttle", de->d_name);
		found = fs__join(path, sizeof(path), fs__sysfs(), rel) == 0 && stat(path, &st) == 0;
	}
	closedir(d);
	return found;
}

static int cpu_init(void)
{
	char *buf = NULL;
	int err;

	have_throttle = throttle_dirs_present();

	err = compile_include("collector.cpu.info.flags-include", opt_flags_include, &re_flags);
	if (!err)
		err =
		    compile_include("collector.cpu.info.bugs-include", opt_bugs_include, &re_bugs);
	if (err)
		return err;

	err = fs__read_rel(fs__sysfs(), "devices/system/cpu/isolated", 65536, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("could not open isolated file");
		return 0;
	}
	if (err)
		return err;
	err = cpu__parse_list(buf, &isolated, &n_isolated);
	free(buf);
	if (err)
		log_error("unable to get isolated cpus", "err", LOG_ERR(err));
	return err;
}

struct throttle {
	uint64_t package, core, count;
};

static int read_sys_u64(const char *cpu, const char *file, uint64_t *v)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "devices/system/cpu/%s/%s", cpu, file);
	return pp_read_single_u64(fs__sysfs(), rel, v);
}

/* Go's filepath.Glob order: "cpu10" sorts before "cpu2". */
static int cmp_lexical(const void *a, const void *b)
{
	char x[16], y[16];

	snprintf(x, sizeof(x), "%u", *(const unsigned int *)a);
	snprintf(y, sizeof(y), "%u", *(const unsigned int *)b);
	return strcmp(x, y);
}

static int push_throttle(struct throttle **a, size_t *n, size_t *cap, struct throttle t)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct throttle *na = realloc(*a, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*a = na;
		*cap = ncap;
	}
	(*a)[(*n)++] = t;
	return 0;
}

/* Counts are per core and per package, repeated in every sibling CPU's directory: the first
 * CPU seen for a core/package gives the value (node_exporter reads each only once). */
static int emit_throttles(struct expo_writer *w)
{
	static const char core_name[] = "node_cpu_core_throttles_total";
	static const char pkg_name[] = "node_cpu_package_throttles_total";
	struct throttle *cores = NULL, *pkgs = NULL;
	size_t nc = 0, cc = 0, np = 0, cp = 0, nids = 0, capids = 0;
	unsigned int *ids = NULL;
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int err;

	err = fs__join(dir, sizeof(dir), fs__sysfs(), "devices/system/cpu");
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return 0;
	/* Sorted like node_exporter's glob, so the sibling that is read first is the same. */
	for (de = readdir(d); de; de = readdir(d)) {
		uint64_t id;

		if (strncmp(de->d_name, "cpu", 3) != 0 || parse__u64(de->d_name + 3, &id) ||
		    id > UINT_MAX)
			continue;
		if (nids == capids) {
			size_t ncap = capids ? capids * 2 : 16;
			unsigned int *ni = realloc(ids, ncap * sizeof(*ni));

			if (!ni) {
				err = -ENOMEM;
				break;
			}
			ids = ni;
			capids = ncap;
		}
		ids[nids++] = (unsigned int)id;
	}
	closedir(d);
	if (err)
		goto cleanup;
	if (nids)
		qsort(ids, nids, sizeof(*ids), cmp_lexical);
	for (size_t k = 0; k < nids && !err; k++) {
		uint64_t pkg, core, ccount, pcount;
		bool have_c, have_p, seen_c = false, seen_p = false;
		char cpu[24];

		snprintf(cpu, sizeof(cpu), "cpu%u", ids[k]);
		/* Most machines (VMs, non-x86) have no thermal_throttle: try it first. */
		have_c = read_sys_u64(cpu, "thermal_throttle/core_throttle_count", &ccount) == 0;
		have_p = read_sys_u64(cpu, "thermal_throttle/package_throttle_count", &pcount) == 0;
		if (!have_c && !have_p)
			continue;
		if (read_sys_u64(cpu, "topology/physical_package_id", &pkg) ||
		    read_sys_u64(cpu, "topology/core_id", &core))
			continue;
		for (size_t i = 0; i < nc; i++)
			seen_c = seen_c || (cores[i].package == pkg && cores[i].core == core);
		for (size_t i = 0; i < np; i++)
			seen_p = seen_p || pkgs[i].package == pkg;
		if (have_c && !seen_c)
			err =
			    push_throttle(&cores, &nc, &cc, (struct throttle){ pkg, core, ccount });
		if (!err && have_p && !seen_p)
			err = push_throttle(&pkgs, &np, &cp, (struct throttle){ pkg, 0, pcount });
	}
	if (err)
		goto cleanup;
	if (np)
		expo__family(w, pkg_name, "Number of times this CPU package has been throttled.",
			     EXPO_COUNTER);
	for (size_t i = 0; i < np; i++) {
		char p[24];
		struct expo_label l = { "package", p };

		snprintf(p, sizeof(p), "%llu", (unsigned long long)pkgs[i].package);
		expo__sample(w, pkg_name, &l, 1, (double)pkgs[i].count);
	}
	if (nc)
		expo__family(w, core_name, "Number of times this CPU core has been throttled.",
			     EXPO_COUNTER);
	for (size_t i = 0; i < nc; i++) {
		char c[24], p[24];
		struct expo_label l[2] = { { "core", c }, { "package", p } };

		snprintf(c, sizeof(c), "%llu", (unsigned long long)cores[i].core);
		snprintf(p, sizeof(p), "%llu", (unsigned long long)cores[i].package);
		expo__sample(w, core_name, l, 2, (double)cores[i].count);
	}
cleanup:
	free(ids);
	free(cores);
	free(pkgs);
	return err;
}

static void copy_val(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* "key\t: value" blocks, one per logical CPU, separated by blank lines. */
int cpuinfo__parse(char *buf, struct cpuinfo_entry **out, size_t *n)
{
	struct cpuinfo_entry *e = NULL, *cur = NULL;
	size_t cap = 0, cnt = 0;
	char *p = buf, *line;
	int err = 0;

	for (line = pp_next_line(&p); line; line = pp_next_line(&p)) {
		char *colon = strchr(line, ':'), *key = line, *val, *end;

		if (!colon) {
			if (pp_split(line, &val, 1) == 0)
				continue; /* blank separator */
			err = -EINVAL;
			goto cleanup;
		}
		*colon = '\0';
		end = colon;
		while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if (strcmp(key, "processor") == 0) {
			if (cnt == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct cpuinfo_entry *ne = realloc(e, ncap * sizeof(*ne));

				if (!ne) {
					err = -ENOMEM;
					goto cleanup;
				}
				e = ne;
				cap = ncap;
			}
			cur = &e[cnt++];
			memset(cur, 0, sizeof(*cur));
			copy_val(cur->processor, sizeof(cur->processor), val);
			continue;
		}
		if (!cur)
			continue; /* preamble lines of some architectures */
		if (strcmp(key, "vendor_id") == 0)
			copy_val(cur->vendor, sizeof(cur->vendor), val);
		else if (strcmp(key, "cpu family") == 0)
			copy_val(cur->family, sizeof(cur->family), val);
		else if (strcmp(key, "model") == 0)
			copy_val(cur->model, sizeof(cur->model), val);
		else if (strcmp(key, "model name") == 0)
			copy_val(cur->model_name, sizeof(cur->model_name), val);
		else if (strcmp(key, "stepping") == 0)
			copy_val(cur->stepping, sizeof(cur->stepping), val);
		else if (strcmp(key, "microcode") == 0)
			copy_val(cur->microcode, sizeof(cur->microcode), val);
		else if (strcmp(key, "cache size") == 0)
			copy_val(cur->cache_size, sizeof(cur->cache_size), val);
		else if (strcmp(key, "physical id") == 0)
			copy_val(cur->physical_id, sizeof(cur->physical_id), val);
		else if (strcmp(key, "core id") == 0)
			copy_val(cur->core_id, sizeof(cur->core_id), val);
		else if (strcmp(key, "flags") == 0)
			cur->flags = val;
		else if (strcmp(key, "bugs") == 0)
			cur->bugs = val;
	}
	if (cnt == 0)
		err = -EINVAL;
cleanup:
	if (err) {
		free(e);
		e = NULL;
		cnt = 0;
	}
	*out = e;
	*n = cnt;
	return err;
}

/* node_cpu_flag_info / node_cpu_bug_info: the first CPU's words matching the include regexp. */
static void emit_words(struct expo_writer *w, const char *name, const char *help, const char *label,
		       char *words, const struct pattern *re)
{
	char *f[512];
	int n = words ? pp_split(words, f, 512) : 0;
	bool opened = false;

	if (n == -E2BIG)
		n = 512;
	for (int i = 0; i < n; i++) {
		struct expo_label l = { label, f[i] };

		if (!pattern__match(re, f[i]))
			continue;
		if (!opened)
			expo__family(w, name, help, EXPO_GAUGE);
		opened = true;
		expo__sample(w, name, &l, 1, 1);
	}
}

static int emit_info(struct expo_writer *w)
{
	static const char name[] = "node_cpu_info";
	struct cpuinfo_entry *e = NULL;
	char *buf = NULL;
	size_t n = 0;
	int err;

	err = fs__read_rel(fs__procfs(), "cpuinfo", PP_MAX_FILE, &buf, NULL);
	if (err)
		return err;
	err = cpuinfo__parse(buf, &e, &n);
	if (err)
		goto cleanup;
	expo__family(w, name, "CPU information from /proc/cpuinfo.", EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		struct expo_label l[10] = {
			{ "cachesize", e[i].cache_size },  { "core", e[i].core_id },
			{ "cpu", e[i].processor },	   { "family", e[i].family },
			{ "microcode", e[i].microcode },   { "model", e[i].model },
			{ "model_name", e[i].model_name }, { "package", e[i].physical_id },
			{ "stepping", e[i].stepping },	   { "vendor", e[i].vendor },
		};

		expo__sample(w, name, l, 10, 1);
	}
	if (re_flags)
		emit_words(w, "node_cpu_flag_info",
			   "The `flags` field of CPU information from /proc/cpuinfo taken from the "
			   "first core.",
			   "flag", e[0].flags, re_flags);
	if (re_bugs)
		emit_words(w, "node_cpu_bug_info",
			   "The `bugs` field of CPU information from /proc/cpuinfo taken from the "
			   "first core.",
			   "bug", e[0].bugs, re_bugs);
cleanup:
	free(e);
	free(buf);
	return err;
}

static int compile_include(const char *flag, const char *pat, struct pattern **re)
{
	if (!*pat)
		return 0;
	if (!opt_info) {
		log_error("flag requires --collector.cpu.info", "flag", flag);
		return -EINVAL;
	}
	return pattern__compile(flag, pat, PATTERN_SEARCH, re, NULL, 0);
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
	int err;

	err = proc_stat__read(&st);
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
	if (n_isolated) {
		static const char iso[] = "node_cpu_isolated";

		expo__family(w, iso,
			     "Whether each core is isolated, information from "
			     "/sys/devices/system/cpu/isolated.",
			     EXPO_GAUGE);
		for (size_t i = 0; i < n_isolated; i++) {
			char id[16];
			struct expo_label l = { "cpu", id };

			snprintf(id, sizeof(id), "%u", isolated[i]);
			expo__sample(w, iso, &l, 1, 1);
		}
	}
	if (have_throttle)
		err = emit_throttles(w);
	if (!err && opt_info)
		err = emit_info(w);
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
	free(isolated);
	isolated = NULL;
	n_isolated = 0;
	pattern__free(re_flags);
	pattern__free(re_bugs);
	re_flags = re_bugs = NULL;
}

static struct collector cpu_collector = {
	.name = "cpu",
	.default_enabled = true,
	.init = cpu_init,
	.collect = cpu_collect,
	.fini = cpu_fini,
};
NP_COLLECTOR(cpu_collector);
