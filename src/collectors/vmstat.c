/* vmstat collector: node_vmstat_<field> (untyped) for /proc/vmstat fields matching
 * --collector.vmstat.fields (node_exporter 1.5's default regexp). */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "proc_parsers.h"
#include "sysutil.h"

static const char *opt_fields = "^(oom_kill|pgpg|pswp|pg.*fault).*";
NP_FLAG_STRING("collector.vmstat.fields", &opt_fields,
	       "Regexp of fields to return for vmstat collector.");

static regex_t re_fields;
static bool have_re;
static struct pp_match_cache match_cache = PP_MATCH_CACHE_INIT;

int vmstat__parse(char *buf, struct pp_kvtab *t)
{
	char *cur = buf, *line;
	int err = 0;

	memset(t, 0, sizeof(*t));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[3];
		double v;
		int n = pp_split(line, f, 3);

		if (n == 0)
			continue;
		if (n != 2 || pp_double(f[1], &v)) {
			err = -EINVAL;
			break;
		}
		err = pp_kvtab_put(t, f[0], v);
		if (err)
			break;
	}
	if (!err && t->n == 0)
		err = -EINVAL;
	if (err)
		pp_kvtab_free(t);
	return err;
}

static int vmstat_init(void)
{
	/* RE2's \d \s \w are translated to POSIX classes. */
	if (sysutil__regex_compile(&re_fields, opt_fields)) {
		log_error("vmstat: invalid --collector.vmstat.fields regexp=%s", opt_fields);
		return -EINVAL;
	}
	have_re = true;
	return 0;
}

static void vmstat_fini(void)
{
	if (have_re)
		regfree(&re_fields);
	have_re = false;
	pp_match_cache_clear(&match_cache);
}

static int vmstat_collect(struct expo_writer *w)
{
	struct pp_kvtab t;
	char *buf = NULL;
	int err;

	if (!have_re)
		return -EINVAL;
	err = fs__read_rel(fs__procfs(), "vmstat", PP_MAX_FILE, &buf, NULL);
	if (err)
		return err;
	err = vmstat__parse(buf, &t);
	free(buf);
	if (err)
		return err;
	for (size_t i = 0; i < t.n; i++) {
		char name[PP_KEY_MAX + 16], help[PP_KEY_MAX + 48];

		if (!pp_match(&match_cache, &re_fields, t.v[i].key))
			continue;
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
