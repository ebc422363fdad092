// SPDX-License-Identifier: Apache-2.0
/* Prometheus text format 0.0.4 writer: the only code in nodepath that formats exposition text.
 * Output must be byte-identical to what Prometheus' Go client (expfmt) writes for the same
 * families, so dashboards, recording rules and golden files compare equal with node_exporter. */
#include "expo.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define EXPO_MIN_CAP 4096

void expo__init(struct expo_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void expo__fini(struct expo_writer *w)
{
	free(w->buf);
	free((char *)w->fam);
	memset(w, 0, sizeof(*w));
}

/* Make room for n more bytes (plus a NUL so the buffer is always a C string). */
static bool reserve(struct expo_writer *w, size_t n)
{
	size_t need, cap;
	char *nb;

	if (w->err)
		return false;
	if (n > SIZE_MAX / 2 - w->len - 1) {
		w->err = -ENOMEM;
		return false;
	}
	need = w->len + n + 1;
	if (need <= w->cap)
		return true;
	cap = w->cap ? w->cap : EXPO_MIN_CAP;
	while (cap < need)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static inline void put(struct expo_writer *w, const char *s, size_t n)
{
	/* Room already there (every call after the first few scrapes' growth): no checks beyond
	 * this one. w->err implies nothing is written, and reserve() keeps cap at 0 then. */
	if (!(w->cap - w->len > n && !w->err) && !reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static inline void puts_(struct expo_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not valid.
 * Prometheus rejects label values and help text that are not UTF-8; device names and file
 * contents can hold any byte, so invalid bytes are replaced with U+FFFD instead. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool expo__valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		/* NUL-terminated, and a NUL is no continuation byte: 4 is a safe bound. */
		size_t k = *p < 0x80 ? 1 : utf8_seq(p, 4);

		if (!k)
			return false;
		p += k;
	}
	return true;
}

/* Escapes \ and newline (HELP) or \, " and newline (label values), as expfmt does. */
/* Bytes put_escaped must look at: the terminating NUL, \, newline, " and every non-ASCII byte. */
static const unsigned char esc_class[256] = {
	[0] = 1, ['\\'] = 1, ['\n'] = 1, ['"'] = 1, [0x80 ... 0xff] = 1,
};

static void put_escaped(struct expo_writer *w, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	for (;;) {
		const char *esc = NULL;
		size_t k;

		while (!esc_class[*p])
			p++;
		if (!*p)
			break;
		/* The string is NUL-terminated and a NUL is no continuation byte, so the decoder
		 * stops before reading past it: 4 is a safe bound. */
		k = utf8_seq(p, 4);
		if (k == 0)
			esc = "\xef\xbf\xbd";
		else if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (quote && *p == '"')
			esc = "\\\"";
		if (!esc) {
			p += k;
			continue;
		}
		put(w, (const char *)run, (size_t)(p - run));
		puts_(w, esc);
		p++;
		run = p;
	}
	put(w, (const char *)run, (size_t)(p - run));
}

/* Character classes of metric and label names: 1 letter or '_', 2 digit, 4 ':'. */
static const unsigned char name_class[256] = {
	['_'] = 1, [':'] = 4, ['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2,
	['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1,
	['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
	['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

static bool valid_name(const char *name, bool colon)
{
	const unsigned char *p = (const unsigned char *)name;
	unsigned char first = colon ? 1 | 4 : 1, rest = colon ? 1 | 2 | 4 : 1 | 2;

	if (!p || !(name_class[*p] & first))
		return false;
	for (p++; *p; p++)
		if (!(name_class[*p] & rest))
			return false;
	return true;
}

bool expo__valid_metric_name(const char *name)
{
	return valid_name(name, true);
}

/* Label names starting with "__" are reserved for Prometheus itself. */
bool expo__valid_label_name(const char *name)
{
	return valid_name(name, false) && strncmp(name, "__", 2) != 0;
}

/* A bad name is a bug in the calling collector: fail its output (the registry rolls it back)
 * rather than write text that makes Prometheus reject the whole scrape. */
static void fail_invalid(struct expo_writer *w, const char *what, const char *name)
{
	if (w->err)
		return;
	log_error("invalid name", "kind", what, "name", name ? name : "(null)");
	w->err = -EINVAL;
}

static const char *const type_names[] = {
	[EXPO_COUNTER] = "counter",	[EXPO_GAUGE] = "gauge",	    [EXPO_UNTYPED] = "untyped",
	[EXPO_HISTOGRAM] = "histogram", [EXPO_SUMMARY] = "summary",
};

void expo__family(struct expo_writer *w, const char *name, const char *help, enum expo_type type)
{
	char *copy;

	if (w->err)
		return;
	if (!expo__valid_metric_name(name)) {
		fail_invalid(w, "metric", name);
		return;
	}
	if ((unsigned)type > EXPO_SUMMARY) {
		fail_invalid(w, "type for metric", name);
		return;
	}
	/* Reuse the open family's copy when the new name fits (most do): no malloc per family. */
	if (w->fam && strlen(w->fam) >= strlen(name)) {
		strcpy((char *)w->fam, name);
	} else {
		copy = strdup(name);
		if (!copy) {
			w->err = -ENOMEM;
			return;
		}
		free((char *)w->fam);
		w->fam = copy;
	}
	if (help) {
		puts_(w, "# HELP ");
		puts_(w, name);
		puts_(w, " ");
		put_escaped(w, help, false);
		puts_(w, "\n");
	}
	puts_(w, "# TYPE ");
	puts_(w, name);
	puts_(w, " ");
	puts_(w, type_names[type]);
	puts_(w, "\n");
}

/* A sample must belong to the open family: same name, or the family name plus a suffix
 * (_total, _bucket, _sum, _count of legacy/untyped families). */
static bool in_family(const struct expo_writer *w, const char *name)
{
	size_t n;

	if (!w->fam)
		return true;
	n = strlen(w->fam);
	return strncmp(name, w->fam, n) == 0 && (name[n] == '\0' || name[n] == '_');
}

void expo__sample(struct expo_writer *w, const char *name, const struct expo_label *labels,
		  size_t n, double value)
{
	char num[32];
	int len;

	if (w->err)
		return;
	/* A sample named exactly as the open family needs no second name check. */
	if (!(w->fam && strcmp(name, w->fam) == 0) &&
	    (!expo__valid_metric_name(name) || !in_family(w, name))) {
		fail_invalid(w, "sample", name);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!expo__valid_label_name(labels[i].name)) {
			fail_invalid(w, "label", labels[i].name);
			return;
		}
	}
	puts_(w, name);
	if (n) {
		puts_(w, "{");
		for (size_t i = 0; i < n; i++) {
			if (i)
				puts_(w, ",");
			puts_(w, labels[i].name);
			puts_(w, "=\"");
			put_escaped(w, labels[i].value ? labels[i].value : "", true);
			puts_(w, "\"");
		}
		puts_(w, "}");
	}
	len = expo__format_value(num, sizeof(num), value);
	puts_(w, " ");
	put(w, num, (size_t)len);
	puts_(w, "\n");
}

#define EXPO_HIST_LABELS_MAX 8

void expo__histogram(struct expo_writer *w, const char *name, const struct expo_label *labels,
		     size_t n, const double *bounds, const uint64_t *cumulative, size_t n_bounds,
		     double sum, uint64_t count)
{
	struct expo_label lb[EXPO_HIST_LABELS_MAX + 1];
	char metric[256], le[32];
	size_t len = strlen(name);

	if (w->err)
		return;
	if (n > EXPO_HIST_LABELS_MAX || len + sizeof("_bucket") > sizeof(metric)) {
		fail_invalid(w, "histogram", name);
		return;
	}
	if (n)
		memcpy(lb, labels, n * sizeof(*lb)); /* labels may be NULL when n is 0 */
	lb[n].name = "le";
	lb[n].value = le;
	memcpy(metric, name, len);
	memcpy(metric + len, "_bucket", sizeof("_bucket"));
	for (size_t i = 0; i < n_bounds; i++) {
		expo__format_value(le, sizeof(le), bounds[i]);
		expo__sample(w, metric, lb, n + 1, (double)cumulative[i]);
	}
	memcpy(le, "+Inf", sizeof("+Inf"));
	expo__sample(w, metric, lb, n + 1, (double)count);
	memcpy(metric + len, "_sum", sizeof("_sum"));
	expo__sample(w, metric, labels, n, sum);
	memcpy(metric + len, "_count", sizeof("_count"));
	expo__sample(w, metric, labels, n, (double)count);
}

void expo__append(struct expo_writer *w, const struct expo_writer *src)
{
	if (src->err) {
		if (!w->err)
			w->err = src->err;
		return;
	}
	if (src->len)
		put(w, src->buf, src->len);
}

void expo__each_family(const struct expo_writer *w,
		       void (*fn)(void *ctx, const char *name, size_t len, enum expo_type type),
		       void *ctx)
{
	static const char tag[] = "# TYPE ";
	const char *p = w->buf, *end;

	if (!p)
		return; /* nothing written yet */
	end = p + w->len;

	/* Help text and label values have their newlines escaped, so every line that starts
	 * with the tag is a TYPE line this writer wrote. */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;

		if ((size_t)(line_end - p) > sizeof(tag) - 1 && !memcmp(p, tag, sizeof(tag) - 1)) {
			const char *name = p + sizeof(tag) - 1;
			const char *sp = memchr(name, ' ', (size_t)(line_end - name));

			if (sp) {
				size_t tl = (size_t)(line_end - sp - 1);

				for (int t = EXPO_COUNTER; t <= EXPO_SUMMARY; t++)
					if (strlen(type_names[t]) == tl &&
					    !memcmp(sp + 1, type_names[t], tl))
						fn(ctx, name, (size_t)(sp - name),
						   (enum expo_type)t);
			}
		}
		p = eol ? eol + 1 : end;
	}
}

size_t expo__mark(const struct expo_writer *w)
{
	return w->len;
}

void expo__rollback(struct expo_writer *w, size_t mark)
{
	if (mark > w->len)
		return;
	w->len = mark;
	if (w->buf)
		w->buf[w->len] = '\0';
	/* The open family may have been rolled away; stop checking samples against it. */
	free((char *)w->fam);
	w->fam = NULL;
}

/* Splits printf's "%e" text (d.ddde+XX) into digits and the decimal point position dp
 * (value = 0.digits * 10^dp). Returns the digit count. */
static int split_e(const char *txt, char *dig, int *dp)
{
	const char *e = strchr(txt, 'e');
	int nd = 0;

	for (const char *p = txt; p < e; p++)
		if (*p != '.')
			dig[nd++] = *p;
	*dp = atoi(e + 1) + 1;
	return nd;
}

/* Adds one unit in the last place of dig[0..nd) (in magnitude); a carry out of the first digit
 * gives "1000..." one decade up, still nd digits. */
static void bump_last(char *dig, int nd, int *dp)
{
	int i = nd - 1;

	while (i >= 0 && dig[i] == '9')
		dig[i--] = '0';
	if (i >= 0) {
		dig[i]++;
		return;
	}
	dig[0] = '1';
	(*dp)++;
}

static bool reads_back(const char *dig, int nd, int dp, double v)
{
	char txt[48];

	snprintf(txt, sizeof(txt), "%c.%.*se%d", dig[0], nd - 1, dig + 1, dp - 1);
	return strtod(txt, NULL) == v;
}

/* Shortest decimal digits that read back as v (finite, > 0), as Go's strconv (Ryu) picks them.
 * Exact, with cheap paths for the common cases:
 *  - an integer below 2^53 reads back only from its own digits (any shorter decimal is at least
 *    1 away, an ulp is at most 1), so they are the answer;
 *  - if some p <= 15 digits read back as v, v lies within half an ulp (<= 1.2e-16 |v|) of that
 *    p-digit number, and the 15-digit grid is coarser (half step >= 5e-16 |v|), so rounding v
 *    to 15 digits lands on it: one printf, one strtod;
 *  - otherwise (or for a subnormal) digit counts are tried upwards, up to 17. glibc printf rounds exactly, so the nearest 16-digit number is
 *    tried, and at a power of two, where numbers reading back as v reach twice as far above v
 *    as below, the next 16-digit number up as well; 17 digits always read back. */
static int shortest_digits(double v, char *dig, int *dp)
{
	char txt[40];
	int nd = 0;

	if (v < 9007199254740992.0 && v == (double)(unsigned long long)v) {
		unsigned long long u = (unsigned long long)v;
		int i = (int)sizeof(txt);

		do {
			txt[--i] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		nd = (int)sizeof(txt) - i;
		memcpy(dig, txt + i, (size_t)nd);
		*dp = nd;
		goto strip;
	}
	/* A value that is the double nearest to m / 10^k for an integer m < 10^15 (cpu seconds
	 * from ticks, durations from nanoseconds, pressure from microseconds): for the smallest
	 * such k, m's digits are the answer. m / 10^k is one correctly rounded division, so it is
	 * what strtod gives for "m e-k": the digits read back. Any decimal with fewer places that
	 * reads back is within half an ulp of v, and scaled by 10^j (< 10^15) within 0.25 of an
	 * integer, which rounding finds at that smaller j: k is the fewest places. Fewer places
	 * means fewer digits, and with m < 10^15 decimals at 10^-k are more than 4 ulps apart, so
	 * m is the only candidate with k places. */
	if (v >= DBL_MIN && v < 1e15) {
		static const double p10[] = { 1e0,  1e1,  1e2,	1e3,  1e4,  1e5,  1e6,	1e7,
					      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
					      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

		for (int k = 1; k <= 22; k++) {
			double sc = v * p10[k], m;

			if (sc >= 1e15)
				break;
			m = (double)(unsigned long long)(sc + 0.5); /* sc < 2^50: exact */
			if (m >= 1 && m / p10[k] == v) {
				unsigned long long u = (unsigned long long)m;
				int i = (int)sizeof(txt);

				do {
					txt[--i] = (char)('0' + u % 10);
					u /= 10;
				} while (u);
				nd = (int)sizeof(txt) - i;
				memcpy(dig, txt + i, (size_t)nd);
				*dp = nd - k;
				goto strip;
			}
		}
	}
	/* Subnormals have a relatively huge ulp: the 15-digit shortcut does not hold, walk up. */
	for (int prec = v >= DBL_MIN ? 14 : 0; prec <= 16; prec++) {
		snprintf(txt, sizeof(txt), "%.*e", prec, v);
		nd = split_e(txt, dig, dp);
		if (reads_back(dig, nd, *dp, v) || prec == 16)
			break;
		if (prec == 14 && v >= DBL_MIN)
			continue;
		bump_last(dig, nd, dp);
		if (reads_back(dig, nd, *dp, v))
			break;
	}
strip:
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	return nd;
}

int expo__format_value(char *buf, size_t cap, double v)
{
	char dig[24], out[40];
	int nd, dp, exp, o = 0;

	/* expfmt writes these literally (and -0 as 0, since -0 == 0). */
	if (v == 0 && cap >= 2) {
		/* the most common value of all: no printf */
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	if (isnan(v))
		return snprintf(buf, cap, "NaN");
	if (isinf(v))
		return snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return snprintf(buf, cap, "0");
	if (v < 0) {
		out[o++] = '-';
		v = -v;
	}
	nd = shortest_digits(v, dig, &dp);
	exp = dp - 1;
	/* strconv.FormatFloat(v, 'g', -1, 64): exponent form if exp < -4 || exp >= 6 (the
	 * "shortest" mode fixes eprec at 6); the exponent has at least two digits. */
	if (exp < -4 || exp >= 6) {
		out[o++] = dig[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, dig + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		int e = exp < 0 ? -exp : exp;

		out[o++] = 'e';
		out[o++] = exp < 0 ? '-' : '+';
		if (e >= 100)
			out[o++] = (char)('0' + e / 100);
		out[o++] = (char)('0' + e / 10 % 10);
		out[o++] = (char)('0' + e % 10);
	} else if (dp <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = dp; i < 0; i++)
			out[o++] = '0';
		memcpy(out + o, dig, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i < dp; i++)
			out[o++] = i < nd ? dig[i] : '0';
		if (nd > dp) {
			out[o++] = '.';
			memcpy(out + o, dig + dp, (size_t)(nd - dp));
			o += nd - dp;
		}
	}
	out[o] = '\0';
	if ((size_t)o >= cap)
		return snprintf(buf, cap, "%s", out);
	memcpy(buf, out, (size_t)o + 1);
	return o;
}
