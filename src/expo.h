// SPDX-License-Identifier: Apache-2.0
/* The one Prometheus text-format (0.0.4) writer. Everything that emits metrics goes through it:
 * HELP/TYPE lines, label escaping and number formatting live here and nowhere else. */
#ifndef NODEPATH_EXPO_H
#define NODEPATH_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum expo_type { EXPO_COUNTER, EXPO_GAUGE, EXPO_UNTYPED, EXPO_HISTOGRAM, EXPO_SUMMARY };

struct expo_label {
	const char *name;
	const char *value; /* escaped by the writer; NULL is written as "" */
};

/* A growable output buffer. Zero-initialise or call expo__init; free with expo__fini.
 * An allocation failure sets err and makes later calls no-ops, so callers check once at the end. */
struct expo_writer {
	char *buf;
	size_t len;
	size_t cap;
	int err;	 /* 0, -ENOMEM, or -EINVAL for an invalid name (a caller bug, logged) */
	const char *fam; /* name of the family currently open (for sample name checks) */
	/* For a writer whose text is appended after another's (a collector that relays text
	 * other programs wrote): the output it will follow and the names written between the
	 * two. Families named in either are the agent's own and must not be written again. */
	const struct expo_writer *preceding;
	const char *const *reserved; /* NULL-terminated, or NULL */
};

void expo__init(struct expo_writer *w);
void expo__fini(struct expo_writer *w);

/* Start a family: writes "# HELP name help" and "# TYPE name type". help is escaped. */
void expo__family(struct expo_writer *w, const char *name, const char *help, enum expo_type type);

/* One sample line: name{l1="v1",...} value. n may be 0 (labels may be NULL). */
void expo__sample(struct expo_writer *w, const char *name, const struct expo_label *labels,
		  size_t n, double value);

/* One histogram series of the open EXPO_HISTOGRAM family: name_bucket{labels...,le} for each
 * upper bound (cumulative counts, ascending bounds) and +Inf, then name_sum and name_count.
 * labels must leave room for nothing: le is appended by the writer. */
void expo__histogram(struct expo_writer *w, const char *name, const struct expo_label *labels,
		     size_t n, const double *bounds, const uint64_t *cumulative, size_t n_bounds,
		     double sum, uint64_t count);

/* Appends src's text to w (src->err becomes w's error). */
void expo__append(struct expo_writer *w, const struct expo_writer *src);

/* Calls fn for each family w has written (its "# TYPE" lines), in order, with the name (not
 * NUL-terminated: len bytes) and type. */
void expo__each_family(const struct expo_writer *w,
		       void (*fn)(void *ctx, const char *name, size_t len, enum expo_type type),
		       void *ctx);

/* Mark/rollback: a collector that fails half-way leaves no partial output behind. */
size_t expo__mark(const struct expo_writer *w);
void expo__rollback(struct expo_writer *w, size_t mark);

/* Format a value as Prometheus' Go client does (strconv 'g', shortest round-trip, +Inf, -Inf,
 * NaN). Returns the length written; buf must hold at least 32 bytes. */
int expo__format_value(char *buf, size_t cap, double v);

/* True if name is a valid metric name / label name. */
bool expo__valid_metric_name(const char *name);
bool expo__valid_label_name(const char *name);
/* True if s is valid UTF-8 (what Prometheus requires of help text and label values). */
bool expo__valid_utf8(const char *s);

#endif
