// SPDX-License-Identifier: Apache-2.0
/* meminfo collector: every /proc/meminfo line as node_memory_<Key>[_bytes], named the way
 * node_exporter 1.5 names them ("Active(anon): 12 kB" -> node_memory_Active_anon_bytes 12288). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "meminfo.h"
#include "procparse.h"

/* "Active(anon)" -> "Active_anon": each "(x)" becomes "_x" (node_exporter's \((.*)\) rewrite;
 * the kernel never prints more than one pair per key). */
static int meminfo_key(const char *raw, size_t len, char *out, size_t cap)
{
	const char *open = memchr(raw, '(', len);
	const char *close = open ? memchr(open, ')', len - (size_t)(open - raw)) : NULL;
	size_t a, b, c;

	if (!(open && close)) {
		if (len >= cap)
			return -ENAMETOOLONG;
		memcpy(out, raw, len);
		out[len] = '\0';
		return 0;
	}
	a = (size_t)(open - raw);
	b = (size_t)(close - open - 1);
	c = len - (size_t)(close - raw) - 1;
	if (a + 1 + b + c >= cap)
		return -ENAMETOOLONG;
	memcpy(out, raw, a);
	out[a] = '_';
	memcpy(out + a + 1, open + 1, b);
	memcpy(out + a + 1 + b, close + 1, c);
	out[a + 1 + b + c] = '\0';
	return 0;
}

int meminfo__parse(char *buf, struct pp_kvtab *out)
{
	char *cur = buf, *line;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[4], key[PP_KEY_MAX];
		size_t kl;
		double v;
		int n = pp_split(line, f, 4);

		if (n == 0)
			continue; /* some CentOS kernels print empty lines */
		kl = strlen(f[0]);
		if (n < 2 || n > 3 || kl < 2 || f[0][kl - 1] != ':' || parse__double(f[1], &v)) {
			err = -EINVAL;
			goto cleanup;
		}
		err = meminfo_key(f[0], kl - 1, key, sizeof(key) - 6);
		if (err)
			goto cleanup;
		if (n == 3) {
			/* The only unit the kernel prints is kB. */
			if (strcmp(f[2], "kB") != 0) {
				err = -EINVAL;
				goto cleanup;
			}
			v *= 1024;
			strcat(key, "_bytes");
		}
		err = pp_kvtab_put(out, key, v);
		if (err)
			goto cleanup;
	}
	if (out->n == 0)
		err = -EINVAL;
cleanup:
	if (err)
		pp_kvtab_free(out);
	return err;
}

static int meminfo_collect(struct expo_writer *w)
{
	struct pp_kvtab t;
	char *buf = NULL;
	int err;

	err = fs__read_rel_records(fs__procfs(), "meminfo", PP_MAX_FILE, FS_SINGLE_RECORD, &buf,
				   NULL);
	if (err)
		return err;
	err = meminfo__parse(buf, &t);
	free(buf);
	if (err)
		return err;
	for (size_t i = 0; i < t.n; i++) {
		char name[PP_KEY_MAX + 16], help[PP_KEY_MAX + 40];
		size_t kl = strlen(t.v[i].key);
		bool total = kl >= 6 && strcmp(t.v[i].key + kl - 6, "_total") == 0;

		/* key < PP_KEY_MAX: both fit */
		memcpy(name, "node_memory_", 12);
		memcpy(name + 12, t.v[i].key, kl + 1);
		if (!expo__valid_metric_name(name)) {
			log_debug("skipping field with invalid metric name", "key", t.v[i].key);
			continue;
		}
		memcpy(help, "Memory information field ", 25);
		memcpy(help + 25, t.v[i].key, kl);
		memcpy(help + 25 + kl, ".", 2);
		pp_emit(w, name, help, total ? EXPO_COUNTER : EXPO_GAUGE, t.v[i].value);
	}
	pp_kvtab_free(&t);
	return 0;
}

static struct collector meminfo_collector = {
	.name = "meminfo",
	.default_enabled = true,
	.collect = meminfo_collect,
};
NP_COLLECTOR(meminfo_collector);
