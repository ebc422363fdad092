// SPDX-License-Identifier: Apache-2.0
/* Structured logs: fields are key=value in logfmt and members in JSON, escaped so that no value
 * (quotes, newlines, bytes that are not UTF-8) breaks a line or forges a field. Log context:
 * lines logged while the registry runs a collector (init, collect, on any thread of a scrape)
 * carry collector=<name> once, in logfmt and JSON; other lines carry none. */
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
	cr_assert(
	    strstr(out,
		   " level=error collector=zz_log_ctx msg=\"collector failed\" duration_seconds="),
	    "got: %s", out);
	cr_assert(strstr(out, " level=warn msg=\"after\"\n"),
		  "the context ends with the collector");
	cr_assert_eq(count(out, "collector=zz_log_ctx"), 4);
}

/* One line in the given format, without ts/level, into a static buffer. */
static const char *fmt_line(const char *format, const char *const *kv, size_t n)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cr_assert_not_null(f);
	cr_assert_eq(log__set_format(format), 0);
	log__format_fields(f, kv, n);
	fclose(f);
	log__set_format("logfmt");
	return buf;
}

#define LINE(format, ...) \
	fmt_line(format, (const char *const[]){ __VA_ARGS__ }, LOG__N(__VA_ARGS__))

Test(log, fields_logfmt)
{
	cr_assert_str_eq(LINE("logfmt", "attached", "device", "veth1a2b", "ifindex", LOG_INT(7)),
			 "msg=\"attached\" device=veth1a2b ifindex=7\n");
	/* go-logfmt's quoting: empty, space, '=', '"', control characters */
	cr_assert_str_eq(LINE("logfmt", "m", "a", "", "b", "x y", "c", "k=v", "d", NULL),
			 "msg=\"m\" a=\"\" b=\"x y\" c=\"k=v\"\n"); /* NULL: no field */
	cr_assert_str_eq(LINE("logfmt", "m", "err", LOG_ERR(-ENOENT), "e2", LOG_ERR(EPERM)),
			 "msg=\"m\" err=\"No such file or directory\" e2=\"Operation not "
			 "permitted\"\n");
	cr_assert_str_eq(
	    LINE("logfmt", "m", "s", LOG_DBL(0.25), "u", LOG_UINT(18446744073709551615ULL)),
	    "msg=\"m\" s=0.25 u=18446744073709551615\n");
}

Test(log, hostile_values_logfmt)
{
	/* A device name cannot forge a field or a line. */
	cr_assert_str_eq(LINE("logfmt", "m", "device", "x\" level=error msg=\"pwned"),
			 "msg=\"m\" device=\"x\\\" level=error msg=\\\"pwned\"\n");
	cr_assert_str_eq(LINE("logfmt", "two\nlines", "path", "/a\nts=0 level=error\r\t"),
			 "msg=\"two\\nlines\" path=\"/a\\nts=0 level=error\\r\\t\"\n");
	cr_assert_str_eq(LINE("logfmt", "m", "v", "back\\slash", "w", "\x01\x7f"),
			 "msg=\"m\" v=back\\slash w=\"\\u0001\\u007f\"\n");
	/* bytes that are not UTF-8 become U+FFFD, valid UTF-8 passes unquoted */
	cr_assert_str_eq(LINE("logfmt", "m", "mp", "/srv/\xff\xc3(", "ok", "r\xc3\xa9seau"),
			 "msg=\"m\" mp=\"/srv/\xef\xbf\xbd\xef\xbf\xbd(\" ok=r\xc3\xa9seau\n");
	/* overlong encoding and a surrogate are not valid UTF-8 either */
	cr_assert_str_eq(LINE("logfmt", "m", "a", "\xc0\xaf", "b", "\xed\xa0\x80"),
			 "msg=\"m\" a=\"\xef\xbf\xbd\xef\xbf\xbd\" "
			 "b=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"\n");
	/* keys are constants, but one still cannot break the line */
	cr_assert_str_eq(LINE("logfmt", "m", "bad key=\"", "v"), "msg=\"m\" bad_key__=v\n");
}

Test(log, fields_json)
{
	cr_assert_str_eq(LINE("json", "attached", "device", "veth1a2b", "ifindex", LOG_INT(7)),
			 "{\"msg\":\"attached\",\"device\":\"veth1a2b\",\"ifindex\":\"7\"}\n");
	cr_assert_str_eq(LINE("json", "m", "device", "x\",\"level\":\"error"),
			 "{\"msg\":\"m\",\"device\":\"x\\\",\\\"level\\\":\\\"error\"}\n");
	cr_assert_str_eq(LINE("json", "a\nb", "p", "\\\t\x01", "q", NULL),
			 "{\"msg\":\"a\\nb\",\"p\":\"\\\\\\t\\u0001\"}\n");
	cr_assert_str_eq(LINE("json", "m", "mp", "/srv/\xff", "ok", "\xe2\x82\xac"),
			 "{\"msg\":\"m\",\"mp\":\"/srv/\xef\xbf\xbd\",\"ok\":\"\xe2\x82\xac\"}\n");
}

Test(log, whole_line_with_fields)
{
	capture_start();
	log__set_level("info");
	log__set_collector("netdev");
	log_warn("attach failed", "device", "eth 0", "err", LOG_ERR(-EPERM));
	log__set_format("json");
	log_warn("attach failed", "device", "eth\"0", "err", LOG_ERR(-EPERM));
	log__set_format("logfmt");
	log__set_collector(NULL);
	cr_assert(strstr(captured(), " level=warn collector=netdev msg=\"attach failed\" "
				     "device=\"eth 0\" err=\"Operation not permitted\"\n"),
		  "got: %s", captured());
	cr_assert(strstr(captured(), "\"level\":\"warn\",\"collector\":\"netdev\",\"msg\":\"attach "
				     "failed\",\"device\":\"eth\\\"0\",\"err\":\"Operation not "
				     "permitted\"}\n"),
		  "got: %s", captured());
}
