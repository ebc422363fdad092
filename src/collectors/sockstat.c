// SPDX-License-Identifier: Apache-2.0
/* sockstat collector: node_sockstat_<PROTO>_<state> from /proc/net/sockstat and
 * /proc/net/sockstat6 (either may be missing when IPv4/IPv6 is compiled out), plus
 * node_sockstat_sockets_used and <PROTO>_mem_bytes (pages * page size) as node_exporter 1.5. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sockstat.h"
#include "procparse.h"

const char *const sockstat_field_names[SS_NFIELDS] = { "inuse", "orphan", "tw",
						       "alloc", "mem",	  "memory" };

int sockstat__parse(char *buf, struct sockstat *out)
{
	char *cur = buf, *line;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[32];
		size_t pl;
		int n = pp_split(line, f, 32);
		struct sockstat_proto *p;

		if (n == 0)
			continue;
		pl = strlen(f[0]);
		/* "PROTO: k v k v ...": at least one pair, and pairs only */
		if (n < 3 || n % 2 == 0 || pl < 2 || f[0][pl - 1] != ':')
			return -EINVAL;
		f[0][pl - 1] = '\0';
		if (strcmp(f[0], "sockets") == 0) {
			bool found = false;

			for (int i = 1; i < n; i += 2) {
				if (strcmp(f[i], "used") == 0) {
					if (parse__i64(f[i + 1], &out->used))
						return -EINVAL;
					found = true;
				}
			}
			if (!found || out->have_used)
				return -EINVAL;
			out->have_used = true;
			continue;
		}
		if (pl - 1 >= sizeof(p->name) ||
		    out->n == sizeof(out->proto) / sizeof(out->proto[0]))
			return -EINVAL;
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->proto[i].name, f[0]) == 0)
				return -EINVAL;
		p = &out->proto[out->n];
		memset(p, 0, sizeof(*p));
		strcpy(p->name, f[0]);
		for (int i = 1; i < n; i += 2) {
			int64_t v;

			if (parse__i64(f[i + 1], &v))
				return -EINVAL;
			for (int k = 0; k < SS_NFIELDS; k++) {
				if (strcmp(f[i], sockstat_field_names[k]) == 0) {
					p->v[k] = v;
					p->have[k] = true;
				}
			}
		}
		/* "inuse" is the one field every protocol line has. */
		if (!p->have[SS_INUSE])
			return -EINVAL;
		out->n++;
	}
	return 0;
}

static void emit_proto(struct expo_writer *w, const struct sockstat_proto *p, long page)
{
	for (int k = 0; k <= SS_NFIELDS; k++) {
		char name[96], help[128];
		const char *field = k < SS_NFIELDS ? sockstat_field_names[k] : "mem_bytes";
		double v;

		if (k < SS_NFIELDS) {
			if (!p->have[k])
				continue;
			v = (double)p->v[k];
		} else {
			if (!p->have[SS_MEM])
				continue;
			v = (double)(p->v[SS_MEM] * page);
		}
		snprintf(name, sizeof(name), "node_sockstat_%s_%s", p->name, field);
		if (!expo__valid_metric_name(name))
			continue;
		snprintf(help, sizeof(help), "Number of %s sockets in state %s.", p->name, field);
		pp_emit(w, name, help, EXPO_GAUGE, v);
	}
}

static int read_sockstat(const char *rel, struct sockstat *s, bool *present)
{
	char *buf = NULL;
	int err = fs__read_rel_records(fs__procfs(), rel, 65536, FS_SINGLE_RECORD, &buf, NULL);

	*present = false;
	if (err == -ENOENT) {
		log_debug("not found, skipping", "file", rel);
		return 0;
	}
	if (err)
		return err;
	err = sockstat__parse(buf, s);
	free(buf);
	if (!err)
		*present = true;
	return err;
}

static int sockstat_collect(struct expo_writer *w)
{
	struct sockstat s4, s6;
	bool have4, have6;
	long page = sysconf(_SC_PAGESIZE);
	int err;

	err = read_sockstat("net/sockstat", &s4, &have4);
	if (!err)
		err = read_sockstat("net/sockstat6", &s6, &have6);
	if (err)
		return err;
	if (have4 && s4.have_used)
		pp_emit(w, "node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
			EXPO_GAUGE, (double)s4.used);
	for (size_t i = 0; have4 && i < s4.n; i++)
		emit_proto(w, &s4.proto[i], page);
	for (size_t i = 0; have6 && i < s6.n; i++) {
		/* A protocol in both files would make duplicate families. */
		bool dup = false;

		for (size_t j = 0; have4 && j < s4.n; j++)
			dup = dup || strcmp(s4.proto[j].name, s6.proto[i].name) == 0;
		if (dup)
			return -EINVAL;
		emit_proto(w, &s6.proto[i], page);
	}
	return 0;
}

static struct collector sockstat_collector = {
	.name = "sockstat",
	.default_enabled = true,
	.collect = sockstat_collect,
};
NP_COLLECTOR(sockstat_collector);
