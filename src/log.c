// SPDX-License-Identifier: Apache-2.0
/* Structured logging: one line per event on stderr, logfmt (default) or JSON. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* Both formats quote msg; escape what would break the line or the quoting. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void log__write(enum log_level lvl, const char *fmt, ...)
{
	char msg[1024], ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if ((int)lvl < g_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(now.tv_nsec / 1000000) % 1000);

	pthread_mutex_lock(&g_lock);
	if (g_json) {
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",", ts, level_names[lvl]);
		if (t_collector) {
			fputs("\"collector\":\"", stderr);
			put_escaped(stderr, t_collector);
			fputs("\",", stderr);
		}
		fputs("\"msg\":\"", stderr);
	} else {
		fprintf(stderr, "ts=%s level=%s ", ts, level_names[lvl]);
		/* Collector names are registry identifiers ([a-z0-9_]): no quoting needed. */
		if (t_collector)
			fprintf(stderr, "collector=%s ", t_collector);
		fputs("msg=\"", stderr);
	}
	put_escaped(stderr, msg);
	fputs(g_json ? "\"}\n" : "\"\n", stderr);
	pthread_mutex_unlock(&g_lock);
}
