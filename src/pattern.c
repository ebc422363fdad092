// SPDX-License-Identifier: Apache-2.0
/* Filter patterns: RE2 syntax as node_exporter users write it, on PCRE2 (a superset of RE2's
 * syntax for everything RE2 accepts, with the options below making the semantics agree). */
#include "pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

struct pattern {
	pcre2_code *code;
};

/* RE2 without (?m): '$' is the end of the text, not also before a final newline; patterns and
 * subjects are UTF-8, as in RE2. */
#define PATTERN_OPTIONS (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C)

int pattern__compile(const char *flag, const char *re, enum pattern_anchor anchor,
		     struct pattern **out, char *err, size_t errcap)
{
	uint32_t opts = PATTERN_OPTIONS;
	struct pattern *p = NULL;
	PCRE2_SIZE off = 0;
	int ecode = 0, ret = 0;
	char msg[256];

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Options, not a "^(?:...)$" wrapper: a pattern such as "a)|(b" or "\Qa)" would escape a
	 * textual wrapper. */
	if (anchor == PATTERN_FULL)
		opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	p->code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &ecode, &off, NULL);
	if (!p->code) {
		pcre2_get_error_message(ecode, (PCRE2_UCHAR *)msg, sizeof(msg));
		log_error("invalid regular expression", "flag", flag, "pattern", re, "err", msg,
			  "offset", LOG_UINT(off));
		if (err)
			snprintf(err, errcap, "invalid --%s: %s at offset %zu", flag, msg,
				 (size_t)off);
		ret = -EINVAL;
		goto cleanup;
	}
	*out = p;
	p = NULL;
cleanup:
	pattern__free(p);
	return ret;
}

/* Go's regexp reads each byte that is not valid UTF-8 as U+FFFD, which '.' and negated classes
 * match; PCRE2 would refuse the subject. So such a subject is matched as Go sees it. NULL if it
 * is valid already (or on ENOMEM, when the original is matched as is). */
static char *go_view(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	bool valid = true;
	char *v;

	for (size_t i = 0; i < len && valid;) {
		size_t n = parse__utf8_seq(u + i);

		valid = n != 0;
		i += n;
	}
	if (valid)
		return NULL;
	v = malloc(len * 3 + 1);
	if (!v)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = parse__utf8_seq(u + i);

		if (n == 0) {
			memcpy(v + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(v + o, s + i, n);
			o += n;
			i += n;
		}
	}
	v[o] = '\0';
	return v;
}

bool pattern__match(const struct pattern *p, const char *s)
{
	char *view = go_view(s);
	pcre2_match_data *md;
	int rc = -1;

	/* Match data per call: it cannot be shared between the threads of concurrent scrapes, and
	 * callers that match the same names often cache the answers. */
	md = pcre2_match_data_create(1, NULL);
	if (md)
		rc = pcre2_match(p->code, (PCRE2_SPTR)(view ? view : s), PCRE2_ZERO_TERMINATED, 0,
				 0, md, NULL);
	pcre2_match_data_free(md);
	free(view);
	return rc >= 0;
}

void pattern__free(struct pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	free(p);
}
