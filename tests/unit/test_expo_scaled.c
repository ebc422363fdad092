// SPDX-License-Identifier: Apache-2.0
/* expo__format_value's scaled-decimal fast path (values that are m / 10^k: cpu seconds from
 * ticks, durations from nanoseconds) gives Go's strconv 'g' -1 strings, and the same digits as
 * the general search over many such values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

Test(expo_scaled, go_strings)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 3.1234e-05, "3.1234e-05" },
		{ 0.000123456, "0.000123456" },
		{ 1e-9, "1e-09" },
		{ 12345.67, "12345.67" },
		{ 2.5e-7, "2.5e-07" },
		{ 0.001, "0.001" },
		{ 0.000587213, "0.000587213" },
		{ 99999.99, "99999.99" },
		{ 123456.7, "123456.7" },
		{ 1234567.89, "1.23456789e+06" },
		{ 0.3, "0.3" },
		{ 0.1 + 0.2, "0.30000000000000004" },
	};
	char buf[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expo__format_value(buf, sizeof(buf), cases[i].v);
		cr_expect_str_eq(buf, cases[i].want, "#%zu", i);
	}
}

/* Every nanosecond duration below 10 s and every tick count / 100: the digits are those of the
 * integer, trailing zeros dropped. */
Test(expo_scaled, nanoseconds_and_ticks)
{
	unsigned long long x = 88172645463325252ULL;

	for (int i = 0; i < 200000; i++) {
		unsigned long long n;
		double v, back;
		char buf[40];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = i % 2 ? x % 10000000000ULL : x % 100000000000ULL;
		if (!n)
			continue;
		v = i % 2 ? (double)n / 1e9 : (double)n / 100.0;
		expo__format_value(buf, sizeof(buf), v);
		back = strtod(buf, NULL);
		cr_assert(back == v, "%s does not read back as %.17g", buf, v);
		{
			char want[32], got[32];
			int k = 0;

			snprintf(want, sizeof(want), "%llu", n);
			for (size_t j = strlen(want); j > 1 && want[j - 1] == '0'; j--)
				want[j - 1] = '\0';
			for (const char *p = buf; *p && *p != 'e'; p++)
				if (*p >= '0' && *p <= '9' && !(k == 0 && *p == '0'))
					got[k++] = *p;
			while (k > 1 && got[k - 1] == '0')
				k--;
			got[k] = '\0';
			cr_assert_str_eq(got, want, "%.17g formatted %s", v, buf);
		}
	}
}
