// SPDX-License-Identifier: Apache-2.0
/* The strict number parser on valid, boundary and hostile tokens. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "parse.h"

Test(parse, u64)
{
	uint64_t v = 7;

	cr_assert_eq(parse__u64("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse__u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(parse__u64("000123", &v), 0);
	cr_assert_eq(v, 123);
	v = 7;
	cr_assert_eq(parse__u64("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(parse__u64("99999999999999999999999999", &v), -ERANGE);
	/* overflow followed by garbage is malformed first */
	cr_assert_eq(parse__u64("99999999999999999999999999x", &v), -EINVAL);
	cr_assert_eq(parse__u64("", &v), -EINVAL);
	cr_assert_eq(parse__u64(NULL, &v), -EINVAL);
	cr_assert_eq(parse__u64("-1", &v), -EINVAL);
	cr_assert_eq(parse__u64("+1", &v), -EINVAL);
	cr_assert_eq(parse__u64(" 1", &v), -EINVAL);
	cr_assert_eq(parse__u64("1 ", &v), -EINVAL);
	cr_assert_eq(parse__u64("1\n", &v), -EINVAL);
	cr_assert_eq(parse__u64("12abc", &v), -EINVAL);
	cr_assert_eq(parse__u64("0x10", &v), -EINVAL);
	cr_assert_eq(parse__u64("1.0", &v), -EINVAL);
	cr_assert_eq(parse__u64("1e3", &v), -EINVAL);
	cr_assert_eq(v, 7, "failed parses leave *v alone");
}

Test(parse, i64)
{
	int64_t v = 7;

	cr_assert_eq(parse__i64("-9223372036854775808", &v), 0);
	cr_assert_eq(v, INT64_MIN);
	cr_assert_eq(parse__i64("9223372036854775807", &v), 0);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(parse__i64("-0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse__i64("-42", &v), 0);
	cr_assert_eq(v, -42);
	v = 7;
	cr_assert_eq(parse__i64("9223372036854775808", &v), -ERANGE);
	cr_assert_eq(parse__i64("-9223372036854775809", &v), -ERANGE);
	cr_assert_eq(parse__i64("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(parse__i64("-", &v), -EINVAL);
	cr_assert_eq(parse__i64("--1", &v), -EINVAL);
	cr_assert_eq(parse__i64("- 1", &v), -EINVAL);
	cr_assert_eq(parse__i64("+1", &v), -EINVAL);
	cr_assert_eq(parse__i64("\t1", &v), -EINVAL);
	cr_assert_eq(parse__i64("1-", &v), -EINVAL);
	cr_assert_eq(parse__i64("", &v), -EINVAL);
	cr_assert_eq(parse__i64(NULL, &v), -EINVAL);
	cr_assert_eq(v, 7);
}

Test(parse, hex_u64)
{
	uint64_t v = 7;

	cr_assert_eq(parse__hex_u64("0000000A", &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_eq(parse__hex_u64("ffffffffffffffff", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(parse__hex_u64("dEaDbEeF", &v), 0);
	cr_assert_eq(v, 0xdeadbeefULL);
	v = 7;
	cr_assert_eq(parse__hex_u64("10000000000000000", &v), -ERANGE);
	cr_assert_eq(parse__hex_u64("0x10", &v), -EINVAL);
	cr_assert_eq(parse__hex_u64("g", &v), -EINVAL);
	cr_assert_eq(parse__hex_u64("-1", &v), -EINVAL);
	cr_assert_eq(parse__hex_u64(" a", &v), -EINVAL);
	cr_assert_eq(parse__hex_u64("a:", &v), -EINVAL);
	cr_assert_eq(parse__hex_u64("", &v), -EINVAL);
	cr_assert_eq(v, 7);
}

Test(parse, i64_auto)
{
	int64_t v = 7;

	cr_assert_eq(parse__i64_auto("0x1003", &v), 0);
	cr_assert_eq(v, 0x1003);
	cr_assert_eq(parse__i64_auto("0X1F", &v), 0);
	cr_assert_eq(v, 31);
	cr_assert_eq(parse__i64_auto("010", &v), 0);
	cr_assert_eq(v, 8);
	cr_assert_eq(parse__i64_auto("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse__i64_auto("1500", &v), 0);
	cr_assert_eq(v, 1500);
	cr_assert_eq(parse__i64_auto("-1", &v), 0);
	cr_assert_eq(v, -1);
	v = 7;
	cr_assert_eq(parse__i64_auto("0x", &v), -EINVAL);
	cr_assert_eq(parse__i64_auto("08", &v), -EINVAL);
	cr_assert_eq(parse__i64_auto("0x8000000000000000", &v), -ERANGE);
	cr_assert_eq(parse__i64_auto("12abc", &v), -EINVAL);
	cr_assert_eq(parse__i64_auto(" 1", &v), -EINVAL);
	cr_assert_eq(parse__i64_auto("+1", &v), -EINVAL);
	cr_assert_eq(parse__i64_auto("", &v), -EINVAL);
	cr_assert_eq(v, 7);
}

Test(parse, double)
{
	double v = 7;

	cr_assert_eq(parse__double("0.25", &v), 0);
	cr_assert_eq(v, 0.25);
	cr_assert_eq(parse__double("-1.5e3", &v), 0);
	cr_assert_eq(v, -1500.0);
	cr_assert_eq(parse__double(".5", &v), 0);
	cr_assert_eq(v, 0.5);
	cr_assert_eq(parse__double("18446744073709551615", &v), 0);
	cr_assert_eq(v, 18446744073709551615.0);
	cr_assert_eq(parse__double("+Inf", &v), 0);
	cr_assert(isinf(v) && v > 0);
	cr_assert_eq(parse__double("-infinity", &v), 0);
	cr_assert(isinf(v) && v < 0);
	cr_assert_eq(parse__double("1e-400", &v), 0, "underflow rounds to zero as in Go");
	cr_assert_eq(v, 0.0);
	v = 7;
	cr_assert_eq(parse__double("1e400", &v), -ERANGE);
	cr_assert_eq(parse__double("-1e400", &v), -ERANGE);
	cr_assert_eq(parse__double("NaN", &v), -EINVAL);
	cr_assert_eq(parse__double("nan", &v), -EINVAL);
	cr_assert_eq(parse__double("-nan", &v), -EINVAL);
	cr_assert_eq(parse__double("0x1p3", &v), -EINVAL);
	cr_assert_eq(parse__double("-0x10", &v), -EINVAL);
	cr_assert_eq(parse__double(" 1", &v), -EINVAL);
	cr_assert_eq(parse__double("1 ", &v), -EINVAL);
	cr_assert_eq(parse__double("1e", &v), -EINVAL);
	cr_assert_eq(parse__double(".", &v), -EINVAL);
	cr_assert_eq(parse__double("-", &v), -EINVAL);
	cr_assert_eq(parse__double("info", &v), -EINVAL);
	cr_assert_eq(parse__double("1,5", &v), -EINVAL);
	cr_assert_eq(parse__double("", &v), -EINVAL);
	cr_assert_eq(parse__double(NULL, &v), -EINVAL);
	cr_assert_eq(v, 7);
}
