// SPDX-License-Identifier: Apache-2.0
/* Structured logging (logfmt or JSON) to stderr, with a level threshold from --log.level.
 *
 * A line is a constant message plus key/value fields, all strings:
 *
 *	log_warn("attach failed", "device", name, "err", LOG_ERR(err));
 *	log_info("collector done", "duration_seconds", LOG_DBL(secs), "mounts", LOG_UINT(n));
 *
 * In logfmt every field is key=value (quoted and escaped when the value needs it), in JSON a
 * member of the object, so log stores can filter on them. The message is never a format: a value
 * belongs in a field. A field list that does not pair up, or a value that is not a string, does
 * not compile. */
#ifndef NODEPATH_LOG_H
#define NODEPATH_LOG_H

#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* 0 or -EINVAL for an unknown level/format name. */
int log__set_level(const char *name);
int log__set_format(const char *name); /* "logfmt" or "json" */
int log__level(void);

/* The collector the calling thread is running: every line it logs then carries
 * collector=<name> (a "collector" key in JSON). The registry sets it around each collector's
 * init, collect and fini, so collectors never write their name into messages. NULL clears it.
 * Returns the previous value so that a nested setter can restore it. */
const char *log__set_collector(const char *name);

/* kv: the message, then n key/value string pairs. A field whose value is NULL is left out, so
 * an optional field needs no second call. */
void log__kv(enum log_level lvl, const char *const *kv, size_t n);

/* Writes one line for (msg, pairs) in the current format to f, without ts/level: the pure part,
 * for tests. */
void log__format_fields(FILE *f, const char *const *kv, size_t n);

#define LOG__ARR(...) ((const char *const[]){ __VA_ARGS__ })
#define LOG__N(...) ((sizeof(LOG__ARR(__VA_ARGS__)) / sizeof(const char *) - 1) / 2)
#define LOG__AT(lvl, ...)                                                                     \
	({                                                                                    \
		_Static_assert(sizeof(LOG__ARR(__VA_ARGS__)) / sizeof(const char *) % 2 == 1, \
			       "log fields come in key/value pairs");                         \
		log__kv(lvl, LOG__ARR(__VA_ARGS__), LOG__N(__VA_ARGS__));                     \
	})

#define log_debug(...) LOG__AT(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) LOG__AT(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) LOG__AT(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) LOG__AT(LOG_LVL_ERROR, __VA_ARGS__)

/* Field values from numbers; each formats into a buffer that lives as long as the log call. */
const char *log__fmt_ll(char *buf, size_t cap, long long v);
const char *log__fmt_ull(char *buf, size_t cap, unsigned long long v);
const char *log__fmt_dbl(char *buf, size_t cap, double v);
const char *log__fmt_err(int err);
#define LOG_INT(v) log__fmt_ll((char[24]){ 0 }, 24, (long long)(v))
#define LOG_UINT(v) log__fmt_ull((char[24]){ 0 }, 24, (unsigned long long)(v))
#define LOG_DBL(v) log__fmt_dbl((char[32]){ 0 }, 32, (double)(v))
/* strerror of an errno or a -errno. */
#define LOG_ERR(e) log__fmt_err(e)

#endif
