// SPDX-License-Identifier: Apache-2.0
/* Collector registry: failing collectors are rolled back and report success 0, init failures
 * keep the rest serving, collect[] filtering, unknown/disabled names, concurrent scrapes.
 * The zz_reg_* collectors below exist only in the unit-test binary and are off by default. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "expo.h"
#include "log.h"

static int ok_calls, initfail_collect_calls, fini_calls;

static int ok_collect(struct expo_writer *w)
{
	__atomic_add_fetch(&ok_calls, 1, __ATOMIC_RELAXED);
	expo__family(w, "zz_reg_ok_value", "A value.", EXPO_GAUGE);
	expo__sample(w, "zz_reg_ok_value", (struct expo_label[]){ { "k", "v" } }, 1, 42);
	return 0;
}

static void ok_fini(void)
{
	fini_calls++;
}

/* Writes a complete family, then fails: none of it may reach the scrape. */
static int fail_collect(struct expo_writer *w)
{
	expo__family(w, "zz_reg_fail_value", "Half written.", EXPO_COUNTER);
	expo__sample(w, "zz_reg_fail_value", NULL, 0, 1);
	return -EIO;
}

/* Returns 0 but wrote an invalid name: the writer's error fails it. */
static int badname_collect(struct expo_writer *w)
{
	expo__family(w, "zz_reg_badname_value", "Fine so far.", EXPO_GAUGE);
	expo__sample(w, "zz_reg_badname_value", NULL, 0, 1);
	expo__sample(w, "zz-reg-bad name", NULL, 0, 1);
	return 0;
}

static int initfail_init(void)
{
	return -EPERM;
}

static int initfail_collect(struct expo_writer *w)
{
	initfail_collect_calls++;
	return 0;
}

static int nodata_collect(struct expo_writer *w)
{
	return -ENODATA;
}

static struct collector zz_reg_ok = { .name = "zz_reg_ok", .collect = ok_collect, .fini = ok_fini };
NP_COLLECTOR(zz_reg_ok);
static struct collector zz_reg_fail = { .name = "zz_reg_fail", .collect = fail_collect };
NP_COLLECTOR(zz_reg_fail);
static struct collector zz_reg_badname = { .name = "zz_reg_badname", .collect = badname_collect };
NP_COLLECTOR(zz_reg_badname);
static struct collector zz_reg_initfail = { .name = "zz_reg_initfail",
					    .init = initfail_init,
					    .collect = initfail_collect,
					    .fini = ok_fini };
NP_COLLECTOR(zz_reg_initfail);
static struct collector zz_reg_nodata = { .name = "zz_reg_nodata", .collect = nodata_collect };
NP_COLLECTOR(zz_reg_nodata);
static struct collector zz_reg_off = { .name = "zz_reg_off", .collect = ok_collect };
NP_COLLECTOR(zz_reg_off);

/* A collector marked last (as textfile): sorted first by name, yet run after the others into
 * a writer of its own whose text goes after node_scrape_collector_*. It records what it was
 * told is taken. */
static int last_saw_ok, last_saw_reserved;

static void last_seen(void *ctx, const char *name, size_t len, enum expo_type type)
{
	(void)ctx;
	if (len == strlen("zz_reg_ok_value") && !memcmp(name, "zz_reg_ok_value", len) &&
	    type == EXPO_GAUGE)
		last_saw_ok++;
}

static int last_collect(struct expo_writer *lw)
{
	if (lw->preceding)
		expo__each_family(lw->preceding, last_seen, NULL);
	for (const char *const *r = lw->reserved; r && *r; r++)
		if (!strcmp(*r, "node_scrape_collector_success"))
			last_saw_reserved++;
	expo__family(lw, "zz_reg_last_value", "Relayed.", EXPO_GAUGE);
	expo__sample(lw, "zz_reg_last_value", NULL, 0, 7);
	return 0;
}

static struct collector zz_reg_alast = { .name = "zz_reg_alast",
					 .last = true,
					 .collect = last_collect };
NP_COLLECTOR(zz_reg_alast);

static struct expo_writer w;

/* Only the zz_reg_* collectors (but zz_reg_off) are enabled: real collectors linked into the
 * test binary stay out of it. */
static void setup(void)
{
	log__set_level("error"); /* the failures below are logged on purpose; skip the info */
	registry__reset();
	for (size_t i = 0; i < registry__count(); i++)
		registry__at(i)->enabled = false;
	cr_assert_eq(registry__set_enabled("zz_reg_ok", true), 0);
	cr_assert_eq(registry__set_enabled("zz_reg_fail", true), 0);
	cr_assert_eq(registry__set_enabled("zz_reg_badname", true), 0);
	cr_assert_eq(registry__set_enabled("zz_reg_initfail", true), 0);
	cr_assert_eq(registry__set_enabled("zz_reg_nodata", true), 0);
	cr_assert_eq(registry__init_all(), 0);
	expo__init(&w);
}

static void teardown(void)
{
	expo__fini(&w);
	registry__fini_all();
}

TestSuite(registry, .init = setup, .fini = teardown);

/* Replaces duration values with "D" for exact comparison; NULL if one is not a sane duration.
 * No criterion asserts in here: it also runs on helper threads. */
static char *normalise(const char *text)
{
	char *out = calloc(1, strlen(text) + 1), *o = out;
	const char *line = text;
	static const char dur[] = "node_scrape_collector_duration_seconds{";

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);

		if (strncmp(line, dur, strlen(dur)) == 0) {
			const char *sp = memchr(line, ' ', len);
			double v = strtod(sp + 1, NULL);

			if (!(v >= 0 && v < 5)) {
				free(out);
				return NULL;
			}
			memcpy(o, line, (size_t)(sp - line + 1));
			o += sp - line + 1;
			o = stpcpy(o, "D\n");
		} else {
			memcpy(o, line, len);
			o += len;
		}
		line += len;
	}
	*o = '\0';
	return out;
}

Test(registry, sorted_and_findable)
{
	for (size_t i = 1; i < registry__count(); i++)
		cr_assert_lt(strcmp(registry__at(i - 1)->name, registry__at(i)->name), 0);
	cr_assert_eq(registry__find("zz_reg_ok"), &zz_reg_ok);
	cr_assert_null(registry__find("zz_reg_nope"));
	cr_assert_null(registry__find(NULL));
	cr_assert_null(registry__at(registry__count()));
	cr_assert_eq(registry__set_enabled("zz_reg_nope", true), -ENOENT);
}

Test(registry, failing_collectors_roll_back_and_report_zero)
{
	char *got;

	cr_assert_eq(registry__scrape(&w, NULL, NULL), 0);
	cr_assert_eq(w.err, 0);
	got = normalise(w.buf);
	cr_assert_not_null(got);
	cr_assert_str_eq(
	    got, "# HELP zz_reg_ok_value A value.\n"
		 "# TYPE zz_reg_ok_value gauge\n"
		 "zz_reg_ok_value{k=\"v\"} 42\n"
		 "# HELP node_scrape_collector_duration_seconds node_exporter: Duration of a "
		 "collector scrape.\n"
		 "# TYPE node_scrape_collector_duration_seconds gauge\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_badname\"} D\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_fail\"} D\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_initfail\"} D\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_nodata\"} D\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_ok\"} D\n"
		 "# HELP node_scrape_collector_success node_exporter: Whether a collector "
		 "succeeded.\n"
		 "# TYPE node_scrape_collector_success gauge\n"
		 "node_scrape_collector_success{collector=\"zz_reg_badname\"} 0\n"
		 "node_scrape_collector_success{collector=\"zz_reg_fail\"} 0\n"
		 "node_scrape_collector_success{collector=\"zz_reg_initfail\"} 0\n"
		 "node_scrape_collector_success{collector=\"zz_reg_nodata\"} 1\n"
		 "node_scrape_collector_success{collector=\"zz_reg_ok\"} 1\n");
	free(got);
	/* A collector whose init failed is never called, and never finalised. */
	cr_assert_eq(initfail_collect_calls, 0);
	cr_assert_not(zz_reg_initfail.initialised);
	cr_assert(zz_reg_ok.initialised);
	cr_assert_eq(ok_calls, 1);
}

Test(registry, output_appends_after_existing_text)
{
	static const char before[] = "# HELP before b\n# TYPE before gauge\nbefore 1\n";

	expo__family(&w, "before", "b", EXPO_GAUGE);
	expo__sample(&w, "before", NULL, 0, 1);
	cr_assert_eq(registry__scrape(&w, (const char *const[]){ "zz_reg_fail", NULL }, NULL), 0);
	cr_assert_eq(strncmp(w.buf, before, strlen(before)), 0);
	cr_assert_eq(strncmp(w.buf + strlen(before),
			     "# HELP node_scrape_collector_duration_seconds ",
			     strlen("# HELP node_scrape_collector_duration_seconds ")),
		     0, "%s", w.buf);
	cr_assert(strstr(w.buf, "node_scrape_collector_success{collector=\"zz_reg_fail\"} 0\n"));
	cr_assert_null(strstr(w.buf, "zz_reg_fail_value"));
}

Test(registry, last_collector_runs_after_and_writes_last)
{
	const char *const filter[] = { "zz_reg_alast", "zz_reg_ok", NULL };
	char *got;

	cr_assert_eq(registry__set_enabled("zz_reg_alast", true), 0);
	cr_assert_eq(registry__init_all(), 0);
	cr_assert_eq(registry__scrape(&w, filter, NULL), 0);
	cr_expect_eq(last_saw_ok, 1);
	cr_expect_eq(last_saw_reserved, 1);
	got = normalise(w.buf);
	cr_assert_not_null(got);
	cr_assert_str_eq(
	    got, "# HELP zz_reg_ok_value A value.\n"
		 "# TYPE zz_reg_ok_value gauge\n"
		 "zz_reg_ok_value{k=\"v\"} 42\n"
		 "# HELP node_scrape_collector_duration_seconds node_exporter: Duration of a "
		 "collector scrape.\n"
		 "# TYPE node_scrape_collector_duration_seconds gauge\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_alast\"} D\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_ok\"} D\n"
		 "# HELP node_scrape_collector_success node_exporter: Whether a collector "
		 "succeeded.\n"
		 "# TYPE node_scrape_collector_success gauge\n"
		 "node_scrape_collector_success{collector=\"zz_reg_alast\"} 1\n"
		 "node_scrape_collector_success{collector=\"zz_reg_ok\"} 1\n"
		 "# HELP zz_reg_last_value Relayed.\n"
		 "# TYPE zz_reg_last_value gauge\n"
		 "zz_reg_last_value 7\n");
	free(got);
}

Test(registry, filter_selects_and_deduplicates)
{
	const char *const filter[] = { "zz_reg_ok", "zz_reg_ok", NULL };
	char *got;

	cr_assert_eq(registry__scrape(&w, filter, NULL), 0);
	got = normalise(w.buf);
	cr_assert_not_null(got);
	cr_assert_str_eq(
	    got, "# HELP zz_reg_ok_value A value.\n"
		 "# TYPE zz_reg_ok_value gauge\n"
		 "zz_reg_ok_value{k=\"v\"} 42\n"
		 "# HELP node_scrape_collector_duration_seconds node_exporter: Duration of a "
		 "collector scrape.\n"
		 "# TYPE node_scrape_collector_duration_seconds gauge\n"
		 "node_scrape_collector_duration_seconds{collector=\"zz_reg_ok\"} D\n"
		 "# HELP node_scrape_collector_success node_exporter: Whether a collector "
		 "succeeded.\n"
		 "# TYPE node_scrape_collector_success gauge\n"
		 "node_scrape_collector_success{collector=\"zz_reg_ok\"} 1\n");
	free(got);
	cr_assert_eq(ok_calls, 1);
}

Test(registry, filter_order_does_not_change_output_order)
{
	struct expo_writer w2;
	char *a, *b;

	expo__init(&w2);
	cr_assert_eq(
	    registry__scrape(&w, (const char *const[]){ "zz_reg_ok", "zz_reg_fail", NULL }, NULL),
	    0);
	cr_assert_eq(
	    registry__scrape(&w2, (const char *const[]){ "zz_reg_fail", "zz_reg_ok", NULL }, NULL),
	    0);
	a = normalise(w.buf);
	b = normalise(w2.buf);
	cr_assert(a && b);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	expo__fini(&w2);
}

Test(registry, unknown_name_in_filter)
{
	const char *bad = NULL;

	cr_assert_eq(registry__scrape(&w, (const char *const[]){ "zz_reg_ok", "nope", NULL }, &bad),
		     -ENOENT);
	cr_assert_str_eq(bad, "nope");
	cr_assert_eq(w.len, 0, "nothing is written for a rejected filter");
	cr_assert_eq(ok_calls, 0);
}

Test(registry, disabled_name_in_filter)
{
	const char *bad = NULL;

	cr_assert_eq(registry__scrape(&w, (const char *const[]){ "zz_reg_off", NULL }, &bad),
		     -ENOENT);
	cr_assert_str_eq(bad, "zz_reg_off");
	cr_assert_eq(registry__scrape(&w, (const char *const[]){ "", NULL }, &bad), -ENOENT);
	cr_assert_str_eq(bad, "");
}

Test(registry, empty_filter_list_selects_nothing)
{
	const char *const none[] = { NULL };

	cr_assert_eq(registry__scrape(&w, none, NULL), 0);
	cr_assert_eq(w.len, 0);
}

Test(registry, enabled_after_init_reports_failure)
{
	const char *const filter[] = { "zz_reg_off", NULL };

	/* Switched on after init_all: never initialised, so never called. */
	cr_assert_eq(registry__set_enabled("zz_reg_off", true), 0);
	cr_assert_eq(registry__scrape(&w, filter, NULL), 0);
	cr_assert(strstr(w.buf, "node_scrape_collector_success{collector=\"zz_reg_off\"} 0\n"));
	cr_assert_eq(ok_calls, 0);
}

Test(registry, fini_only_for_initialised)
{
	registry__fini_all();
	cr_assert_eq(fini_calls, 1, "zz_reg_ok only, not zz_reg_initfail");
	cr_assert_not(zz_reg_ok.initialised);
	registry__fini_all();
	cr_assert_eq(fini_calls, 1);
}

Test(registry, disable_defaults_and_reset)
{
	registry__disable_defaults();
	for (size_t i = 0; i < registry__count(); i++) {
		struct collector *c = registry__at(i);

		if (c->default_enabled)
			cr_assert_not(c->enabled, "%s", c->name);
	}
	cr_assert(zz_reg_ok.enabled, "not on by default, so left alone");
	registry__reset();
	for (size_t i = 0; i < registry__count(); i++)
		cr_assert_eq(registry__at(i)->enabled, registry__at(i)->default_enabled);
}

static void *scrape_loop(void *arg)
{
	char *first = NULL;

	for (int i = 0; i < 200; i++) {
		struct expo_writer tw;
		char *got;

		expo__init(&tw);
		if (registry__scrape(&tw, NULL, NULL) != 0)
			return (void *)1;
		got = normalise(tw.buf);
		expo__fini(&tw);
		if (!got)
			return (void *)1;
		if (!first) {
			first = got;
			continue;
		}
		if (strcmp(first, got) != 0) {
			free(got);
			free(first);
			return (void *)1;
		}
		free(got);
	}
	free(first);
	return NULL;
}

Test(registry, concurrent_scrapes)
{
	pthread_t t[4];
	void *rc;

	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, scrape_loop, NULL), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &rc);
		cr_assert_null(rc);
	}
	cr_assert_eq(ok_calls, 800);
}
