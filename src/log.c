// SPDX-License-Identifier: Apache-2.0
/* Structured logging: one line per event on stderr, logfmt (default) or JSON, the message and
 * every field escaped for the format so that no value can break a line or forge a field. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parse.h"

static int g_level = LOG_LVL_INFO;
static int g_json;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = { "debug", "info", "warn", "error" };
/* Per thread: scrapes run collectors on several threads at once. */
static __thread const char *t_collector;

int log__set_level(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			g_level = i;
			return 0;
		}
	}
	return -EINVAL;
}

int log__set_format(const char *name)
{
	if (strcmp(name, "logfmt") == 0)
		g_json = 0;
	else if (strcmp(name, "json") == 0)
		g_json = 1;
	else
		return -EINVAL;
	return 0;
}

const char *log__set_collector(const char *name)
{
	const char *prev = t_collector;

	t_collector = name;
	return prev;
}

int log__level(void)
{
	return g_level;
}

const char *log__fmt_ll(char *buf, size_t cap, long long v)
{
	snprintf(buf, cap, "%lld", v);
	return buf;
}

const char *log__fmt_ull(char *buf, size_t cap, unsigned long long v)
{
	snprintf(buf, cap, "%llu", v);
	return buf;
}

const char *log__fmt_dbl(char *buf, size_t cap, double v)
{
	snprintf(buf, cap, "%g", v);
	return buf;
}

const char *log__fmt_err(int err)
{
	/* strerrordesc_np: a constant string, safe on every thread (strerror may share a buffer). */
	const char *s = strerrordesc_np(err < 0 ? -err : err);

	return s ? s : "Unknown error";
}

/* The quoted-string body both formats share: backslash escapes for quote, backslash and control
 * characters, U+FFFD for each byte that is not part of valid UTF-8 (what Go's encoders do). */
static void put_escaped(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = parse__utf8_seq(s);

		if (n == 0) {
			fputs("\xef\xbf\xbd", f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\r')
			fputs("\\r", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
		s++;
	}
}

/* go-logfmt's rule: quote a value that is empty or holds a space, '=', '"', a control character
 * or anything that is not valid UTF-8. */
static bool logfmt_needs_quotes(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!*s)
		return true;
	while (*s) {
		size_t n = parse__utf8_seq(s);

		if (n == 0 || *s <= ' ' || *s == '=' || *s == '"' || *s == 0x7f)
			return true;
		s += n;
	}
	return false;
}

/* Keys are program constants, but a key must still not break the line: anything outside
 * [A-Za-z0-9_.:-] becomes '_'. */
static void put_key(FILE *f, const char *k)
{
	if (!*k)
		fputc('_', f);
	for (; *k; k++) {
		char c = *k;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';

		fputc(ok ? c : '_', f);
	}
}

/* msg is always quoted in logfmt, so that it reads the same whatever it says. */
static void put_field(FILE *f, bool first, const char *k, const char *v, bool quote)
{
	if (!v)
		v = "";
	if (g_json) {
		fputs(first ? "\"" : ",\"", f);
		put_key(f, k);
		fputs("\":\"", f);
		put_escaped(f, v);
		fputc('"', f);
		return;
	}
	if (!first)
		fputc(' ', f);
	put_key(f, k);
	fputc('=', f);
	if (quote || logfmt_needs_quotes(v)) {
		fputc('"', f);
		put_escaped(f, v);
		fputc('"', f);
	} else {
		fputs(v, f);
	}
}

/* The collector context, the message, then the pairs; the caller opens the line with ts/level. */
static void put_rest(FILE *f, bool first, const char *const *kv, size_t n)
{
	if (t_collector) {
		put_field(f, first, "collector", t_collector, false);
		first = false;
	}
	put_field(f, first, "msg", kv[0], true);
	for (size_t i = 0; i < n; i++)
		if (kv[2 + 2 * i])
			put_field(f, false, kv[1 + 2 * i], kv[2 + 2 * i], false);
}

void log__format_fields(FILE *f, const char *const *kv, size_t n)
{
	if (g_json)
		fputc('{', f);
	put_rest(f, true, kv, n);
	fputs(g_json ? "}\n" : "\n", f);
}

void log__kv(enum log_level lvl, const char *const *kv, size_t n)
{
	struct timespec now;
	char ts[64];
	struct tm tm;

	if ((int)lvl < g_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(now.tv_nsec / 1000000) % 1000);

	pthread_mutex_lock(&g_lock);
	if (g_json)
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",", ts, level_names[lvl]);
	else
		fprintf(stderr, "ts=%s level=%s ", ts, level_names[lvl]);
	put_rest(stderr, true, kv, n);
	fputs(g_json ? "}\n" : "\n", stderr);
	pthread_mutex_unlock(&g_lock);
}
