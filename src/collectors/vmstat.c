// SPDX-License-Identifier: Apache-2.0
/* vmstat collector: node_vmstat_<field> (untyped) for /proc/vmstat fields matching
 * --collector.vmstat.fields (node_exporter 1.5's default regexp). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "vmstat.h"
#include "pattern.h"
#include "procparse.h"
#include "sysutil.h"

static const char *opt_fields = "^(oom_kill|pgpg|pswp|pg.*fault).*";
NP_FLAG_STRING("collector.vmstat.fields", &opt_fields,
	       "Regexp of fields to return for vmstat collector.");

static struct pattern *re_fields;
static bool have_re;
static struct pp_match_cache match_cache = PP_MATCH_CACHE_INIT;
static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pp_line_memo memo; /* filter answers by line, under memo_mu */

/* Digit scan for plain integers (all of /proc/vmstat; up to 19 digits cannot overflow a
 * double), the full check for anything else. */
static int check_value(const char *s)
{
	const char *d = s + (*s == '-'), *p = d;
	double v;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p > d && !*p && p - d <= 19)
		return 0;
	return parse__double(s, &v);
}

/* keep(name): store the field; NULL keeps all. Fields not kept are only checked, so a malformed
 * line fails the parse either way, as node_exporter's full parse does. */
static int parse(char *buf, struct pp_kvtab *t, bool (*keep)(const char *, size_t))
{
	char *cur = buf, *line;
	size_t lines = 0;
	int err = 0;

	memset(t, 0, sizeof(*t));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[3];
		double v;
		int n = pp_split(line, f, 3);

		if (n == 0)
			continue;
		if (n != 2) {
			err = -EINVAL;
			break;
		}
		lines++;
		if (keep && !keep(f[0], lines - 1)) {
			if (check_value(f[1])) {
				err = -EINVAL;
				break;
			}
			continue;
		}
		if (parse__double(f[1], &v)) {
			err = -EINVAL;
			break;
		}
		err = pp_kvtab_put(t, f[0], v);
		if (err)
			break;
	}
	if (!err && lines == 0)
		err = -EINVAL;
	if (err)
		pp_kvtab_free(t);
	return err;
}

int vmstat__parse(char *buf, struct pp_kvtab *t)
{
	return parse(buf, t, NULL);
}

static int vmstat_init(void)
{
	int err;

	err = pattern__compile("collector.vmstat.fields", opt_fields, PATTERN_SEARCH, &re_fields,
			       NULL, 0);
	if (err)
		return err;
	have_re = true;
	return 0;
}

static void vmstat_fini(void)
{
	pattern__free(re_fields);
	re_fields = NULL;
	have_re = false;
	pp_match_cache_clear(&match_cache);
	pthread_mutex_lock(&memo_mu);
	pp_line_memo_clear(&memo);
	pthread_mutex_unlock(&memo_mu);
}

/* Caller holds memo_mu. */
static bool wanted(const char *name, size_t line)
{
	return pp_line_memo_match(&memo, line, name, &match_cache, re_fields);
}

static int vmstat_collect(struct expo_writer *w)
{
	struct pp_kvtab t;
	char *buf = NULL;
	int err;

	if (!have_re)
		return -EINVAL;
	err = fs__read_rel_records(fs__procfs(), "vmstat", PP_MAX_FILE, 256, &buf, NULL);
	if (err)
		return err;
	pthread_mutex_lock(&memo_mu);
	err = parse(buf, &t, wanted);
	pthread_mutex_unlock(&memo_mu);
	free(buf);
	if (err)
		return err;
	for (size_t i = 0; i < t.n; i++) {
		char name[PP_KEY_MAX + 16], help[PP_KEY_MAX + 48];

		snprintf(name, sizeof(name), "node_vmstat_%s", t.v[i].key);
		if (!expo__valid_metric_name(name))
			continue;
		snprintf(help, sizeof(help), "/proc/vmstat information field %s.", t.v[i].key);
		pp_emit(w, name, help, EXPO_UNTYPED, t.v[i].value);
	}
	pp_kvtab_free(&t);
	return 0;
}

static struct collector vmstat_collector = {
	.name = "vmstat",
	.default_enabled = true,
	.init = vmstat_init,
	.collect = vmstat_collect,
	.fini = vmstat_fini,
};
NP_COLLECTOR(vmstat_collector);
