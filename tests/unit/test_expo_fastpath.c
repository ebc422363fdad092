// SPDX-License-Identifier: Apache-2.0
/* expo__format_value's fast paths (integers, <= 15-digit normals) must give exactly what the
 * general shortest-digits search gives: the shortest digit string that reads back, Go-style. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

/* Significant digits of a formatted value ("-1.2345e+06" -> "12345"), and its decimal exponent. */
static int digits_of(const char *s, char *dig, int *exp10)
{
	int nd = 0, before = 0, seen_point = 0, lead = 1;
	const char *p = s;

	if (*p == '-')
		p++;
	for (; *p && *p != 'e'; p++) {
		if (*p == '.') {
			seen_point = 1;
			continue;
		}
		if (lead && *p == '0') {
			if (seen_point)
				before--;
			continue;
		}
		lead = 0;
		dig[nd++] = *p;
		if (!seen_point)
			before++;
	}
	*exp10 = before + (*p == 'e' ? atoi(p + 1) : 0);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	return nd;
}

static bool reads_back(const char *dig, int nd, int dp, double v)
{
	char txt[64];

	snprintf(txt, sizeof(txt), "%c.%.*se%d", dig[0], nd - 1, dig + 1, dp - 1);
	return strtod(txt, NULL) == v;
}

/* No string with one digit less reads back as v (nearest candidate and the one above). */
static void assert_shortest(double v)
{
	char buf[40], dig[32], txt[48], cand[32];
	int exp10, nd, cdp;

	expo__format_value(buf, sizeof(buf), v);
	cr_assert_eq(strtod(buf, NULL), v, "%s does not read back as %.17g", buf, v);
	nd = digits_of(buf, dig, &exp10);
	if (nd <= 1)
		return;
	snprintf(txt, sizeof(txt), "%.*e", nd - 2, fabs(v));
	{
		char *e = strchr(txt, 'e');
		int k = 0;

		for (char *p = txt; p < e; p++)
			if (*p != '.')
				cand[k++] = *p;
		cdp = atoi(e + 1) + 1;
		cr_assert(!reads_back(cand, k, cdp, fabs(v)), "%s: %.*s reads back too", buf, k,
			  cand);
		for (int i = k - 1; i >= 0; i--) {
			if (cand[i] != '9') {
				cand[i]++;
				break;
			}
			cand[i] = '0';
			if (i == 0) {
				cand[0] = '1';
				cdp++;
			}
		}
		cr_assert(!reads_back(cand, k, cdp, fabs(v)), "%s: %.*s (up) reads back too", buf,
			  k, cand);
	}
}

Test(expo_fastpath, go_strings)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 1298694, "1.298694e+06" },
		{ 25276502016.0, "2.5276502016e+10" },
		{ 0.65, "0.65" },
		{ 787.44, "787.44" },
		{ 26.544745, "26.544745" },
		{ 1795676932, "1.795676932e+09" },
		{ 4367, "4367" },
		{ 498600, "498600" },
		{ 100000, "100000" },
		{ 1e6, "1e+06" },
		{ 9223372036854775807.0, "9.223372036854776e+18" },
		{ 18446744073709551615.0, "1.8446744073709552e+19" },
		{ 9007199254740993.0, "9.007199254740992e+15" },
		{ 0.1, "0.1" },
		{ 0.0001, "0.0001" },
		{ 0.00001, "1e-05" },
		{ 2045936.778163039, "2.045936778163039e+06" },
		{ 5e-324, "5e-324" },
		{ DBL_MIN, "2.2250738585072014e-308" },
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ -4.5, "-4.5" },
	};
	char buf[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expo__format_value(buf, sizeof(buf), cases[i].v);
		cr_expect_str_eq(buf, cases[i].want, "#%zu", i);
	}
}

Test(expo_fastpath, shortest_over_many_values)
{
	unsigned long long x = 88172645463325252ULL;

	for (int i = 0; i < 100000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (i % 6) {
		case 0:
			v = (double)(x % 100000000000ULL);
			break;
		case 1:
			v = (double)(x % 100000) / 100.0;
			break;
		case 2:
			memcpy(&v, &x, sizeof(v));
			break;
		case 3:
			v = (double)(x % 1000000007ULL) / 1e9;
			break;
		case 4:
			v = ldexp(1.0,
				  (int)(x % 2000) - 1000); /* powers of two: asymmetric intervals */
			break;
		default:
			v = (double)(x >> 11) * 0x1p-53 * 1e6;
			break;
		}
		if (!isfinite(v) || v == 0)
			continue;
		assert_shortest(v);
	}
}
