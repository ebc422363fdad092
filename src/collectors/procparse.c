/* Shared parsing helpers for the /proc collectors (see procparse.h). */
#include "procparse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

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

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
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

int pp_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	int err = fs__parse_u64(s, &x);

	if (err)
		return err;
	*v = x;
	return 0;
}

int pp_hex_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 16);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*v = x;
	return 0;
}

int pp_i64(const char *s, int64_t *v)
{
	long long x;
	int err = fs__parse_i64(s, &x);

	if (err)
		return err;
	*v = x;
	return 0;
}

int pp_double(const char *s, double *v)
{
	/* strtod also takes hex floats and leading blanks; /proc never prints those, so a value
	 * that needs them is malformed. */
	if (!s || !*s || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) || is_blank(*s))
		return -EINVAL;
	if ((s[0] == '-' || s[0] == '+') && s[1] == '0' && (s[2] == 'x' || s[2] == 'X'))
		return -EINVAL;
	return fs__parse_double(s, v);
}

int pp_kvtab_put(struct pp_kvtab *t, const char *key, double value)
{
	size_t kl = strlen(key);

	if (kl >= PP_KEY_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].value = value;
			return 0;
		}
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
	t->n++;
	return 0;
}

const struct pp_kv *pp_kvtab_get(const struct pp_kvtab *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

void pp_kvtab_free(struct pp_kvtab *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

void pp_emit(struct expo_writer *w, const char *name, const char *help, enum expo_type type,
	     double value)
{
	expo__family(w, name, help, type);
	expo__sample(w, name, NULL, 0, value);
}
