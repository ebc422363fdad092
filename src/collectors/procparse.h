// SPDX-License-Identifier: Apache-2.0
/* Parsing helpers shared by the /proc collectors: in-place line and field splitting (numbers:
 * parse.h), a small "key -> value" table, and the single-sample emit used by most
 * collectors. Everything works on a caller-owned, NUL-terminated, writable buffer. */
#ifndef NODEPATH_PROCPARSE_H
#define NODEPATH_PROCPARSE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"

struct pattern;

/* Upper bound for whole-file reads of small /proc files (stat on a 4096-CPU box is ~1 MB). */
#define PP_MAX_FILE (4u << 20)

/* Returns the next line of *cur (newline replaced by NUL) and advances *cur; NULL at the end.
 * A final line without a newline is returned; an empty buffer yields no line. */
char *pp_next_line(char **cur);

/* Splits line in place on blanks (space, tab, newline). Returns the number of fields written to f;
 * -E2BIG if the line has more than max fields (f then holds the first max). */
int pp_split(char *line, char **f, int max);

/* Ordered key -> value table; put() of an existing key replaces its value (the reference
 * exporter keeps file data in Go maps, so the last occurrence wins). */
#define PP_KEY_MAX 128
struct pp_kv {
	char key[PP_KEY_MAX];
	double value;
};

struct pp_kvtab {
	struct pp_kv *v;
	size_t n;
	size_t cap;
	uint32_t *slot; /* open-addressing index into v (+1; 0 = empty): netstat has ~300 keys */
	size_t nslot;
};

/* -ENAMETOOLONG if the key does not fit, -ENOMEM. */
int pp_kvtab_put(struct pp_kvtab *t, const char *key, double value);
const struct pp_kv *pp_kvtab_get(const struct pp_kvtab *t, const char *key);
void pp_kvtab_free(struct pp_kvtab *t);

/* Field filters (--collector.netstat.fields, ...) test the same few hundred kernel field names
 * every scrape; the answers are remembered (bounded) so the pattern runs once per name. */
struct pp_match_cache {
	pthread_mutex_t lock;
	struct pp_kvtab seen; /* key -> 1 (match) / 0 */
};
#define PP_MATCH_CACHE_INIT                \
	{                                  \
		PTHREAD_MUTEX_INITIALIZER, \
		{                          \
			0                  \
		}                          \
	}

/* The filter's answer for the name on line idx of a file whose names come in the same order on
 * every read (/proc/vmstat, /proc/net/snmp6): a strcmp with the name seen there last time
 * instead of a locked hash lookup. The caller serialises use of one memo. */
struct pp_line_memo {
	char **name;
	unsigned char *want;
	size_t n;
};
bool pp_line_memo_match(struct pp_line_memo *m, size_t idx, const char *name,
			struct pp_match_cache *c, const struct pattern *re);
void pp_line_memo_clear(struct pp_line_memo *m);
bool pp_match(struct pp_match_cache *c, const struct pattern *re, const char *key);
void pp_match_cache_clear(struct pp_match_cache *c);

/* Files holding one number (entropy_avail, nf_conntrack_count, ...). */
int pp_parse_single_u64(char *buf, uint64_t *v);
/* Bounded read of <root>/<rel> (4 KiB), then pp_parse_single_u64. 0 or -errno. */
int pp_read_single_u64(const char *root, const char *rel, uint64_t *v);

/* One family with one unlabelled sample. */
void pp_emit(struct expo_writer *w, const char *name, const char *help, enum expo_type type,
	     double value);

#endif
