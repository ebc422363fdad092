// SPDX-License-Identifier: Apache-2.0
/* Log context: lines logged while the registry runs a collector (init, collect, on any thread
 * of a scrape) carry collector=<name> once, in logfmt and JSON; other lines carry none. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "expo.h"
#include "log.h"

static int ctx_init(void)
{
	log_warn("from init");
	return 0;
}

static int ctx_collect(struct expo_writer *w)
{
	(void)w;
	log_warn("from collect");
	return -EIO;
}

/* Off by default and enabled only here, so no other test's scrape sees it. */
static struct collector zz_log_ctx = { .name = "zz_log_ctx",
				       .init = ctx_init,
				       .collect = ctx_collect };
NP_COLLECTOR(zz_log_ctx);

static FILE *capture;

/* stderr goes to a temporary file until captured() reads it back. */
static void capture_start(void)
{
	capture = tmpfile();
	cr_assert_not_null(capture);
	fflush(stderr);
	cr_assert_eq(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
}

static char *captured(void)
{
	static char buf[8192];
	size_t n;

	fflush(stderr);
	rewind(capture);
	n = fread(buf, 1, sizeof(buf) - 1, capture);
	buf[n] = '\0';
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

Test(log, no_context_no_field)
{
	capture_start();
	log__set_level("info");
	log_warn("plain");
	cr_assert(strstr(captured(), " level=warn msg=\"plain\"\n"), "got: %s", captured());
	cr_assert_eq(count(captured(), "collector"), 0);
}

Test(log, context_logfmt_and_json)
{
	capture_start();
	log__set_level("info");
	cr_assert_null(log__set_collector("cpu"));
	log_warn("one");
	cr_assert(log__set_format("json") == 0);
	log_warn("two");
	cr_assert_str_eq(log__set_collector(NULL), "cpu");
	log_warn("three");
	log__set_format("logfmt");
	cr_assert(strstr(captured(), " level=warn collector=cpu msg=\"one\"\n"), "got: %s",
		  captured());
	cr_assert(strstr(captured(), "\"level\":\"warn\",\"collector\":\"cpu\",\"msg\":\"two\"}\n"),
		  "got: %s", captured());
	cr_assert(strstr(captured(), "\"level\":\"warn\",\"msg\":\"three\"}\n"), "got: %s",
		  captured());
	cr_assert_eq(count(captured(), "collector"), 2);
}

static void *log_other_thread(void *arg)
{
	(void)arg;
	log_warn("other thread");
	return NULL;
}

Test(log, context_is_per_thread)
{
	pthread_t t;

	capture_start();
	log__set_level("info");
	log__set_collector("cpu");
	cr_assert_eq(pthread_create(&t, NULL, log_other_thread, NULL), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	log__set_collector(NULL);
	cr_assert(strstr(captured(), " level=warn msg=\"other thread\"\n"), "got: %s", captured());
	cr_assert_eq(count(captured(), "collector"), 0);
}

Test(log, registry_sets_context)
{
	const char *const only[] = { "zz_log_ctx", NULL };
	struct expo_writer w;
	const char *out;

	capture_start();
	log__set_level("info");
	registry__reset();
	for (size_t i = 0; i < registry__count(); i++)
		registry__at(i)->enabled = false;
	cr_assert_eq(registry__set_enabled("zz_log_ctx", true), 0);
	cr_assert_eq(registry__init_all(), 0);
	expo__init(&w);
	cr_assert_eq(registry__scrape(&w, only, NULL), 0);
	expo__fini(&w);
	registry__fini_all();
	log_warn("after");
	out = captured();
	cr_assert(strstr(out, " level=warn collector=zz_log_ctx msg=\"from init\"\n"), "got: %s",
		  out);
	cr_assert(strstr(out, " level=info collector=zz_log_ctx msg=\"collector enabled\"\n"),
		  "got: %s", out);
	cr_assert(strstr(out, " level=warn collector=zz_log_ctx msg=\"from collect\"\n"), "got: %s",
		  out);
	cr_assert(strstr(out, " level=error collector=zz_log_ctx msg=\"collector failed "),
		  "got: %s", out);
	cr_assert(strstr(out, " level=warn msg=\"after\"\n"),
		  "the context ends with the collector");
	cr_assert_eq(count(out, "collector=zz_log_ctx"), 4);
}
