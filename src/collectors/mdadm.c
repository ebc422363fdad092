// SPDX-License-Identifier: Apache-2.0
/* mdadm collector: node_exporter 1.5's node_md_state{device,state}, node_md_disks{device,state},
 * node_md_disks_required, node_md_blocks and node_md_blocks_synced from <procfs>/mdstat. No
 * mdstat (md driver not loaded): success, no series. */
#include "mdadm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"

struct line {
	const char *s;
	size_t len;
};

static bool line_has(const struct line *l, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= l->len; i++)
		if (!memcmp(l->s + i, needle, nl))
			return true;
	return false;
}

static int64_t line_count(const struct line *l, const char *needle)
{
	size_t nl = strlen(needle);
	int64_t c = 0;

	for (size_t i = 0; i + nl <= l->len; i++)
		if (!memcmp(l->s + i, needle, nl))
			c++;
	return c;
}

static int parse_ll(const char *s, size_t len, int64_t *v)
{
	char tmp[32];

	if (!len || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return parse__i64(tmp, v) || *v < 0 ? -EINVAL : 0;
}

/* "  1953382400 blocks super 1.2 [2/2] [UU]": size, and for redundant raids total/active/down. */
static int eval_status(const struct line *dev, const struct line *st, struct md_stat *m)
{
	const char *p = st->s, *end = st->s + st->len, *q;
	int64_t v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q == p || parse_ll(p, (size_t)(q - p), &m->blocks_total))
		return -EINVAL;
	if (line_has(dev, "raid0") || line_has(dev, "linear")) {
		/* Only member disks carry a [n] on the device line. */
		m->disks_total = line_count(dev, "[");
		m->disks_active = m->disks_total;
		return 0;
	}
	if (line_has(dev, "inactive"))
		return 0;
	/* Last "[n/m]" followed by " [U_...]". */
	for (const char *b = end; b-- > p;) {
		const char *slash, *close, *u;

		if (*b != '[')
			continue;
		close = memchr(b, ']', (size_t)(end - b));
		slash = memchr(b, '/', (size_t)(end - b));
		if (!close || !slash || slash > close)
			continue;
		if (parse_ll(b + 1, (size_t)(slash - b - 1), &m->disks_total) ||
		    parse_ll(slash + 1, (size_t)(close - slash - 1), &v))
			return -EINVAL;
		m->disks_active = v;
		u = close + 1;
		while (u < end && *u == ' ')
			u++;
		if (u >= end || *u != '[')
			return -EINVAL;
		m->disks_down = 0;
		for (u++; u < end && *u != ']'; u++) {
			if (*u == '_')
				m->disks_down++;
			else if (*u != 'U')
				return -EINVAL;
		}
		return u < end ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* "[=>...]  recovery = 12.6% (37043392/292945152) finish=127.5min speed=33440K/sec" */
static int eval_sync(const struct line *l, int64_t *synced)
{
	for (size_t i = 0; i < l->len; i++) {
		size_t j = i + 1, k;

		if (l->s[i] != '(')
			continue;
		while (j < l->len && l->s[j] >= '0' && l->s[j] <= '9')
			j++;
		if (j == i + 1 || j >= l->len || l->s[j] != '/')
			continue;
		k = j + 1;
		while (k < l->len && l->s[k] >= '0' && l->s[k] <= '9')
			k++;
		if (k == j + 1 || k >= l->len || l->s[k] != ')')
			continue;
		return parse_ll(l->s + i + 1, j - i - 1, synced);
	}
	return -EINVAL;
}

int mdadm__parse(const char *buf, struct md_stat **out, size_t *n)
{
	struct md_stat *arr = NULL;
	struct line *lines = NULL;
	size_t nl = 0, cap = 0, cnt = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (const char *p = buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (nl == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct line *nls;

			if (nc > 65536) {
				err = -E2BIG;
				goto cleanup;
			}
			nls = realloc(lines, nc * sizeof(*nls));
			if (!nls) {
				err = -ENOMEM;
				goto cleanup;
			}
			lines = nls;
			cap = nc;
		}
		lines[nl++] = (struct line){ p, len };
		p += len + (e ? 1 : 0);
	}
	arr = calloc(MDADM_MAX_DEVICES, sizeof(*arr));
	if (!arr) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nl; i++) {
		const struct line *l = &lines[i];
		struct md_stat *m;
		char f[3][64];
		size_t nf = 0, sync_idx;
		const char *p = l->s, *end = l->s + l->len;
		bool blank = true, rec, res, chk;

		for (size_t k = 0; k < l->len; k++)
			if (l->s[k] != ' ' && l->s[k] != '\t' && l->s[k] != '\r')
				blank = false;
		if (blank || l->s[0] == ' ' || l->s[0] == '\t' ||
		    !strncmp(l->s, "Personalities", 13) || !strncmp(l->s, "unused", 6))
			continue;
		while (nf < 3 && p < end) {
			const char *s;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			s = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (p == s)
				break;
			snprintf(f[nf], sizeof(f[nf]), "%.*s", (int)(p - s), s);
			nf++;
		}
		if (nf < 3 || i + 3 > nl) {
			/* procfs wants the status line and the sync/bitmap line after it. */
			err = -EINVAL;
			goto cleanup;
		}
		if (cnt == MDADM_MAX_DEVICES) {
			err = -E2BIG;
			goto cleanup;
		}
		m = &arr[cnt];
		snprintf(m->name, sizeof(m->name), "%s", f[0]);
		snprintf(m->state, sizeof(m->state), "%s", f[2]);
		m->disks_failed = line_count(l, "(F)");
		m->disks_spare = line_count(l, "(S)");
		err = eval_status(l, &lines[i + 1], m);
		if (err)
			goto cleanup;
		sync_idx = i + 2;
		if (line_has(&lines[i + 2], "bitmap"))
			sync_idx++;
		m->blocks_synced = m->blocks_total;
		if (sync_idx < nl) {
			const struct line *s = &lines[sync_idx];

			rec = line_has(s, "recovery");
			res = line_has(s, "resync");
			chk = line_has(s, "check");
			if (rec || res || chk) {
				strcpy(m->state, rec   ? "recovering"
						 : chk ? "checking"
						       : "resyncing");
				if (line_has(s, "PENDING") || line_has(s, "DELAYED")) {
					m->blocks_synced = 0;
				} else {
					err = eval_sync(s, &m->blocks_synced);
					if (err)
						goto cleanup;
				}
			}
		}
		cnt++;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
cleanup:
	free(arr);
	free(lines);
	return err;
}

static int mdadm_collect(struct expo_writer *w)
{
	static const char *const states[5][2] = { { "active", "active" },
						  { "inactive", "inactive" },
						  { "recovering", "recovering" },
						  { "resyncing", "resync" },
						  { "checking", "check" } };
	struct md_stat *md = NULL;
	char *buf = NULL;
	size_t n = 0;
	int err;

	err = fs__read_rel(fs__procfs(), "mdstat", 1 << 20, &buf, NULL);
	if (err == -ENOENT)
		return 0; /* md driver not loaded */
	if (err)
		return err;
	err = mdadm__parse(buf, &md, &n);
	if (err) {
		log_warn("error parsing mdstat", "err", LOG_ERR(err));
		goto cleanup;
	}
	if (!n)
		goto cleanup;
	expo__family(w, "node_md_blocks", "Total number of blocks on device.", EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		struct expo_label l = { "device", md[i].name };

		expo__sample(w, "node_md_blocks", &l, 1, (double)md[i].blocks_total);
	}
	expo__family(w, "node_md_blocks_synced", "Number of blocks synced on device.", EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		struct expo_label l = { "device", md[i].name };

		expo__sample(w, "node_md_blocks_synced", &l, 1, (double)md[i].blocks_synced);
	}
	expo__family(w, "node_md_disks", "Number of active/failed/spare disks of device.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		struct expo_label l[2] = { { "device", md[i].name }, { "state", "active" } };

		expo__sample(w, "node_md_disks", l, 2, (double)md[i].disks_active);
		l[1].value = "failed";
		expo__sample(w, "node_md_disks", l, 2, (double)md[i].disks_failed);
		l[1].value = "spare";
		expo__sample(w, "node_md_disks", l, 2, (double)md[i].disks_spare);
	}
	expo__family(w, "node_md_disks_required", "Total number of disks of device.", EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		struct expo_label l = { "device", md[i].name };

		expo__sample(w, "node_md_disks_required", &l, 1, (double)md[i].disks_total);
	}
	expo__family(w, "node_md_state", "Indicates the state of md-device.", EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < 5; s++) {
			struct expo_label l[2] = { { "device", md[i].name },
						   { "state", states[s][1] } };

			expo__sample(w, "node_md_state", l, 2, !strcmp(md[i].state, states[s][0]));
		}
	}
cleanup:
	free(md);
	free(buf);
	return err;
}

static struct collector mdadm_collector = {
	.name = "mdadm",
	.default_enabled = true,
	.collect = mdadm_collect,
};
NP_COLLECTOR(mdadm_collector);
