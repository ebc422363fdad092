// SPDX-License-Identifier: Apache-2.0
/* Shared parsing helpers for the /proc collectors (see procparse.h). */
#include "procparse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "parse.h"
#include "pattern.h"

char *pp_next_line(char **cur)
{
	char *line = *cur, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

static const bool blank_tab[256] = {
	[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, ['\v'] = true, ['\f'] = true,
};

static inline int is_blank(char c)
{
	return blank_tab[(unsigned char)c];
}

int pp_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			return n;
		if (n == max)
			return -E2BIG;
		f[n++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

static uint32_t key_hash(const char *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

/* Slot holding key, or the empty slot where it would go. nslot is a power of two. */
static size_t kvtab_probe(const struct pp_kvtab *t, const char *key)
{
	size_t mask = t->nslot - 1, i = key_hash(key) & mask;

	while (t->slot[i] && strcmp(t->v[t->slot[i] - 1].key, key) != 0)
		i = (i + 1) & mask;
	return i;
}

static int kvtab_grow_index(struct pp_kvtab *t)
{
	size_t nslot = t->nslot ? t->nslot * 2 : 128;
	uint32_t *old = t->slot;

	t->slot = calloc(nslot, sizeof(*t->slot));
	if (!t->slot) {
		t->slot = old;
		return -ENOMEM;
	}
	free(old);
	t->nslot = nslot;
	for (size_t i = 0; i < t->n; i++)
		t->slot[kvtab_probe(t, t->v[i].key)] = (uint32_t)(i + 1);
	return 0;
}

int pp_kvtab_put(struct pp_kvtab *t, const char *key, double value)
{
	size_t kl = strlen(key), s;

	if (kl >= PP_KEY_MAX)
		return -ENAMETOOLONG;
	if (t->n >= UINT32_MAX - 1)
		return -E2BIG;
	/* keep the index at most half full */
	if ((t->n + 1) * 2 > t->nslot && kvtab_grow_index(t))
		return -ENOMEM;
	s = kvtab_probe(t, key);
	if (t->slot[s]) {
		t->v[t->slot[s] - 1].value = value;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct pp_kv *nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	memcpy(t->v[t->n].key, key, kl + 1);
	t->v[t->n].value = value;
	t->slot[s] = (uint32_t)(++t->n);
	return 0;
}

const struct pp_kv *pp_kvtab_get(const struct pp_kvtab *t, const char *key)
{
	size_t s;

	if (!t->nslot)
		return NULL;
	s = kvtab_probe(t, key);
	return t->slot[s] ? &t->v[t->slot[s] - 1] : NULL;
}

void pp_kvtab_free(struct pp_kvtab *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

#define PP_MATCH_CACHE_MAX 4096

bool pp_match(struct pp_match_cache *c, const struct pattern *re, const char *key)
{
	const struct pp_kv *kv;
	bool m;

	pthread_mutex_lock(&c->lock);
	kv = pp_kvtab_get(&c->seen, key);
	if (kv) {
		m = kv->value != 0;
	} else {
		m = pattern__match(re, key);
		/* A failed insert only costs a match next time. */
		if (c->seen.n < PP_MATCH_CACHE_MAX)
			(void)pp_kvtab_put(&c->seen, key, m ? 1 : 0);
	}
	pthread_mutex_unlock(&c->lock);
	return m;
}

void pp_match_cache_clear(struct pp_match_cache *c)
{
	pthread_mutex_lock(&c->lock);
	pp_kvtab_free(&c->seen);
	pthread_mutex_unlock(&c->lock);
}

#define PP_LINE_MEMO_MAX 4096

bool pp_line_memo_match(struct pp_line_memo *m, size_t idx, const char *name,
			struct pp_match_cache *c, const struct pattern *re)
{
	bool want;
	char *copy;

	if (idx < m->n && m->name[idx] && strcmp(m->name[idx], name) == 0)
		return m->want[idx];
	want = pp_match(c, re, name);
	if (idx >= PP_LINE_MEMO_MAX)
		return want;
	if (idx >= m->n) {
		size_t n = idx + 1 > 2 * m->n ? idx + 1 : 2 * m->n;
		char **nn = realloc(m->name, n * sizeof(*nn));
		unsigned char *nw;

		if (!nn)
			return want;
		m->name = nn;
		nw = realloc(m->want, n);
		if (!nw)
			return want;
		m->want = nw;
		memset(m->name + m->n, 0, (n - m->n) * sizeof(*nn));
		m->n = n;
	}
	copy = strdup(name);
	if (!copy)
		return want;
	free(m->name[idx]);
	m->name[idx] = copy;
	m->want[idx] = want;
	return want;
}

void pp_line_memo_clear(struct pp_line_memo *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->name[i]);
	free(m->name);
	free(m->want);
	memset(m, 0, sizeof(*m));
}

void pp_emit(struct expo_writer *w, const char *name, const char *help, enum expo_type type,
	     double value)
{
	expo__family(w, name, help, type);
	expo__sample(w, name, NULL, 0, value);
}

int pp_parse_single_u64(char *buf, uint64_t *v)
{
	char *f[2];

	if (pp_split(buf, f, 2) != 1)
		return -EINVAL;
	return parse__u64(f[0], v) ? -EINVAL : 0;
}

int pp_read_single_u64(const char *root, const char *rel, uint64_t *v)
{
	char *buf = NULL;
	/* single-number files are one record: no read to EOF */
	int err = fs__read_rel_records(root, rel, 4096, FS_SINGLE_RECORD, &buf, NULL);

	if (err)
		return err;
	err = pp_parse_single_u64(buf, v);
	free(buf);
	return err;
}
