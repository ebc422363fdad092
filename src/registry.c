// SPDX-License-Identifier: Apache-2.0
/* Collector registry: the np_collectors linker section, sorted by name, with node_exporter's
 * per-collector scrape accounting.
 *
 * Start-up policy (deliberately unlike node_exporter, which refuses to start when a collector
 * cannot be created): an init failure is logged once and the collector stays selected but
 * "failed", so every scrape reports node_scrape_collector_success{collector} 0 for it while
 * the other collectors keep serving. A node whose BPF programs cannot load still needs its host
 * statistics, and a 0 is something an alert can fire on; a crash-looping pod is not.
 * The exception is -EINVAL, which collectors return for a bad flag value: that is a
 * configuration error, reported at once by refusing to start, as node_exporter does. */
#include "collector.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

extern struct collector *const __start_np_collectors[] __attribute__((weak));
extern struct collector *const __stop_np_collectors[] __attribute__((weak));

struct entry {
	struct collector *c;
	int init_err; /* -errno from init: the collector reports success 0 and is never called */
};

static struct entry *g_table;
static size_t g_count;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->c->name, ((const struct entry *)b)->c->name);
}

static void build_table(void)
{
	size_t n = 0;

	if (__start_np_collectors && __stop_np_collectors)
		n = (size_t)(__stop_np_collectors - __start_np_collectors);
	g_table = calloc(n + 1, sizeof(*g_table));
	if (!g_table) {
		log_error("collector registry: out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		g_table[i].c = __start_np_collectors[i];
	qsort(g_table, n, sizeof(*g_table), cmp_entry);
	for (size_t i = 1; i < n; i++)
		if (strcmp(g_table[i - 1].c->name, g_table[i].c->name) == 0)
			log_error("collector registered twice", "name", g_table[i].c->name);
	g_count = n;
}

static void table(void)
{
	pthread_once(&g_once, build_table);
}

size_t registry__count(void)
{
	table();
	return g_count;
}

struct collector *registry__at(size_t i)
{
	table();
	return i < g_count ? g_table[i].c : NULL;
}

static struct entry *find_entry(const char *name)
{
	struct entry key;
	struct collector kc = { .name = name };

	table();
	if (!name || !g_count)
		return NULL;
	key.c = &kc;
	return bsearch(&key, g_table, g_count, sizeof(*g_table), cmp_entry);
}

struct collector *registry__find(const char *name)
{
	struct entry *e = find_entry(name);

	return e ? e->c : NULL;
}

int registry__set_enabled(const char *name, bool on)
{
	struct collector *c = registry__find(name);

	if (!c)
		return -ENOENT;
	c->enabled = on;
	return 0;
}

void registry__disable_defaults(void)
{
	table();
	for (size_t i = 0; i < g_count; i++)
		if (g_table[i].c->default_enabled)
			g_table[i].c->enabled = false;
}

void registry__reset(void)
{
	table();
	for (size_t i = 0; i < g_count; i++) {
		g_table[i].c->enabled = g_table[i].c->default_enabled;
		g_table[i].init_err = 0;
	}
}

int registry__init_all(void)
{
	table();
	for (size_t i = 0; i < g_count; i++) {
		struct entry *e = &g_table[i];
		struct collector *c = e->c;
		int err = 0;

		if (!c->enabled || c->initialised)
			continue;
		log__set_collector(c->name);
		if (c->init)
			err = c->init();
		if (err == -EINVAL) {
			log_error("collector configuration invalid");
			log__set_collector(NULL);
			return err;
		}
		if (err) {
			e->init_err = err < 0 ? err : -EIO;
			log_error(
			    "collector init failed, it will report node_scrape_collector_success 0",
			    "err", LOG_ERR(e->init_err));
		} else {
			c->initialised = true;
			log_info("collector enabled");
		}
		log__set_collector(NULL);
	}
	return 0;
}

int registry__set_failed(const char *name, int err)
{
	struct entry *e = find_entry(name);

	if (!e)
		return -ENOENT;
	e->init_err = err < 0 ? err : -EIO;
	e->c->initialised = false;
	log_error("collector init failed, it will report node_scrape_collector_success 0",
		  "collector", name, "err", LOG_ERR(e->init_err));
	return 0;
}

void registry__fini_all(void)
{
	table();
	for (size_t i = g_count; i-- > 0;) {
		struct collector *c = g_table[i].c;

		if (!c->initialised)
			continue;
		log__set_collector(c->name);
		if (c->fini)
			c->fini();
		log__set_collector(NULL);
		c->initialised = false;
	}
}

static bool in_filter(const char *const *filter, const char *name)
{
	for (; *filter; filter++)
		if (strcmp(*filter, name) == 0)
			return true;
	return false;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

struct result {
	bool ran;
	bool ok;
	double seconds;
};

/* Runs one collector into w; on failure leaves w as it was. */
static void run_one(struct expo_writer *w, struct entry *e, struct result *r)
{
	size_t mark = expo__mark(w);
	unsigned long long t0 = now_ns();
	int err = e->init_err;
	const char *prev_ctx = log__set_collector(e->c->name);

	r->ran = true;
	if (!err && !e->c->initialised)
		err = -EAGAIN; /* enabled after init_all: never set up, cannot be called */
	if (!err) {
		err = e->c->collect ? e->c->collect(w) : -ENOSYS;
		/* Output the collector could not write completely is as bad as an error. */
		if (!err && w->err)
			err = w->err;
	}
	/* Integer nanoseconds first, as Go's time.Since().Seconds(): 1.8e-05, not the
	 * 1.8000000011e-05 a difference of two large float timestamps gives. */
	r->seconds = (double)(now_ns() - t0) / 1e9;
	/* -ENODATA: this machine lacks the source (no hwmon in a VM, no conntrack module). That is
	 * success with no series, so that an alert on node_scrape_collector_success == 0 means a
	 * real failure. node_exporter 1.5 reports 0 here (its ErrNoData); see docs/metrics.md. */
	r->ok = err == 0 || err == -ENODATA;
	if (err) {
		expo__rollback(w, mark);
		w->err = 0;
		if (e->init_err) {
			/* Logged once at start-up already. */
		} else if (err == -ENODATA) {
			log_debug("collector returned no data", "duration_seconds",
				  LOG_DBL(r->seconds));
		} else {
			log_error("collector failed", "duration_seconds", LOG_DBL(r->seconds),
				  "err", LOG_ERR(err));
		}
	}
	log__set_collector(prev_ctx);
}

/* Written after the collectors marked last ran: they must know these names are taken. */
static const char *const own_families[] = { "node_scrape_collector_duration_seconds",
					    "node_scrape_collector_success", NULL };

int registry__scrape(struct expo_writer *w, const char *const *filter, const char **bad_name)
{
	struct expo_writer late = { .preceding = w, .reserved = own_families };
	struct result *res;
	size_t ran = 0;

	table();
	if (filter) {
		for (const char *const *f = filter; *f; f++) {
			struct entry *e = find_entry(*f);

			if (!e || !e->c->enabled) {
				if (bad_name)
					*bad_name = *f;
				return -ENOENT;
			}
		}
	}
	if (w->err)
		return w->err;
	res = calloc(g_count + 1, sizeof(*res));
	if (!res)
		return -ENOMEM;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < g_count; i++) {
			struct entry *e = &g_table[i];

			if (!e->c->enabled || (filter && !in_filter(filter, e->c->name)) ||
			    e->c->last != (pass == 1))
				continue;
			run_one(pass ? &late : w, e, &res[i]);
			ran++;
		}
	}

	if (ran) {
		expo__family(w, "node_scrape_collector_duration_seconds",
			     "node_exporter: Duration of a collector scrape.", EXPO_GAUGE);
		for (size_t i = 0; i < g_count; i++) {
			struct expo_label l = { "collector", g_table[i].c->name };

			if (res[i].ran)
				expo__sample(w, "node_scrape_collector_duration_seconds", &l, 1,
					     res[i].seconds);
		}
		expo__family(w, "node_scrape_collector_success",
			     "node_exporter: Whether a collector succeeded.", EXPO_GAUGE);
		for (size_t i = 0; i < g_count; i++) {
			struct expo_label l = { "collector", g_table[i].c->name };

			if (res[i].ran)
				expo__sample(w, "node_scrape_collector_success", &l, 1,
					     res[i].ok ? 1 : 0);
		}
	}
	expo__append(w, &late);
	free(res);
	expo__fini(&late);
	return w->err;
}
