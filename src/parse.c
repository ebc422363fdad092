// SPDX-License-Identifier: Apache-2.0
/* Strict number parsing (see parse.h). Hand-written digit loops: strtoull would accept leading
 * blanks, a sign and a 0x prefix that no kernel file prints. */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digits of s in base (8, 10 or 16) up to the NUL; at least one. */
static int digits(const char *s, unsigned int base, uint64_t *v)
{
	uint64_t x = 0;
	bool overflow = false;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if (x > (UINT64_MAX - (unsigned int)d) / base)
			overflow = true; /* keep scanning: a stray character is still -EINVAL */
		else
			x = x * base + (unsigned int)d;
	}
	if (overflow)
		return -ERANGE;
	*v = x;
	return 0;
}

static int apply_sign(bool neg, uint64_t x, int64_t *v)
{
	if (neg) {
		if (x > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*v = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
	} else {
		if (x > (uint64_t)INT64_MAX)
			return -ERANGE;
		*v = (int64_t)x;
	}
	return 0;
}

int parse__u64(const char *s, uint64_t *v)
{
	if (!s)
		return -EINVAL;
	return digits(s, 10, v);
}

int parse__hex_u64(const char *s, uint64_t *v)
{
	if (!s)
		return -EINVAL;
	return digits(s, 16, v);
}

int parse__i64(const char *s, int64_t *v)
{
	bool neg;
	uint64_t x;
	int err;

	if (!s)
		return -EINVAL;
	neg = *s == '-';
	err = digits(s + neg, 10, &x);
	if (err)
		return err;
	return apply_sign(neg, x, v);
}

int parse__i64_auto(const char *s, int64_t *v)
{
	unsigned int base = 10;
	bool neg;
	uint64_t x;
	int err;

	if (!s)
		return -EINVAL;
	neg = *s == '-';
	s += neg;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	err = digits(s, base, &x);
	if (err)
		return err;
	return apply_sign(neg, x, v);
}

static bool is_float_start(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == 'i' || c == 'I';
}

int parse__double(const char *s, double *v)
{
	const char *p;
	char *end;
	double x;

	if (!s)
		return -EINVAL;
	p = s + (*s == '-' || *s == '+');
	/* strtod also takes leading blanks, hex floats and NaN: none is a number here. */
	if (!is_float_start(*p) || (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
		return -EINVAL;
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	if (errno == ERANGE && isinf(x))
		return -ERANGE;
	if (isnan(x))
		return -EINVAL;
	*v = x;
	return 0;
}

size_t parse__utf8_seq(const unsigned char *s)
{
	unsigned int cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}
