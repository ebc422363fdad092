// SPDX-License-Identifier: Apache-2.0
/* Command-line parsing in node_exporter's (kingpin's) manner. Flags live in the np_flags linker
 * section, declared by the file that uses them; collector switches come from the registry.
 * Also declares the process-wide --log.level and --log.format flags. */
#include "flags.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "collector.h"
#include "log.h"
#include "parse.h"

static const char *opt_log_level = "info";
NP_FLAG_STRING(
    "log.level", &opt_log_level,
    "Only log messages with the given severity or above. One of: [debug, info, warn, error]");
static const char *opt_log_format = "logfmt";
NP_FLAG_STRING("log.format", &opt_log_format,
	       "Output format of log messages. One of: [logfmt, json]");

/* Weak: a binary without any flag still links (the section then does not exist). */
extern const struct np_flag *const __start_np_flags[] __attribute__((weak));
extern const struct np_flag *const __stop_np_flags[] __attribute__((weak));

#define COLLECTOR_PREFIX "collector."
#define DISABLE_DEFAULTS "collector.disable-defaults"

static size_t flag_count(void)
{
	if (!__start_np_flags || !__stop_np_flags)
		return 0;
	return (size_t)(__stop_np_flags - __start_np_flags);
}

static const struct np_flag *flag_find(const char *name, size_t len)
{
	for (size_t i = 0; i < flag_count(); i++) {
		const struct np_flag *f = __start_np_flags[i];

		if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return f;
	}
	return NULL;
}

/* strconv.ParseBool's spellings, as kingpin accepts them. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal only: no sign, no blanks, no hex, no trailing garbage, no overflow. */
static int parse_uint(const char *s, unsigned long *out)
{
	uint64_t v;
	int err = parse__u64(s, &v);

	if (err)
		return err;
	if (v > ULONG_MAX)
		return -ERANGE;
	*out = (unsigned long)v;
	return 0;
}

/* Joined values of repeatable flags, which this file allocated: the previous join is freed
 * when a later use extends it, the last one lives until exit like argv itself. */
static char **g_joined;
static size_t g_njoined;

static int set_string(const struct np_flag *f, const char *val, bool seen)
{
	const char **p = f->ptr;
	char *joined, **grown;

	if (!f->repeatable || !seen) {
		*p = val;
		return 0;
	}
	if (asprintf(&joined, "%s,%s", *p, val) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < g_njoined; i++) {
		if (g_joined[i] == *p) {
			free(g_joined[i]);
			g_joined[i] = joined;
			*p = joined;
			return 0;
		}
	}
	grown = realloc(g_joined, (g_njoined + 1) * sizeof(*g_joined));
	if (!grown) {
		free(joined);
		return -ENOMEM;
	}
	g_joined = grown;
	g_joined[g_njoined++] = joined;
	*p = joined;
	return 0;
}

/* Applies value val (NULL: none given) to flag f. neg: the --no- form was used. */
static int apply(const struct np_flag *f, const char *val, bool neg, FILE *err)
{
	int ret;

	switch (f->kind) {
	case FLAG_BOOL: {
		bool b = true;

		if (val) {
			ret = parse_bool(val, &b);
			if (ret) {
				fprintf(err,
					"nodepath: error: invalid boolean value '%s' for flag --%s "
					"(want true or false)\n",
					val, f->name);
				return ret;
			}
		}
		*(bool *)f->ptr = neg ? !b : b;
		return 0;
	}
	case FLAG_UINT:
		ret = parse_uint(val, (unsigned long *)f->ptr);
		if (ret == -ERANGE) {
			fprintf(err,
				"nodepath: error: value '%s' for flag --%s is out of range "
				"(max %lu)\n",
				val, f->name, (unsigned long)ULONG_MAX);
			return -EINVAL;
		}
		if (ret) {
			fprintf(err,
				"nodepath: error: invalid value '%s' for flag --%s "
				"(want a non-negative decimal integer)\n",
				val, f->name);
			return -EINVAL;
		}
		return 0;
	case FLAG_STRING:
		return 0; /* set by the caller, which knows about repeats */
	}
	return -EINVAL;
}

static int collector_index(const struct collector *c)
{
	for (size_t i = 0; i < registry__count(); i++)
		if (registry__at(i) == c)
			return (int)i;
	return -1;
}

struct parse_state {
	bool disable_defaults;
	bool *explicit_set; /* per registry index: named by --[no-]collector.X */
	bool *seen;	    /* per flag index: given already */
};

static int flag_index(const struct np_flag *f)
{
	for (size_t i = 0; i < flag_count(); i++)
		if (__start_np_flags[i] == f)
			return (int)i;
	return -1;
}

/* --[no-]collector.<name>[=bool] and --collector.disable-defaults[=bool]. 1 if not such a flag. */
static int parse_collector_flag(struct parse_state *st, const char *name, size_t len,
				const char *val, bool neg, FILE *err)
{
	struct collector *c;
	char cname[128];
	bool on = true;
	int idx;

	if (len <= strlen(COLLECTOR_PREFIX) ||
	    strncmp(name, COLLECTOR_PREFIX, strlen(COLLECTOR_PREFIX)) != 0)
		return 1;
	if (val && parse_bool(val, &on)) {
		fprintf(err,
			"nodepath: error: invalid boolean value '%s' for flag --%.*s "
			"(want true or false)\n",
			val, (int)len, name);
		return -EINVAL;
	}
	if (neg)
		on = !on;
	if (len == strlen(DISABLE_DEFAULTS) && strncmp(name, DISABLE_DEFAULTS, len) == 0) {
		st->disable_defaults = on;
		return 0;
	}
	len -= strlen(COLLECTOR_PREFIX);
	name += strlen(COLLECTOR_PREFIX);
	if (len >= sizeof(cname))
		return 1;
	memcpy(cname, name, len);
	cname[len] = '\0';
	c = registry__find(cname);
	if (!c)
		return 1;
	idx = collector_index(c);
	st->explicit_set[idx] = true;
	return registry__set_enabled(cname, on);
}

static int parse_loop(struct parse_state *st, int argc, char **argv, FILE *out, FILE *err)
{
	/* --help and --version win wherever they are, before any value replaces a default the
	 * help text shows. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			flags__usage(out);
			return 1;
		}
		if (strcmp(argv[i], "--version") == 0) {
			build_info__print_version(out);
			return 1;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct np_flag *f;
		bool neg = false;
		size_t len;
		int ret, fi;

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			fprintf(err, "nodepath: error: unexpected argument '%s', try --help\n",
				arg);
			return -EINVAL;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			val = eq + 1;

		f = flag_find(name, len);
		if (!f && len > 3 && strncmp(name, "no-", 3) == 0) {
			const struct np_flag *nf = flag_find(name + 3, len - 3);

			/* Only booleans have a --no- form. */
			if (nf && nf->kind == FLAG_BOOL) {
				f = nf;
				neg = true;
				name += 3;
				len -= 3;
			}
		}
		if (!f) {
			bool cneg = len > 3 && strncmp(name, "no-", 3) == 0;

			ret = parse_collector_flag(st, cneg ? name + 3 : name, cneg ? len - 3 : len,
						   val, cneg, err);
			if (ret <= 0)
				goto next_or_fail;
			fprintf(err, "nodepath: error: unknown flag --%.*s, try --help\n", (int)len,
				name);
			return -EINVAL;
		}

		fi = flag_index(f);
		if (st->seen[fi] && !(f->kind == FLAG_STRING && f->repeatable)) {
			fprintf(err, "nodepath: error: flag --%s given more than once\n", f->name);
			return -EINVAL;
		}
		if (f->kind != FLAG_BOOL && !eq) {
			if (i + 1 >= argc) {
				fprintf(err, "nodepath: error: flag --%s needs a value\n", f->name);
				return -EINVAL;
			}
			val = argv[++i];
		}
		if (neg && eq) {
			fprintf(err, "nodepath: error: flag --no-%s takes no value\n", f->name);
			return -EINVAL;
		}
		if (f->kind == FLAG_STRING)
			ret = set_string(f, val, st->seen[fi]);
		else
			ret = apply(f, val, neg, err);
		st->seen[fi] = true;
next_or_fail:
		if (ret)
			return ret;
	}
	return 0;
}

int flags__parse(int argc, char **argv, FILE *out, FILE *err)
{
	struct parse_state st = { 0 };
	int ret = -ENOMEM;

	st.explicit_set = calloc(registry__count() + 1, sizeof(bool));
	st.seen = calloc(flag_count() + 1, sizeof(bool));
	if (!st.explicit_set || !st.seen) {
		fprintf(err, "nodepath: error: out of memory\n");
		goto cleanup;
	}
	ret = parse_loop(&st, argc, argv, out, err);
	if (ret)
		goto cleanup;

	/* Position-independent, as in node_exporter: collectors named explicitly keep their
	 * setting, every other one is switched off. */
	if (st.disable_defaults) {
		for (size_t i = 0; i < registry__count(); i++)
			if (!st.explicit_set[i])
				registry__at(i)->enabled = false;
	}
	if (log__set_level(opt_log_level)) {
		fprintf(err,
			"nodepath: error: invalid --log.level '%s' (want debug, info, warn or "
			"error)\n",
			opt_log_level);
		ret = -EINVAL;
		goto cleanup;
	}
	if (log__set_format(opt_log_format)) {
		fprintf(err, "nodepath: error: invalid --log.format '%s' (want logfmt or json)\n",
			opt_log_format);
		ret = -EINVAL;
	}
cleanup:
	free(st.explicit_set);
	free(st.seen);
	return ret;
}

static int cmp_flag(const void *a, const void *b)
{
	const struct np_flag *fa = *(const struct np_flag *const *)a;
	const struct np_flag *fb = *(const struct np_flag *const *)b;

	return strcmp(fa->name, fb->name);
}

static void print_default(FILE *out, const struct np_flag *f)
{
	switch (f->kind) {
	case FLAG_STRING: {
		const char *s = *(const char *const *)f->ptr;

		fprintf(out, " (default: \"%s\")", s ? s : "");
		break;
	}
	case FLAG_BOOL:
		fprintf(out, " (default: %s)", *(const bool *)f->ptr ? "true" : "false");
		break;
	case FLAG_UINT:
		fprintf(out, " (default: %lu)", *(const unsigned long *)f->ptr);
		break;
	}
}

void flags__usage(FILE *out)
{
	size_t n = flag_count();
	const struct np_flag **sorted = calloc(n + 1, sizeof(*sorted));

	fprintf(out,
		"usage: nodepath [<flags>]\n\n"
		"Node agent: node_exporter-compatible host metrics plus per-layer and per-pod\n"
		"eBPF packet counters, served on --web.listen-address.\n\nFlags:\n");
	fprintf(out, "  -h, --help\n      Show this help and exit.\n");
	fprintf(out, "  --version\n      Show the version and exit.\n");
	if (sorted) {
		memcpy(sorted, __start_np_flags, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_flag);
		for (size_t i = 0; i < n; i++) {
			const struct np_flag *f = sorted[i];

			fprintf(out, "  --%s%s%s\n      %s", f->kind == FLAG_BOOL ? "[no-]" : "",
				f->name,
				f->kind == FLAG_STRING ? "=<string>"
				: f->kind == FLAG_UINT ? "=<uint>"
						       : "",
				f->help ? f->help : "");
			print_default(out, f);
			fputc('\n', out);
		}
		free(sorted);
	}
	fprintf(out, "  --collector.disable-defaults\n"
		     "      Disable all collectors that are not explicitly enabled.\n");
	for (size_t i = 0; i < registry__count(); i++) {
		const struct collector *c = registry__at(i);

		fprintf(out,
			"  --[no-]collector.%s\n      Enable the %s collector (default: %s).\n",
			c->name, c->name, c->default_enabled ? "enabled" : "disabled");
	}
}
