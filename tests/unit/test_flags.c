// SPDX-License-Identifier: Apache-2.0
/* Flag parsing: every accepted form, every rejected one with its message, collector switches,
 * --help/--version, and --web.listen-address splitting. Criterion runs each test in its own
 * process, so the globals the flags write start from their defaults every time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "http.h"
#include "log.h"

static const char *t_str = "dflt";
NP_FLAG_STRING("zz.test.str", &t_str, "A test string.");
static bool t_bool = false;
NP_FLAG_BOOL("zz.test.bool", &t_bool, "A test bool.");
static bool t_bool_on = true;
NP_FLAG_BOOL("zz.test.bool-on", &t_bool_on, "A test bool, default on.");
static unsigned long t_uint = 7;
NP_FLAG_UINT("zz.test.uint", &t_uint, "A test uint.");

/* NP_FLAG_* has no repeatable form yet: declare one by hand as a future user would. */
static const char *t_rep = "";
static const struct np_flag t_rep_flag = {
	.name = "zz.test.rep",
	.kind = FLAG_STRING,
	.ptr = &t_rep,
	.help = "Repeatable.",
	.repeatable = true,
};
static const struct np_flag *const t_rep_ptr __attribute__((used, section("np_flags"))) =
    &t_rep_flag;

/* Two collectors, one on and one off by default; they are never initialised or scraped here. */
static int nop_collect(struct expo_writer *w)
{
	return 0;
}

static struct collector zz_flag_on = { .name = "zz_flag_on",
				       .default_enabled = true,
				       .collect = nop_collect };
NP_COLLECTOR(zz_flag_on);
static struct collector zz_flag_off = { .name = "zz_flag_off",
					.default_enabled = false,
					.collect = nop_collect };
NP_COLLECTOR(zz_flag_off);

static char *out_buf, *err_buf;
static size_t out_len, err_len;
static FILE *out, *err;

static void setup(void)
{
	out = open_memstream(&out_buf, &out_len);
	err = open_memstream(&err_buf, &err_len);
	registry__reset();
}

static void teardown(void)
{
	fclose(out);
	fclose(err);
	free(out_buf);
	free(err_buf);
}

TestSuite(flags, .init = setup, .fini = teardown);

/* Fresh, empty output and error streams between two parses in one test. */
static void reset_io(void)
{
	teardown();
	out = open_memstream(&out_buf, &out_len);
	err = open_memstream(&err_buf, &err_len);
}

/* Parses a NULL-terminated argument list (argv[0] added). */
#define PARSE(...)                                                                              \
	({                                                                                      \
		char *argv_[] = { "nodepath", __VA_ARGS__, NULL };                              \
		int rc_ =                                                                       \
		    flags__parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, out, err); \
		fflush(out);                                                                    \
		fflush(err);                                                                    \
		rc_;                                                                            \
	})

Test(flags, no_arguments_keeps_defaults)
{
	char *argv[] = { "nodepath", NULL };

	cr_assert_eq(flags__parse(1, argv, out, err), 0);
	cr_assert_str_eq(t_str, "dflt");
	cr_assert_eq(t_uint, 7);
	cr_assert_not(t_bool);
	cr_assert(t_bool_on);
	cr_assert(zz_flag_on.enabled);
	cr_assert_not(zz_flag_off.enabled);
}

Test(flags, string_forms)
{
	cr_assert_eq(PARSE("--zz.test.str=a=b"), 0);
	cr_assert_str_eq(t_str, "a=b");
	cr_assert_eq(PARSE("--zz.test.str", "--looks-like-a-flag"), 0);
	cr_assert_str_eq(t_str, "--looks-like-a-flag");
	cr_assert_eq(PARSE("--zz.test.str="), 0);
	cr_assert_str_eq(t_str, "");
}

Test(flags, string_needs_a_value)
{
	cr_assert_eq(PARSE("--zz.test.str"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: flag --zz.test.str needs a value\n");
}

Test(flags, bool_forms)
{
	cr_assert_eq(PARSE("--zz.test.bool"), 0);
	cr_assert(t_bool);
	cr_assert_eq(PARSE("--no-zz.test.bool-on"), 0);
	cr_assert_not(t_bool_on);
}

Test(flags, bool_values)
{
	static const char *const yes[] = { "true", "True", "TRUE", "t", "1" };
	static const char *const no[] = { "false", "False", "FALSE", "f", "0" };
	char arg[64];

	for (size_t i = 0; i < 5; i++) {
		snprintf(arg, sizeof(arg), "--zz.test.bool=%s", yes[i]);
		t_bool = false;
		cr_assert_eq(PARSE(arg), 0, "%s", arg);
		cr_assert(t_bool, "%s", arg);
		snprintf(arg, sizeof(arg), "--zz.test.bool-on=%s", no[i]);
		t_bool_on = true;
		cr_assert_eq(PARSE(arg), 0, "%s", arg);
		cr_assert_not(t_bool_on, "%s", arg);
	}
}

Test(flags, bool_bad_value)
{
	cr_assert_eq(PARSE("--zz.test.bool=yes"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: invalid boolean value 'yes' for flag "
				  "--zz.test.bool (want true or false)\n");
}

Test(flags, bool_takes_no_separate_value)
{
	/* As in kingpin: "--flag false" is the flag plus a stray argument. */
	cr_assert_eq(PARSE("--zz.test.bool", "false"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: unexpected argument 'false', try --help\n");
}

Test(flags, negated_bool_takes_no_value)
{
	cr_assert_eq(PARSE("--no-zz.test.bool=true"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: flag --no-zz.test.bool takes no value\n");
}

Test(flags, no_prefix_only_for_bools)
{
	cr_assert_eq(PARSE("--no-zz.test.str"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: unknown flag --no-zz.test.str, try --help\n");
}

Test(flags, uint_values)
{
	cr_assert_eq(PARSE("--zz.test.uint=0"), 0);
	cr_assert_eq(t_uint, 0);
	cr_assert_eq(PARSE("--zz.test.uint", "40"), 0);
	cr_assert_eq(t_uint, 40);
	cr_assert_eq(PARSE("--zz.test.uint=18446744073709551615"), 0);
	cr_assert_eq(t_uint, 18446744073709551615UL);
	cr_assert_eq(PARSE("--zz.test.uint=007"), 0);
	cr_assert_eq(t_uint, 7);
}

Test(flags, uint_overflow)
{
	t_uint = 7;
	cr_assert_eq(PARSE("--zz.test.uint=18446744073709551616"), -EINVAL);
	cr_assert_eq(t_uint, 7);
	cr_assert_str_eq(err_buf, "nodepath: error: value '18446744073709551616' for flag "
				  "--zz.test.uint is out of range (max 18446744073709551615)\n");
}

Test(flags, uint_garbage)
{
	static const char *const bad[] = { "-1", "+1",	 " 1",	"1 ",  "1x",
					   "",	 "0x10", "1.5", "1e3", "\xff" };
	char arg[64], want[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(arg, sizeof(arg), "--zz.test.uint=%s", bad[i]);
		reset_io();
		t_uint = 7;
		cr_assert_eq(PARSE(arg), -EINVAL, "%s", arg);
		cr_assert_eq(t_uint, 7, "%s", arg);
		snprintf(want, sizeof(want),
			 "nodepath: error: invalid value '%s' for flag --zz.test.uint (want a "
			 "non-negative decimal integer)\n",
			 bad[i]);
		cr_assert_eq(strncmp(err_buf, want, strlen(want)), 0, "%s: %s", arg, err_buf);
	}
}

Test(flags, uint_needs_a_value)
{
	cr_assert_eq(PARSE("--zz.test.uint"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: flag --zz.test.uint needs a value\n");
}

Test(flags, unknown_flag)
{
	cr_assert_eq(PARSE("--web.listen-adress=:1"), -EINVAL);
	cr_assert_str_eq(err_buf,
			 "nodepath: error: unknown flag --web.listen-adress, try --help\n");
}

Test(flags, positional_and_short_arguments)
{
	cr_assert_eq(PARSE("metrics"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: unexpected argument 'metrics', try --help\n");
	reset_io();
	cr_assert_eq(PARSE("--"), -EINVAL);
	reset_io();
	cr_assert_eq(PARSE("-x"), -EINVAL);
}

Test(flags, repeated_flag)
{
	cr_assert_eq(PARSE("--zz.test.uint=1", "--zz.test.uint=2"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: flag --zz.test.uint given more than once\n");
}

Test(flags, repeatable_flag_appends)
{
	cr_assert_eq(PARSE("--zz.test.rep=a", "--zz.test.rep", "b", "--zz.test.rep=c"), 0);
	cr_assert_str_eq(t_rep, "a,b,c");
}

Test(flags, help_lists_sorted_flags_with_defaults)
{
	char *a, *b, *c;

	cr_assert_eq(PARSE("--zz.test.uint=1", "--help"), 1);
	a = strstr(out_buf, "  --[no-]zz.test.bool\n      A test bool. (default: false)\n");
	b = strstr(out_buf, "  --zz.test.str=<string>\n      A test string. (default: \"dflt\")\n");
	c = strstr(out_buf, "  --zz.test.uint=<uint>\n      A test uint. (default: 7)\n");
	cr_assert(a && b && c, "%s", out_buf);
	cr_assert(a < b && b < c);
	cr_assert(strstr(out_buf, "  --web.listen-address=<string>\n"));
	cr_assert(strstr(out_buf, "  --log.level=<string>\n"));
	cr_assert(strstr(out_buf, "  --collector.disable-defaults\n"));
	cr_assert(strstr(out_buf, "  --[no-]collector.zz_flag_on\n      Enable the zz_flag_on "
				  "collector (default: enabled).\n"));
	cr_assert(strstr(out_buf, "  --[no-]collector.zz_flag_off\n      Enable the zz_flag_off "
				  "collector (default: disabled).\n"));
	cr_assert_eq(err_len, 0);
}

Test(flags, short_help_and_version)
{
	cr_assert_eq(PARSE("-h"), 1);
	cr_assert(strstr(out_buf, "usage: nodepath"));
	reset_io();
	cr_assert_eq(PARSE("--version"), 1);
	cr_assert(strncmp(out_buf, "nodepath, version " NODEPATH_VERSION " (branch: ",
			  strlen("nodepath, version " NODEPATH_VERSION " (branch: ")) == 0);
}

Test(flags, collector_enable_disable)
{
	cr_assert_eq(PARSE("--collector.zz_flag_off", "--no-collector.zz_flag_on"), 0);
	cr_assert(zz_flag_off.enabled);
	cr_assert_not(zz_flag_on.enabled);
}

Test(flags, collector_bool_values)
{
	cr_assert_eq(PARSE("--collector.zz_flag_off=true", "--collector.zz_flag_on=false"), 0);
	cr_assert(zz_flag_off.enabled);
	cr_assert_not(zz_flag_on.enabled);
	reset_io();
	cr_assert_eq(PARSE("--collector.zz_flag_on=maybe"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: invalid boolean value 'maybe' for flag "
				  "--collector.zz_flag_on (want true or false)\n");
}

Test(flags, unknown_collector)
{
	cr_assert_eq(PARSE("--collector.nope"), -EINVAL);
	cr_assert_str_eq(err_buf, "nodepath: error: unknown flag --collector.nope, try --help\n");
	reset_io();
	cr_assert_eq(PARSE("--no-collector.nope"), -EINVAL);
	cr_assert_str_eq(err_buf,
			 "nodepath: error: unknown flag --no-collector.nope, try --help\n");
	reset_io();
	cr_assert_eq(PARSE("--collector."), -EINVAL);
}

Test(flags, disable_defaults_alone_disables_everything)
{
	cr_assert_eq(PARSE("--collector.disable-defaults"), 0);
	for (size_t i = 0; i < registry__count(); i++)
		cr_assert_not(registry__at(i)->enabled, "%s", registry__at(i)->name);
}

Test(flags, disable_defaults_keeps_explicit_choices_in_any_order)
{
	cr_assert_eq(PARSE("--collector.zz_flag_off", "--collector.disable-defaults"), 0);
	for (size_t i = 0; i < registry__count(); i++) {
		struct collector *c = registry__at(i);

		cr_assert_eq(c->enabled, c == &zz_flag_off, "%s", c->name);
	}
	registry__reset();
	cr_assert_eq(PARSE("--collector.disable-defaults", "--collector.zz_flag_on"), 0);
	cr_assert(zz_flag_on.enabled);
	cr_assert_not(zz_flag_off.enabled);
}

Test(flags, disable_defaults_can_be_negated)
{
	cr_assert_eq(PARSE("--collector.disable-defaults=false"), 0);
	cr_assert(zz_flag_on.enabled);
	cr_assert_eq(PARSE("--no-collector.disable-defaults"), 0);
	cr_assert(zz_flag_on.enabled);
}

Test(flags, log_flags_are_applied)
{
	cr_assert_eq(PARSE("--log.level=debug", "--log.format=json"), 0);
	cr_assert_eq(log__level(), LOG_LVL_DEBUG);
}

Test(flags, log_flags_are_checked)
{
	cr_assert_eq(PARSE("--log.level=verbose"), -EINVAL);
	cr_assert_str_eq(err_buf,
			 "nodepath: error: invalid --log.level 'verbose' (want debug, info, "
			 "warn or error)\n");
	reset_io();
	cr_assert_eq(PARSE("--log.level=info", "--log.format=xml"), -EINVAL);
	cr_assert_str_eq(err_buf,
			 "nodepath: error: invalid --log.format 'xml' (want logfmt or json)\n");
}

Test(flags, web_flags_exist)
{
	cr_assert_eq(PARSE("--web.listen-address=127.0.0.1:0", "--web.telemetry-path=/m",
			   "--web.max-requests=0"),
		     0);
}

struct addr_case {
	const char *in;
	int rc;
	const char *host, *port;
};

Test(flags, listen_address_forms)
{
	static const struct addr_case cases[] = {
		{ ":9100", 0, "", "9100" },
		{ "127.0.0.1:9100", 0, "127.0.0.1", "9100" },
		{ "localhost:80", 0, "localhost", "80" },
		{ "[::1]:9100", 0, "::1", "9100" },
		{ "[::]:0", 0, "::", "0" },
		{ ":65535", 0, "", "65535" },
		{ ":00080", 0, "", "80" },
		{ ":65536", -EINVAL, NULL, NULL },
		{ ":", -EINVAL, NULL, NULL },
		{ "9100", -EINVAL, NULL, NULL },
		{ "::1:9100", -EINVAL, NULL, NULL },
		{ "[::1]9100", -EINVAL, NULL, NULL },
		{ "[::1]", -EINVAL, NULL, NULL },
		{ "[]:9100", -EINVAL, NULL, NULL },
		{ ":-1", -EINVAL, NULL, NULL },
		{ ":91x", -EINVAL, NULL, NULL },
		{ ":123456", -EINVAL, NULL, NULL },
		{ "", -EINVAL, NULL, NULL },
	};
	char host[64], port[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc =
		    http__parse_listen_address(cases[i].in, host, sizeof(host), port, sizeof(port));

		cr_assert_eq(rc, cases[i].rc, "'%s': rc %d", cases[i].in, rc);
		if (rc)
			continue;
		cr_assert_str_eq(host, cases[i].host, "'%s'", cases[i].in);
		cr_assert_str_eq(port, cases[i].port, "'%s'", cases[i].in);
	}
	cr_assert_eq(http__parse_listen_address(NULL, host, sizeof(host), port, sizeof(port)),
		     -EINVAL);
	cr_assert_eq(
	    http__parse_listen_address("averyveryverylonghostname:1", host, 8, port, sizeof(port)),
	    -EINVAL);
}
