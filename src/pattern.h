// SPDX-License-Identifier: Apache-2.0
/* Regular expressions given on the command line, in the RE2 syntax node_exporter's filter flags
 * take ((?i), lazy quantifiers, \d, \s, (?:...), \pL, ...), compiled with PCRE2. */
#ifndef NODEPATH_PATTERN_H
#define NODEPATH_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct pattern;

enum pattern_anchor {
	PATTERN_SEARCH, /* matches anywhere in the subject, as Go's MatchString */
	PATTERN_FULL,	/* must match the whole subject, as Go's "^(?:" + re + ")$" */
};

/* Compiles re for flag (its name without "--", used in the error). On a syntax error logs the
 * flag, the pattern and PCRE2's message with the offset, and returns -EINVAL; -ENOMEM. If err is
 * not NULL the message also goes there (errcap bytes). */
int pattern__compile(const char *flag, const char *re, enum pattern_anchor anchor,
		     struct pattern **out, char *err, size_t errcap);
/* True if s matches. Thread-safe. A subject that is not valid UTF-8 matches as in Go, where each
 * invalid byte reads as U+FFFD. */
bool pattern__match(const struct pattern *p, const char *s);
void pattern__free(struct pattern *p);

#endif
