// SPDX-License-Identifier: Apache-2.0
/* Exposition writer: exact text for families, samples, escaping, number formatting, rollback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

static struct expo_writer w;

static void setup(void)
{
	expo__init(&w);
}

static void teardown(void)
{
	expo__fini(&w);
}

TestSuite(expo, .init = setup, .fini = teardown);

static const char *text(void)
{
	return w.buf ? w.buf : "";
}

Test(expo, family_and_samples_exact)
{
	struct expo_label l[] = { { "cpu", "0" }, { "mode", "idle" } };

	expo__family(&w, "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
		     EXPO_COUNTER);
	expo__sample(&w, "node_cpu_seconds_total", l, 2, 12345.67);
	expo__family(&w, "node_load1", "1m load average.", EXPO_GAUGE);
	expo__sample(&w, "node_load1", NULL, 0, 0.5);
	expo__family(&w, "x_untyped", NULL, EXPO_UNTYPED);
	expo__sample(&w, "x_untyped", NULL, 0, 3);
	cr_assert_eq(w.err, 0);
	cr_assert_str_eq(text(),
			 "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
			 "# TYPE node_cpu_seconds_total counter\n"
			 "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12345.67\n"
			 "# HELP node_load1 1m load average.\n"
			 "# TYPE node_load1 gauge\n"
			 "node_load1 0.5\n"
			 "# TYPE x_untyped untyped\n"
			 "x_untyped 3\n");
	cr_assert_eq(w.len, strlen(text()));
}

Test(expo, order_is_the_callers)
{
	expo__family(&w, "b_metric", "b", EXPO_GAUGE);
	expo__sample(&w, "b_metric", NULL, 0, 2);
	expo__family(&w, "a_metric", "a", EXPO_GAUGE);
	expo__sample(&w, "a_metric", (struct expo_label[]){ { "z", "1" } }, 1, 1);
	expo__sample(&w, "a_metric", (struct expo_label[]){ { "a", "1" } }, 1, 1);
	cr_assert_str_eq(text(), "# HELP b_metric b\n# TYPE b_metric gauge\nb_metric 2\n"
				 "# HELP a_metric a\n# TYPE a_metric gauge\n"
				 "a_metric{z=\"1\"} 1\na_metric{a=\"1\"} 1\n");
}

Test(expo, help_escaping)
{
	/* HELP escapes backslash and newline only; quotes stay as they are. */
	expo__family(&w, "m", "back\\slash \"quoted\"\nnext line", EXPO_GAUGE);
	cr_assert_str_eq(text(), "# HELP m back\\\\slash \"quoted\"\\nnext line\n# TYPE m gauge\n");
}

Test(expo, label_value_escaping)
{
	struct expo_label l[] = {
		{ "a", "x\"y\\z\nw" }, { "b", NULL }, { "c", "" }, { "d", "tab\there" }
	};

	expo__family(&w, "m", "h", EXPO_GAUGE);
	expo__sample(&w, "m", l, 4, 1);
	cr_assert_str_eq(text(), "# HELP m h\n# TYPE m gauge\n"
				 "m{a=\"x\\\"y\\\\z\\nw\",b=\"\",c=\"\",d=\"tab\there\"} 1\n");
}

Test(expo, invalid_utf8_is_replaced)
{
	/* Valid multi-byte text passes through; a stray byte, an overlong form and a surrogate
	 * become U+FFFD so Prometheus does not reject the scrape. */
	struct expo_label l[] = { { "a", "h\xc3\xa9llo\xff-\xc0\xaf-\xed\xa0\x80" } };

	expo__family(&w, "m", "caf\xc3\xa9 \xfe", EXPO_GAUGE);
	expo__sample(&w, "m", l, 1, 1);
	cr_assert_str_eq(text(), "# HELP m caf\xc3\xa9 \xef\xbf\xbd\n# TYPE m gauge\n"
				 "m{a=\"h\xc3\xa9llo\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd-"
				 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 1\n");
}

struct num_case {
	double v;
	const char *want;
};

/* Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) gives (expfmt's writeFloat),
 * e.g. node_exporter's real "node_memory_MemTotal_bytes 2.4964497408e+10". */
static const struct num_case num_cases[] = {
	{ 0, "0" },
	{ -0.0, "0" },
	{ 1, "1" },
	{ -1, "-1" },
	{ 2, "2" },
	{ 10, "10" },
	{ 100, "100" },
	{ 123456, "123456" },
	{ 999999, "999999" },
	{ 1e6, "1e+06" },
	{ 1234567, "1.234567e+06" },
	{ 9999999, "9.999999e+06" },
	{ 24964497408.0, "2.4964497408e+10" },
	{ 1700000000, "1.7e+09" },
	{ 1732602000.123, "1.732602000123e+09" },
	{ 9007199254740992.0, "9.007199254740992e+15" },
	{ 18446744073709551615.0, "1.8446744073709552e+19" },
	{ 1e21, "1e+21" },
	{ 1e100, "1e+100" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ 0.1, "0.1" },
	{ 0.5, "0.5" },
	{ 12.5, "12.5" },
	{ 0.3, "0.3" },
	{ 1.0 / 3.0, "0.3333333333333333" },
	{ 2.0 / 3.0, "0.6666666666666666" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ 0.0001, "0.0001" },
	{ 0.00012345, "0.00012345" },
	{ 0.00001, "1e-05" },
	{ 0.000012345, "1.2345e-05" },
	{ 1e-9, "1e-09" },
	{ 5e-324, "5e-324" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	{ -0.000123, "-0.000123" },
	{ -1234567.5, "-1.2345675e+06" },
	{ -42, "-42" },
	{ 4294967296.0, "4.294967296e+09" },
	{ 0x1p-1022, "2.2250738585072014e-308" },
	{ 0x1p+60, "1.152921504606847e+18" },
	{ 9.5367431640625e-07, "9.5367431640625e-07" }, /* 2^-20, exact */
	/* Subnormals: shortest digits need the slow walk. */
	{ 4.0474e-320, "4.0474e-320" },
	{ 2e-323, "2e-323" },
	{ 1e-310, "1e-310" },
	/* Integers past 2^53 leave the integer fast path. */
	{ 1e17, "1e+17" },
	{ 123456789012345680.0, "1.2345678901234568e+17" },
	{ 9007199254740993.0, "9.007199254740992e+15" }, /* rounds to 2^53 */
	{ 9007199254740991.0, "9.007199254740991e+15" }, /* 2^53 - 1 */
};

Test(expo, number_formatting_table)
{
	char buf[32];

	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		int n = expo__format_value(buf, sizeof(buf), num_cases[i].v);

		cr_expect_str_eq(buf, num_cases[i].want, "value #%zu: got %s want %s", i, buf,
				 num_cases[i].want);
		cr_expect_eq(n, (int)strlen(num_cases[i].want));
	}
}

Test(expo, special_values)
{
	char buf[32];

	expo__format_value(buf, sizeof(buf), INFINITY);
	cr_assert_str_eq(buf, "+Inf");
	expo__format_value(buf, sizeof(buf), -INFINITY);
	cr_assert_str_eq(buf, "-Inf");
	expo__format_value(buf, sizeof(buf), NAN);
	cr_assert_str_eq(buf, "NaN");
	expo__format_value(buf, sizeof(buf), -NAN);
	cr_assert_str_eq(buf, "NaN");
}

/* Every output reads back as the same double, over a spread of magnitudes and bit patterns. */
Test(expo, formatting_round_trips)
{
	char buf[32];
	unsigned long long x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 20000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		expo__format_value(buf, sizeof(buf), v);
		cr_assert_eq(strtod(buf, NULL), v, "%s does not read back as %.17g", buf, v);
	}
}

Test(expo, rollback_removes_partial_output)
{
	size_t mark;

	expo__family(&w, "keep", "k", EXPO_GAUGE);
	expo__sample(&w, "keep", NULL, 0, 1);
	mark = expo__mark(&w);
	expo__family(&w, "gone", "g", EXPO_COUNTER);
	expo__sample(&w, "gone", NULL, 0, 7);
	expo__rollback(&w, mark);
	cr_assert_str_eq(text(), "# HELP keep k\n# TYPE keep gauge\nkeep 1\n");
	cr_assert_eq(w.len, mark);
	/* A sample for the rolled-back family is not checked against it any more... */
	expo__family(&w, "after", "a", EXPO_GAUGE);
	expo__sample(&w, "after", NULL, 0, 2);
	cr_assert_eq(w.err, 0);
	cr_assert_str_eq(text(), "# HELP keep k\n# TYPE keep gauge\nkeep 1\n"
				 "# HELP after a\n# TYPE after gauge\nafter 2\n");
	/* ...and a mark past the end is ignored. */
	expo__rollback(&w, w.len + 100);
	cr_assert_eq(w.len, strlen(text()));
}

Test(expo, rollback_to_start)
{
	expo__family(&w, "m", "h", EXPO_GAUGE);
	expo__rollback(&w, 0);
	cr_assert_eq(w.len, 0);
	cr_assert_str_eq(text(), "");
}

Test(expo, invalid_names_fail_the_writer)
{
	struct expo_label bad_label[] = { { "__reserved", "x" } };

	expo__family(&w, "ok_name", "h", EXPO_GAUGE);
	expo__sample(&w, "ok_name", bad_label, 1, 1);
	cr_assert_eq(w.err, -EINVAL);
	/* Sticky: nothing more is written once the writer failed. */
	expo__sample(&w, "ok_name", NULL, 0, 1);
	cr_assert_str_eq(text(), "# HELP ok_name h\n# TYPE ok_name gauge\n");
}

Test(expo, invalid_family_name)
{
	expo__family(&w, "bad-name", "h", EXPO_GAUGE);
	cr_assert_eq(w.err, -EINVAL);
	cr_assert_eq(w.len, 0);
}

Test(expo, sample_outside_its_family)
{
	expo__family(&w, "fam_a", "h", EXPO_COUNTER);
	expo__sample(&w, "fam_a", NULL, 0, 1);
	expo__sample(&w, "fam_a_total", NULL, 0, 1); /* suffix of the family: allowed */
	cr_assert_eq(w.err, 0);
	expo__sample(&w, "fam_b", NULL, 0, 1);
	cr_assert_eq(w.err, -EINVAL);
	expo__fini(&w);
	expo__init(&w);
	expo__family(&w, "fam", "h", EXPO_COUNTER);
	expo__sample(&w, "family", NULL, 0, 1); /* a prefix alone is not enough */
	cr_assert_eq(w.err, -EINVAL);
}

Test(expo, name_validation)
{
	cr_assert(expo__valid_metric_name("node_cpu_seconds_total"));
	cr_assert(expo__valid_metric_name("a:b_c"));
	cr_assert(expo__valid_metric_name("_x9"));
	cr_assert(expo__valid_metric_name(":x"));
	cr_assert_not(expo__valid_metric_name(""));
	cr_assert_not(expo__valid_metric_name(NULL));
	cr_assert_not(expo__valid_metric_name("9x"));
	cr_assert_not(expo__valid_metric_name("a-b"));
	cr_assert_not(expo__valid_metric_name("a b"));
	cr_assert_not(expo__valid_metric_name("a\xc3\xa9"));

	cr_assert(expo__valid_label_name("device"));
	cr_assert(expo__valid_label_name("_x"));
	cr_assert(expo__valid_label_name("a9"));
	cr_assert_not(expo__valid_label_name("a:b"));
	cr_assert_not(expo__valid_label_name("__name__"));
	cr_assert_not(expo__valid_label_name("9a"));
	cr_assert_not(expo__valid_label_name(""));
	cr_assert_not(expo__valid_label_name(NULL));
}

Test(expo, grows_large)
{
	char name[32], val[32];

	expo__family(&w, "big", "h", EXPO_GAUGE);
	for (int i = 0; i < 100000; i++) {
		struct expo_label l = { "i", name };

		snprintf(name, sizeof(name), "%d", i);
		expo__sample(&w, "big", &l, 1, i);
	}
	cr_assert_eq(w.err, 0);
	cr_assert_eq(w.len, strlen(text()));
	snprintf(val, sizeof(val), "big{i=\"99999\"} 99999\n");
	cr_assert_str_eq(text() + w.len - strlen(val), val);
}

Test(expo, zero_initialised_writer_works)
{
	struct expo_writer z = { 0 };

	expo__family(&z, "m", "h", EXPO_GAUGE);
	cr_assert_str_eq(z.buf, "# HELP m h\n# TYPE m gauge\n");
	expo__fini(&z);
	cr_assert_null(z.buf);
}

Test(expo, histogram_exact)
{
	static const double bounds[] = { 0.001, 0.1, 1 };
	static const uint64_t cum[] = { 1, 3, 3 };
	struct expo_label l = { "layer", "pod" };

	expo__family(&w, "x_latency_seconds", "Latency.", EXPO_HISTOGRAM);
	expo__histogram(&w, "x_latency_seconds", &l, 1, bounds, cum, 3, 0.25, 4);
	cr_assert_eq(w.err, 0);
	cr_assert_str_eq(text(), "# HELP x_latency_seconds Latency.\n"
				 "# TYPE x_latency_seconds histogram\n"
				 "x_latency_seconds_bucket{layer=\"pod\",le=\"0.001\"} 1\n"
				 "x_latency_seconds_bucket{layer=\"pod\",le=\"0.1\"} 3\n"
				 "x_latency_seconds_bucket{layer=\"pod\",le=\"1\"} 3\n"
				 "x_latency_seconds_bucket{layer=\"pod\",le=\"+Inf\"} 4\n"
				 "x_latency_seconds_sum{layer=\"pod\"} 0.25\n"
				 "x_latency_seconds_count{layer=\"pod\"} 4\n");
}
