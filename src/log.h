// SPDX-License-Identifier: Apache-2.0
/* Structured logging (logfmt or JSON) to stderr, with a level threshold from --log.level. */
#ifndef NODEPATH_LOG_H
#define NODEPATH_LOG_H

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

/* msg is a printf format; the formatted text becomes the msg field. */
void log__write(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log__write(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log__write(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log__write(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log__write(LOG_LVL_ERROR, __VA_ARGS__)

#endif
