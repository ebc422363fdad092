// SPDX-License-Identifier: Apache-2.0
/* textfile collector: node_exporter 1.5's textfile collector. Every *.prom file in
 * --collector.textfile.directory is validated line by line (a strict subset of the text format
 * parser; a file that fails is skipped whole and sets node_textfile_scrape_error 1), families
 * are merged across files by name, label sets are completed with "" within a family as
 * node_exporter does, and node_textfile_mtime_seconds{file} is reported per file read.
 * It runs last: a family, file part or sample that would make the whole exposition invalid
 * (a second HELP/TYPE, a repeated series, text that is not UTF-8) or redefine one of the
 * agent's own families is dropped instead. Hash tables keep every step linear in the input. */
#include "textfile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

static const char *opt_dir = "";
NP_FLAG_STRING("collector.textfile.directory", &opt_dir,
	       "Directory to read text files with metrics from.");

#define TEXTFILE_MAX_BYTES (16u << 20)

static bool name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
	return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Scan a metric (colon=true) or label name at *p; NUL-terminates nothing. Returns length. */
static size_t scan_name(const char *p, bool colon)
{
	size_t n = 0;

	if (!name_start(p[0], colon))
		return 0;
	while (name_char(p[n], colon))
		n++;
	return n;
}

static bool valid_float(const char *s)
{
	char *end;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf") || !strcmp(s, "Inf") ||
	    !strcmp(s, "+inf") || !strcmp(s, "-inf"))
		return true;
	if (!*s)
		return false;
	/* strtod also takes hex floats and "infinity"; Go's ParseFloat takes hex floats too. */
	errno = 0;
	strtod(s, &end);
	return end != s && *end == '\0' && (errno == 0 || errno == ERANGE);
}

static bool valid_help_escapes(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\') {
			s++;
			if (*s != '\\' && *s != 'n')
				return false;
		}
	}
	return true;
}

static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };

/* ---- name_set: string -> index, keys copied into an arena ---------------------------------- */

struct ns_slot {
	uint64_t hash;
	size_t off; /* into arena; SIZE_MAX: empty */
	size_t len;
	size_t val;
};

struct name_set {
	struct ns_slot *slots; /* cap is a power of two, at most half full */
	size_t cap, n;
	char *arena;
	size_t alen, acap;
};

/* FNV-1a with a per-process seed: what files hold cannot be chosen to collide. */
static uint64_t hash_bytes(const char *s, size_t n)
{
	static uint64_t seed;
	uint64_t h;

	if (!seed) {
		const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
		uint64_t v = 0;

		if (r)
			memcpy(&v, r + 8, sizeof(v));
		__atomic_store_n(&seed, v | 1, __ATOMIC_RELAXED);
	}
	h = 0xcbf29ce484222325ULL ^ __atomic_load_n(&seed, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static void ns_free(struct name_set *s)
{
	free(s->slots);
	free(s->arena);
	memset(s, 0, sizeof(*s));
}

static int ns_grow(struct name_set *s)
{
	size_t nc = s->cap ? s->cap * 2 : 64;
	struct ns_slot *ns = malloc(nc * sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < nc; i++)
		ns[i].off = SIZE_MAX;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->slots[i].off == SIZE_MAX)
			continue;
		for (j = s->slots[i].hash & (nc - 1); ns[j].off != SIZE_MAX; j = (j + 1) & (nc - 1))
			;
		ns[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = ns;
	s->cap = nc;
	return 0;
}

/* 1 and *val if key is there; else inserts it with val and returns 0; -ENOMEM. */
static int ns_find_or_add(struct name_set *s, const char *key, size_t len, size_t val,
			  size_t *found)
{
	uint64_t h = hash_bytes(key, len);
	size_t j;

	if ((s->n + 1) * 2 > s->cap && ns_grow(s))
		return -ENOMEM;
	for (j = h & (s->cap - 1); s->slots[j].off != SIZE_MAX; j = (j + 1) & (s->cap - 1)) {
		const struct ns_slot *sl = &s->slots[j];

		if (sl->hash == h && sl->len == len && !memcmp(s->arena + sl->off, key, len)) {
			if (found)
				*found = sl->val;
			return 1;
		}
	}
	if (s->acap - s->alen < len + 1) {
		size_t nc = s->acap ? s->acap : 1024;
		char *na;

		while (nc - s->alen < len + 1)
			nc *= 2;
		na = realloc(s->arena, nc);
		if (!na)
			return -ENOMEM;
		s->arena = na;
		s->acap = nc;
	}
	memcpy(s->arena + s->alen, key, len);
	s->arena[s->alen + len] = '\0';
	s->slots[j] = (struct ns_slot){ .hash = h, .off = s->alen, .len = len, .val = val };
	s->alen += len + 1;
	s->n++;
	return 0;
}

static bool ns_has(const struct name_set *s, const char *key, size_t len)
{
	uint64_t h;

	if (!s->n)
		return false;
	h = hash_bytes(key, len);
	for (size_t j = h & (s->cap - 1); s->slots[j].off != SIZE_MAX; j = (j + 1) & (s->cap - 1)) {
		const struct ns_slot *sl = &s->slots[j];

		if (sl->hash == h && sl->len == len && !memcmp(s->arena + sl->off, key, len))
			return true;
	}
	return false;
}

/* ---- parser -------------------------------------------------------------------------------- */

struct parse_ctx {
	struct tf_file f;
	size_t fcap;
	struct name_set names; /* family name -> index in f.fams */
};

static struct tf_family *find_fam(struct parse_ctx *c, const char *name, size_t len)
{
	uint64_t h;

	if (!c->names.n)
		return NULL;
	h = hash_bytes(name, len);
	for (size_t j = h & (c->names.cap - 1); c->names.slots[j].off != SIZE_MAX;
	     j = (j + 1) & (c->names.cap - 1)) {
		const struct ns_slot *sl = &c->names.slots[j];

		if (sl->hash == h && sl->len == len && !memcmp(c->names.arena + sl->off, name, len))
			return &c->f.fams[sl->val];
	}
	return NULL;
}

static int add_fam(struct parse_ctx *c, const char *name, struct tf_family **out)
{
	struct tf_file *f = &c->f;
	int err;

	if (f->nfams == TEXTFILE_MAX_FAMILIES)
		return -E2BIG;
	if (f->nfams == c->fcap) {
		size_t nc = c->fcap ? c->fcap * 2 : 16;
		struct tf_family *nf = realloc(f->fams, nc * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		f->fams = nf;
		c->fcap = nc;
	}
	err = ns_find_or_add(&c->names, name, strlen(name), f->nfams, NULL);
	if (err < 0)
		return err;
	*out = &f->fams[f->nfams++];
	**out = (struct tf_family){ .name = name, .type = "untyped" };
	return 0;
}

/* The family a sample name belongs to: itself, or for histogram/summary the base name. */
static struct tf_family *family_of(struct parse_ctx *c, const char *name)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t nl = strlen(name);
	struct tf_family *fam = find_fam(c, name, nl);

	if (fam)
		return fam;
	for (size_t i = 0; i < 3; i++) {
		size_t sl = strlen(sfx[i]);

		if (nl <= sl || strcmp(name + nl - sl, sfx[i]))
			continue;
		fam = find_fam(c, name, nl - sl);
		if (fam && (!strcmp(fam->type, "histogram") || !strcmp(fam->type, "summary"))) {
			if (i == 0 && strcmp(fam->type, "histogram"))
				continue;
			return fam;
		}
	}
	return NULL;
}

/* *cur: index of the family the last line belonged to (SIZE_MAX: none); indices, since adding
 * a family may move the array. */
static int parse_comment(char *p, struct parse_ctx *c, size_t *cur)
{
	bool help;
	char *name, *rest;
	size_t nl;
	struct tf_family *fam;
	int err;

	p++; /* '#' */
	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "HELP", 4) && (p[4] == ' ' || p[4] == '\t'))
		help = true;
	else if (!strncmp(p, "TYPE", 4) && (p[4] == ' ' || p[4] == '\t'))
		help = false;
	else
		return 0; /* any other comment */
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	name = p;
	nl = scan_name(p, true);
	if (!nl)
		return -EINVAL;
	p += nl;
	if (*p && *p != ' ' && *p != '\t')
		return -EINVAL;
	if (*p)
		*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	rest = p;
	fam = find_fam(c, name, nl);
	if (fam && (size_t)(fam - c->f.fams) != *cur)
		return -EINVAL; /* a family's lines must be together */
	if (!fam) {
		err = add_fam(c, name, &fam);
		if (err)
			return err;
	}
	if (help) {
		if (fam->help || !valid_help_escapes(rest))
			return -EINVAL;
		fam->help = rest;
	} else {
		bool ok = false;
		size_t rl = strlen(rest);

		while (rl && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t'))
			rest[--rl] = '\0';
		if (fam->count || fam->type_set)
			return -EINVAL;
		for (size_t i = 0; i < 5; i++)
			if (!strcmp(rest, types[i])) {
				fam->type = types[i];
				ok = true;
			}
		if (!ok)
			return -EINVAL;
		fam->type_set = 1;
	}
	*cur = (size_t)(fam - c->f.fams);
	return 0;
}

/* Parses one sample line; its labels go to lbl (TEXTFILE_MAX_LABELS entries). */
static int parse_sample(char *p, struct tf_sample *s, struct tf_label *lbl)
{
	size_t nl = scan_name(p, true);
	char *val;

	memset(s, 0, sizeof(*s));
	if (!nl)
		return -EINVAL;
	s->name = p;
	p += nl;
	if (*p == '{') {
		*p++ = '\0';
		for (;;) {
			size_t ll;
			char *lname, *lval;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '}')
				break;
			ll = scan_name(p, false);
			if (!ll || s->nlabels == TEXTFILE_MAX_LABELS)
				return -EINVAL;
			lname = p;
			p += ll;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '=')
				return -EINVAL;
			lname[ll] = '\0'; /* overwrites '=' or a blank, both consumed */
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '"')
				return -EINVAL;
			lval = ++p;
			while (*p && *p != '"') {
				if (*p == '\\') {
					if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
						return -EINVAL;
					p++;
				}
				p++;
			}
			if (*p != '"')
				return -EINVAL;
			*p++ = '\0';
			if (!strncmp(lname, "__", 2))
				return -EINVAL;
			for (unsigned int i = 0; i < s->nlabels; i++)
				if (!strcmp(lbl[i].name, lname))
					return -EINVAL;
			lbl[s->nlabels++] = (struct tf_label){ lname, lval };
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p != '}')
				return -EINVAL;
		}
		p++; /* '}' */
	} else if (*p != ' ' && *p != '\t') {
		return -EINVAL;
	} else {
		*p++ = '\0';
	}
	while (*p == ' ' || *p == '\t')
		p++;
	val = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (!valid_float(val))
		return -EINVAL;
	if (*p) {
		int64_t ts;
		size_t tl = strlen(p);

		while (tl && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
			p[--tl] = '\0';
		/* A valid timestamp makes node_exporter skip the file; anything else is bad. */
		return parse__i64(p, &ts) ? -EINVAL : -EPROTO;
	}
	s->value = val;
	return 0;
}

void textfile__free(struct tf_file *f)
{
	free(f->fams);
	free(f->samples);
	free(f->labels);
	memset(f, 0, sizeof(*f));
}

int textfile__parse(char *buf, struct tf_file *out, unsigned int *line)
{
	struct tf_label lbl[TEXTFILE_MAX_LABELS];
	struct parse_ctx c = { 0 };
	struct tf_file *fp = &c.f;
	size_t cur = SIZE_MAX, scap = 0, lcap = 0;
	size_t *fam_of = NULL; /* family index of each sample */
	char *p = buf;
	int err = 0;

	*line = 0;
	memset(out, 0, sizeof(*out));
	while (*p) {
		char *nl = strchr(p, '\n');
		char *l = p;

		(*line)++;
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p += strlen(p);
		}
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l)
			continue;
		if (*l == '#') {
			err = parse_comment(l, &c, &cur);
			if (err)
				goto cleanup;
			continue;
		}
		if (fp->nsamples == TEXTFILE_MAX_SAMPLES) {
			err = -E2BIG;
			goto cleanup;
		}
		if (fp->nsamples == scap) {
			size_t nc = scap ? scap * 2 : 64;
			struct tf_sample *ns = realloc(fp->samples, nc * sizeof(*ns));
			size_t *nfo = realloc(fam_of, nc * sizeof(*nfo));

			if (ns)
				fp->samples = ns;
			if (nfo)
				fam_of = nfo;
			if (!ns || !nfo) {
				err = -ENOMEM;
				goto cleanup;
			}
			scap = nc;
		}
		err = parse_sample(l, &fp->samples[fp->nsamples], lbl);
		if (err)
			goto cleanup;
		if (fp->nlabels + fp->samples[fp->nsamples].nlabels > lcap) {
			size_t nc = lcap ? lcap * 2 : 256;
			struct tf_label *nlb;

			while (nc < fp->nlabels + fp->samples[fp->nsamples].nlabels)
				nc *= 2;
			nlb = realloc(fp->labels, nc * sizeof(*nlb));
			if (!nlb) {
				err = -ENOMEM;
				goto cleanup;
			}
			fp->labels = nlb;
			lcap = nc;
		}
		fp->samples[fp->nsamples].first_label = fp->nlabels;
		if (fp->samples[fp->nsamples].nlabels)
			memcpy(fp->labels + fp->nlabels, lbl,
			       fp->samples[fp->nsamples].nlabels * sizeof(*lbl));
		fp->nlabels += fp->samples[fp->nsamples].nlabels;
		{
			struct tf_sample *s = &fp->samples[fp->nsamples];
			struct tf_family *fam = family_of(&c, s->name);

			if (!fam) {
				err = add_fam(&c, s->name, &fam);
				if (err)
					goto cleanup;
			} else if ((size_t)(fam - fp->fams) != cur) {
				err = -EINVAL; /* family split by another one */
				goto cleanup;
			}
			cur = (size_t)(fam - fp->fams);
			fam->count++;
			fam_of[fp->nsamples] = cur;
		}
		fp->nsamples++;
	}
	/* Samples of a family are contiguous (enforced above): record where each starts. */
	for (size_t i = 0; i < fp->nfams; i++)
		fp->fams[i].count = 0;
	for (size_t i = 0; i < fp->nsamples; i++) {
		struct tf_family *fam = &fp->fams[fam_of[i]];

		if (!fam->count)
			fam->first = i;
		fam->count++;
	}
	*out = c.f;
	c.f = (struct tf_file){ 0 };
	*line = 0;
cleanup:
	free(fam_of);
	ns_free(&c.names);
	textfile__free(&c.f);
	return err;
}

/* ---- merge and write ---------------------------------------------------------------------- */

enum tf_drop { DROP_TAKEN, DROP_CONFLICT, DROP_UTF8, DROP_DUPLICATE, DROP_CAUSES };

static const char *const drop_why[DROP_CAUSES] = {
	[DROP_TAKEN] = "family name already used by the agent or an earlier family",
	[DROP_CONFLICT] = "TYPE or HELP differs from the file that defined the family first",
	[DROP_UTF8] = "HELP or label value is not valid UTF-8",
	[DROP_DUPLICATE] = "series (name and label set) already written",
};

struct tf_source {
	char *path;
	char *buf;
	double mtime;
	struct tf_file f;
	size_t dropped[DROP_CAUSES];
	const char *first[DROP_CAUSES]; /* a metric name, for the log */
};

struct textfile_set {
	struct tf_source *files;
	size_t n, cap;
	size_t dropped;
	bool errored;
};

int textfile__set_new(struct textfile_set **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void textfile__set_error(struct textfile_set *s)
{
	s->errored = true;
}

size_t textfile__set_dropped(const struct textfile_set *s)
{
	return s->dropped;
}

void textfile__set_free(struct textfile_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].buf);
		textfile__free(&s->files[i].f);
	}
	free(s->files);
	free(s);
}

int textfile__set_add(struct textfile_set *s, const char *path, char *buf, size_t len, double mtime)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct tf_source *t;
	unsigned int line = 0;
	int err = 0;

	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct tf_source *nf = realloc(s->files, nc * sizeof(*nf));

		if (!nf) {
			err = -ENOMEM;
			goto cleanup;
		}
		s->files = nf;
		s->cap = nc;
	}
	t = &s->files[s->n];
	memset(t, 0, sizeof(*t));
	/* A NUL would end the parser's view of the file in the middle of a line. */
	if (strlen(buf) != len) {
		err = -EINVAL;
		log_warn("failed to collect textfile data", "file", base, "line", "0", "err",
			 "contains a NUL byte");
		goto cleanup;
	}
	err = textfile__parse(buf, &t->f, &line);
	if (err == -EPROTO) {
		log_warn(
		    "textfile contains unsupported client-side timestamps, skipping entire file",
		    "file", path);
		goto cleanup;
	}
	if (err) {
		log_warn("failed to collect textfile data", "file", base, "line", LOG_UINT(line),
			 "err", fs__strerror(err));
		goto cleanup;
	}
	t->path = strdup(path);
	if (!t->path) {
		textfile__free(&t->f);
		err = -ENOMEM;
		goto cleanup;
	}
	t->buf = buf;
	buf = NULL;
	t->mtime = mtime;
	s->n++;
cleanup:
	if (err)
		s->errored = true;
	free(buf);
	return err;
}

/* A scratch buffer for unescaped text and series keys, grown as needed; err set on allocation
 * failure. */
struct scratch {
	char *buf;
	size_t len, cap;
	int err;
};

static bool scratch_room(struct scratch *sc, size_t need)
{
	size_t nc;
	char *nb;

	if (sc->err)
		return false;
	if (sc->cap - sc->len >= need)
		return true;
	nc = sc->cap ? sc->cap : 256;
	while (nc - sc->len < need)
		nc *= 2;
	nb = realloc(sc->buf, nc);
	if (!nb) {
		sc->err = -ENOMEM;
		return false;
	}
	sc->buf = nb;
	sc->cap = nc;
	return true;
}

/* Appends n bytes of s and a NUL. */
static void scratch_put(struct scratch *sc, const char *s, size_t n)
{
	if (!scratch_room(sc, n + 1))
		return;
	memcpy(sc->buf + sc->len, s, n);
	sc->len += n;
	sc->buf[sc->len++] = '\0';
}

/* Appends s (escaped as in the file: \\, \n, \" ) unescaped plus a NUL to sc; returns its
 * offset in sc->buf, or (size_t)-1 after an allocation failure. Offsets, not pointers: the
 * buffer may move while a sample's labels are collected. */
static size_t scratch_unescape(struct scratch *sc, const char *s)
{
	size_t off = sc->len;

	if (!scratch_room(sc, strlen(s) + 1))
		return (size_t)-1;
	for (; *s; s++) {
		char c = *s;

		if (c == '\\' && s[1]) {
			s++;
			c = *s == 'n' ? '\n' : *s;
		}
		sc->buf[sc->len++] = c;
	}
	sc->buf[sc->len++] = '\0';
	return off;
}

/* The file's value text as the number it stands for (validated by the parser). */
static double sample_value(const char *v)
{
	if (!strcmp(v, "+Inf") || !strcmp(v, "Inf") || !strcmp(v, "+inf"))
		return INFINITY;
	if (!strcmp(v, "-Inf") || !strcmp(v, "-inf"))
		return -INFINITY;
	if (!strcmp(v, "NaN"))
		return NAN;
	return strtod(v, NULL);
}

static enum expo_type expo_type_of(const char *type)
{
	if (!strcmp(type, "counter"))
		return EXPO_COUNTER;
	if (!strcmp(type, "gauge"))
		return EXPO_GAUGE;
	if (!strcmp(type, "histogram"))
		return EXPO_HISTOGRAM;
	if (!strcmp(type, "summary"))
		return EXPO_SUMMARY;
	return EXPO_UNTYPED;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sample names a family of this type writes, besides its own name. */
static const char *const *family_suffixes(enum expo_type t)
{
	static const char *const hist[] = { "_bucket", "_sum", "_count", NULL };
	static const char *const summ[] = { "_sum", "_count", NULL };
	static const char *const none[] = { NULL };

	return t == EXPO_HISTOGRAM ? hist : t == EXPO_SUMMARY ? summ : none;
}

/* Every name a family uses (its own, and its samples'), in or out of the set: with add, adds
 * them; else returns 1 if any is taken. 0, 1 or -ENOMEM. */
static int family_names(struct name_set *taken, struct scratch *sc, const char *name, size_t len,
			enum expo_type t, bool add)
{
	const char *const *sfx = family_suffixes(t);

	sc->len = 0;
	scratch_put(sc, name, len);
	for (size_t i = 0;; i++) {
		size_t l = len;
		int r;

		if (i) {
			if (!sfx[i - 1])
				break;
			sc->len = len;
			scratch_put(sc, sfx[i - 1], strlen(sfx[i - 1]));
			l = len + strlen(sfx[i - 1]);
		}
		if (sc->err)
			return sc->err;
		if (!add) {
			if (ns_has(taken, sc->buf, l))
				return 1;
			continue;
		}
		r = ns_find_or_add(taken, sc->buf, l, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

struct take_ctx {
	struct name_set *taken;
	struct scratch *sc;
	int err;
};

static void take_family(void *ctx, const char *name, size_t len, enum expo_type type)
{
	struct take_ctx *tc = ctx;
	int err = family_names(tc->taken, tc->sc, name, len, type, true);

	if (err < 0)
		tc->err = err;
}

/* One family across files: its parts (one per file defining it) in file order. */
struct merged {
	size_t head, tail; /* indices into parts */
};

struct part {
	size_t file, fam, next; /* next: SIZE_MAX at the end */
	bool keep;
};

struct writer_ctx {
	struct textfile_set *s;
	struct expo_writer *w;
	struct name_set series;
	struct scratch sc, key;
	int err;
};

static void drop(struct textfile_set *s, struct tf_source *src, enum tf_drop why, const char *name,
		 size_t samples)
{
	if (!src->dropped[why])
		src->first[why] = name;
	src->dropped[why] += samples;
	s->dropped += samples;
	s->errored = true;
}

struct label_ref {
	const char *name;
	const char *value; /* escaped as in the file */
};

static int cmp_label_ref(const void *a, const void *b)
{
	return strcmp(((const struct label_ref *)a)->name, ((const struct label_ref *)b)->name);
}

/* A sample's label set (completed to lnames when given, "" for missing ones, as node_exporter
 * does) into ref, sorted by name, checked for UTF-8 and for a repeated series. 0: write it,
 * 1: dropped, -ENOMEM. */
static int sample_labels(struct writer_ctx *c, struct tf_source *src, const struct tf_sample *s,
			 const char **lnames, size_t nln, struct label_ref *ref, size_t *nref)
{
	const struct tf_label *lb = tf_sample_labels(&src->f, s);
	struct label_ref own[TEXTFILE_MAX_LABELS];
	size_t n = 0, j = 0;
	int r;

	for (unsigned int i = 0; i < s->nlabels; i++)
		own[i] = (struct label_ref){ lb[i].name, lb[i].value };
	if (s->nlabels > 1)
		qsort(own, s->nlabels, sizeof(own[0]), cmp_label_ref);
	if (!nln) {
		memcpy(ref, own, s->nlabels * sizeof(own[0]));
		n = s->nlabels;
	}
	/* Both sorted by name: one merge pass, whatever the number of names. */
	for (size_t k = 0; k < nln; k++) {
		const char *v = "";

		while (j < s->nlabels && strcmp(own[j].name, lnames[k]) < 0)
			j++;
		if (j < s->nlabels && !strcmp(own[j].name, lnames[k]))
			v = own[j].value;
		ref[n++] = (struct label_ref){ lnames[k], v };
	}
	*nref = n;
	/* The series' identity as Prometheus sees it: an empty label is no label. The file's
	 * escaped text is canonical (only \\, \" and \n are escapes), so it serves as the key. */
	c->key.len = 0;
	scratch_put(&c->key, s->name, strlen(s->name));
	for (size_t i = 0; i < n; i++) {
		if (!expo__valid_utf8(ref[i].value)) {
			drop(c->s, src, DROP_UTF8, s->name, 1);
			return 1;
		}
		if (!ref[i].value[0])
			continue;
		scratch_put(&c->key, ref[i].name, strlen(ref[i].name));
		scratch_put(&c->key, ref[i].value, strlen(ref[i].value));
	}
	if (c->key.err)
		return c->key.err;
	r = ns_find_or_add(&c->series, c->key.buf, c->key.len, 0, NULL);
	if (r < 0)
		return r;
	if (r == 1) {
		drop(c->s, src, DROP_DUPLICATE, s->name, 1);
		return 1;
	}
	return 0;
}

/* Label values unescaped here and escaped again by expo, so that nothing a file says can break
 * the output's syntax. */
static void put_sample(struct writer_ctx *c, const struct tf_sample *s, const struct label_ref *ref,
		       size_t n)
{
	struct expo_label out[TEXTFILE_MAX_LABELS * 4];
	size_t offs[TEXTFILE_MAX_LABELS * 4];

	c->sc.len = 0;
	for (size_t i = 0; i < n; i++) {
		out[i].name = ref[i].name;
		offs[i] = scratch_unescape(&c->sc, ref[i].value);
	}
	if (c->sc.err) {
		c->err = c->sc.err;
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i].value = c->sc.buf + offs[i];
	expo__sample(c->w, s->name, out, n, sample_value(s->value));
}

static bool same_help(const struct tf_family *a, const struct tf_family *b)
{
	if (a->help && b->help)
		return !strcmp(a->help, b->help);
	return !a->help && !b->help;
}

/* One family merged over its parts: the first part whose HELP is UTF-8 sets TYPE and HELP,
 * later parts that differ are dropped, and so is the whole family if one of the names it
 * would write is taken. */
static void write_family(struct writer_ctx *c, struct name_set *taken, struct part *parts,
			 const struct merged *m)
{
	struct tf_source *files = c->s->files;
	const struct tf_family *ref = NULL;
	const char *lnames[TEXTFILE_MAX_LABELS * 4];
	struct scratch help = { 0 };
	enum expo_type type;
	bool simple, opened = false;
	size_t nln = 0;
	int r;

	for (size_t p = m->head; p != SIZE_MAX; p = parts[p].next) {
		struct tf_source *src = &files[parts[p].file];
		const struct tf_family *fam = &src->f.fams[parts[p].fam];

		parts[p].keep = false;
		if (fam->help && !expo__valid_utf8(fam->help))
			drop(c->s, src, DROP_UTF8, fam->name, fam->count);
		else if (ref && (strcmp(ref->type, fam->type) || !same_help(ref, fam)))
			drop(c->s, src, DROP_CONFLICT, fam->name, fam->count);
		else
			parts[p].keep = true;
		if (parts[p].keep && !ref)
			ref = fam;
	}
	if (!ref)
		return;
	type = expo_type_of(ref->type);
	r = family_names(taken, &c->sc, ref->name, strlen(ref->name), type, false);
	if (!r)
		r = family_names(taken, &c->sc, ref->name, strlen(ref->name), type, true);
	if (r < 0) {
		c->err = r;
		return;
	}
	if (r == 1) {
		for (size_t p = m->head; p != SIZE_MAX; p = parts[p].next) {
			struct tf_source *src = &files[parts[p].file];
			const struct tf_family *fam = &src->f.fams[parts[p].fam];

			if (parts[p].keep)
				drop(c->s, src, DROP_TAKEN, fam->name, fam->count);
		}
		return;
	}
	if (ref->help) {
		scratch_unescape(&help, ref->help);
	} else {
		/* node_exporter's text for a family without HELP names every file that has it. */
		static const char prefix[] = "Metric read from ";

		help.len = 0;
		if (scratch_room(&help, sizeof(prefix))) {
			memcpy(help.buf, prefix, sizeof(prefix) - 1);
			help.len = sizeof(prefix) - 1;
		}
		for (size_t p = m->head; p != SIZE_MAX; p = parts[p].next) {
			const char *path = files[parts[p].file].path;

			if (p != m->head && scratch_room(&help, 2)) {
				memcpy(help.buf + help.len, ", ", 2);
				help.len += 2;
			}
			scratch_put(&help, path, strlen(path));
			help.len--; /* the NUL, until the last one */
		}
		help.len++;
	}
	if (help.err) {
		c->err = help.err;
		goto cleanup;
	}

	/* node_exporter gives every sample of a gauge/counter/untyped family the union of the
	 * family's label names, missing ones as "". */
	simple = type != EXPO_HISTOGRAM && type != EXPO_SUMMARY;
	for (size_t p = m->head; p != SIZE_MAX && simple; p = parts[p].next) {
		const struct tf_file *f = &files[parts[p].file].f;
		const struct tf_family *fam = &f->fams[parts[p].fam];

		if (!parts[p].keep)
			continue;
		for (size_t i = fam->first; i < fam->first + fam->count; i++) {
			const struct tf_label *lb = tf_sample_labels(f, &f->samples[i]);

			for (unsigned int j = 0; j < f->samples[i].nlabels; j++) {
				bool seen = false;

				for (size_t q = 0; q < nln && !seen; q++)
					seen = !strcmp(lnames[q], lb[j].name);
				if (!seen && nln < sizeof(lnames) / sizeof(lnames[0]))
					lnames[nln++] = lb[j].name;
			}
		}
	}
	if (nln > 1)
		qsort(lnames, nln, sizeof(lnames[0]), cmp_str);

	for (size_t p = m->head; p != SIZE_MAX && !c->err; p = parts[p].next) {
		struct tf_source *src = &files[parts[p].file];
		const struct tf_family *fam = &src->f.fams[parts[p].fam];

		if (!parts[p].keep)
			continue;
		for (size_t i = fam->first; i < fam->first + fam->count && !c->err; i++) {
			struct label_ref lr[TEXTFILE_MAX_LABELS * 4];
			size_t n = 0;

			r = sample_labels(c, src, &src->f.samples[i], lnames, nln, lr, &n);
			if (r < 0)
				c->err = r;
			if (r)
				continue;
			if (!opened) {
				expo__family(c->w, ref->name, help.buf, type);
				opened = true;
			}
			put_sample(c, &src->f.samples[i], lr, n);
		}
	}
cleanup:
	free(help.buf);
}

void textfile__set_write(struct textfile_set *s, struct expo_writer *w)
{
	struct writer_ctx c = { .s = s, .w = w };
	struct name_set taken = { 0 }, fams = { 0 };
	struct take_ctx tc = { .taken = &taken, .sc = &c.sc };
	struct merged *m = NULL;
	struct part *parts = NULL;
	size_t nm = 0, np = 0, total = 0;
	static const char *const own[] = { "node_textfile_mtime_seconds",
					   "node_textfile_scrape_error", NULL };

	/* Names the agent writes (or will write after this) are taken before any file's. */
	if (w->preceding)
		expo__each_family(w->preceding, take_family, &tc);
	for (const char *const *r = w->reserved; r && *r; r++)
		take_family(&tc, *r, strlen(*r), EXPO_GAUGE);
	for (const char *const *r = own; *r; r++)
		take_family(&tc, *r, strlen(*r), EXPO_GAUGE);
	c.err = tc.err;

	for (size_t f = 0; f < s->n; f++)
		total += s->files[f].f.nfams;
	m = calloc(total ? total : 1, sizeof(*m));
	parts = calloc(total ? total : 1, sizeof(*parts));
	if (!m || !parts)
		c.err = -ENOMEM;
	for (size_t f = 0; f < s->n && !c.err; f++) {
		const struct tf_file *tf = &s->files[f].f;

		for (size_t k = 0; k < tf->nfams && !c.err; k++) {
			const char *name = tf->fams[k].name;
			size_t idx = 0;
			int r;

			if (!tf->fams[k].count)
				continue; /* HELP/TYPE without samples: nothing to serve */
			r = ns_find_or_add(&fams, name, strlen(name), nm, &idx);
			if (r < 0) {
				c.err = r;
				break;
			}
			parts[np] = (struct part){ .file = f, .fam = k, .next = SIZE_MAX };
			if (r == 0) {
				m[nm++] = (struct merged){ .head = np, .tail = np };
			} else {
				parts[m[idx].tail].next = np;
				m[idx].tail = np;
			}
			np++;
		}
	}
	for (size_t i = 0; i < nm && !c.err; i++)
		write_family(&c, &taken, parts, &m[i]);
	if (c.err && !w->err)
		w->err = c.err;

	for (size_t f = 0; f < s->n; f++) {
		for (int why = 0; why < DROP_CAUSES; why++)
			if (s->files[f].dropped[why])
				log_warn("textfile samples dropped", "file", s->files[f].path,
					 "samples", LOG_UINT(s->files[f].dropped[why]),
					 "first_metric", s->files[f].first[why], "reason",
					 drop_why[why]);
	}
	if (s->n) {
		expo__family(w, "node_textfile_mtime_seconds",
			     "Unixtime mtime of textfiles successfully read.", EXPO_GAUGE);
		for (size_t f = 0; f < s->n; f++) {
			struct expo_label l = { "file", s->files[f].path };

			expo__sample(w, "node_textfile_mtime_seconds", &l, 1, s->files[f].mtime);
		}
	}
	expo__family(w, "node_textfile_scrape_error",
		     "1 if there was an error opening or reading a file, 0 otherwise", EXPO_GAUGE);
	expo__sample(w, "node_textfile_scrape_error", NULL, 0, s->errored ? 1 : 0);

	free(m);
	free(parts);
	ns_free(&taken);
	ns_free(&fams);
	ns_free(&c.series);
	free(c.sc.buf);
	free(c.key.buf);
}

/* ---- collector ----------------------------------------------------------------------------- */

static int textfile_collect(struct expo_writer *w)
{
	struct textfile_set *set = NULL;
	char **names = NULL;
	size_t n = 0;
	int err;

	err = textfile__set_new(&set);
	if (err)
		return err;
	if (!opt_dir[0])
		goto report; /* no directory configured: not an error, as node_exporter */
	err = sysutil__list_dir(opt_dir, NULL, &names, &n);
	if (err) {
		log_warn("failed to read textfile collector directory", "path", opt_dir, "err",
			 LOG_ERR(err));
		textfile__set_error(set);
		goto report;
	}
	/* Go's ReadDir order is byte order, not version order. */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]), blen = 0;
		char path[PATH_MAX], *buf = NULL;
		struct stat st;

		if (len < 5 || strcmp(names[i] + len - 5, ".prom"))
			continue;
		if (fs__join(path, sizeof(path), opt_dir, names[i])) {
			textfile__set_error(set);
			continue;
		}
		/* Not followed: a link here could expose any file root can read. */
		err = fs__read_file_flags(path, FS_NOFOLLOW, TEXTFILE_MAX_BYTES, &buf, &blen);
		/* stat before the parse: a file rewritten meanwhile looks older, never fresher. */
		if (!err && lstat(path, &st))
			err = -errno;
		if (err) {
			log_warn("failed to collect textfile data", "file", names[i], "line", "0",
				 "err", fs__strerror(err));
			free(buf);
			textfile__set_error(set);
			continue;
		}
		/* Parse errors are logged and counted there. */
		textfile__set_add(set, path, buf, blen, (double)st.st_mtim.tv_sec);
	}
report:
	textfile__set_write(set, w);
	textfile__set_free(set);
	sysutil__free_list(names, n);
	return 0;
}

static struct collector textfile_collector = {
	.name = "textfile",
	.default_enabled = true,
	.last = true,
	.collect = textfile_collect,
};
NP_COLLECTOR(textfile_collector);
