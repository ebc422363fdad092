// SPDX-License-Identifier: Apache-2.0
/* textfile collector: node_exporter 1.5's textfile collector. Every *.prom file in
 * --collector.textfile.directory is validated line by line (a strict subset of the text format
 * parser; a file that fails is skipped whole and sets node_textfile_scrape_error 1), families
 * are merged across files by name, label sets are completed with "" within a family as
 * node_exporter does, and node_textfile_mtime_seconds{file} is reported per file read. */
#include "textfile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct tf_family *find_fam(struct tf_file *f, const char *name)
{
	for (size_t i = f->nfams; i-- > 0;)
		if (!strcmp(f->fams[i].name, name))
			return &f->fams[i];
	return NULL;
}

static int add_fam(struct tf_file *f, const char *name, size_t *cap, struct tf_family **out)
{
	if (f->nfams == TEXTFILE_MAX_FAMILIES)
		return -E2BIG;
	if (f->nfams == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct tf_family *nf = realloc(f->fams, nc * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		f->fams = nf;
		*cap = nc;
	}
	*out = &f->fams[f->nfams++];
	**out = (struct tf_family){ .name = name, .type = "untyped" };
	return 0;
}

/* The family a sample name belongs to: itself, or for histogram/summary the base name. */
static struct tf_family *family_of(struct tf_file *f, const char *name)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	struct tf_family *fam = find_fam(f, name);
	size_t nl = strlen(name);

	if (fam)
		return fam;
	for (size_t i = 0; i < 3; i++) {
		size_t sl = strlen(sfx[i]);
		char base[256];

		if (nl <= sl || strcmp(name + nl - sl, sfx[i]) || nl - sl >= sizeof(base))
			continue;
		memcpy(base, name, nl - sl);
		base[nl - sl] = '\0';
		fam = find_fam(f, base);
		if (fam && (!strcmp(fam->type, "histogram") || !strcmp(fam->type, "summary"))) {
			if (i == 0 && strcmp(fam->type, "histogram"))
				continue;
			return fam;
		}
	}
	return NULL;
}

static int parse_comment(char *p, struct tf_file *f, size_t *fcap, struct tf_family **cur)
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
	fam = find_fam(f, name);
	if (fam && fam != *cur)
		return -EINVAL; /* a family's lines must be together */
	if (!fam) {
		err = add_fam(f, name, fcap, &fam);
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
	*cur = fam;
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
	struct tf_file f = { 0 };
	struct tf_family *cur = NULL;
	size_t fcap = 0, scap = 0, lcap = 0;
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
			err = parse_comment(l, &f, &fcap, &cur);
			if (err)
				goto cleanup;
			continue;
		}
		if (f.nsamples == TEXTFILE_MAX_SAMPLES) {
			err = -E2BIG;
			goto cleanup;
		}
		if (f.nsamples == scap) {
			size_t nc = scap ? scap * 2 : 64;
			struct tf_sample *ns = realloc(f.samples, nc * sizeof(*ns));
			size_t *nfo = realloc(fam_of, nc * sizeof(*nfo));

			if (ns)
				f.samples = ns;
			if (nfo)
				fam_of = nfo;
			if (!ns || !nfo) {
				err = -ENOMEM;
				goto cleanup;
			}
			scap = nc;
		}
		err = parse_sample(l, &f.samples[f.nsamples], lbl);
		if (err)
			goto cleanup;
		if (f.nlabels + f.samples[f.nsamples].nlabels > lcap) {
			size_t nc = lcap ? lcap * 2 : 256;
			struct tf_label *nlb;

			while (nc < f.nlabels + f.samples[f.nsamples].nlabels)
				nc *= 2;
			nlb = realloc(f.labels, nc * sizeof(*nlb));
			if (!nlb) {
				err = -ENOMEM;
				goto cleanup;
			}
			f.labels = nlb;
			lcap = nc;
		}
		f.samples[f.nsamples].first_label = f.nlabels;
		if (f.samples[f.nsamples].nlabels)
			memcpy(f.labels + f.nlabels, lbl,
			       f.samples[f.nsamples].nlabels * sizeof(*lbl));
		f.nlabels += f.samples[f.nsamples].nlabels;
		{
			struct tf_sample *s = &f.samples[f.nsamples];
			struct tf_family *fam = family_of(&f, s->name);

			if (!fam) {
				err = add_fam(&f, s->name, &fcap, &fam);
				if (err)
					goto cleanup;
			} else if (fam != cur) {
				err = -EINVAL; /* family split by another one */
				goto cleanup;
			}
			cur = fam;
			fam->count++;
			fam_of[f.nsamples] = (size_t)(fam - f.fams);
		}
		f.nsamples++;
	}
	/* Samples of a family are contiguous (enforced above): record where each starts. */
	for (size_t i = 0; i < f.nfams; i++)
		f.fams[i].count = 0;
	for (size_t i = 0; i < f.nsamples; i++) {
		struct tf_family *fam = &f.fams[fam_of[i]];

		if (!fam->count)
			fam->first = i;
		fam->count++;
	}
	*out = f;
	f = (struct tf_file){ 0 };
	*line = 0;
cleanup:
	free(fam_of);
	textfile__free(&f);
	return err;
}

/* ---- collector ---------------------------------------------------------------------------- */

struct tf_loaded {
	char path[PATH_MAX];
	char *buf;
	struct tf_file f;
	double mtime;
};

/* A scratch buffer for unescaped text, grown as needed; err set on allocation failure. */
struct scratch {
	char *buf;
	size_t len, cap;
	int err;
};

/* Appends s (escaped as in the file: \\, \n, \" ) unescaped plus a NUL to sc; returns its
 * offset in sc->buf, or (size_t)-1 after an allocation failure. Offsets, not pointers: the
 * buffer may move while a sample's labels are collected. */
static size_t scratch_unescape(struct scratch *sc, const char *s)
{
	size_t need = strlen(s) + 1, off = sc->len;

	if (sc->err)
		return (size_t)-1;
	if (sc->cap - sc->len < need) {
		size_t nc = sc->cap ? sc->cap : 256;
		char *nb;

		while (nc - sc->len < need)
			nc *= 2;
		nb = realloc(sc->buf, nc);
		if (!nb) {
			sc->err = -ENOMEM;
			return (size_t)-1;
		}
		sc->buf = nb;
		sc->cap = nc;
	}
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

/* One sample through the exposition writer: labels unescaped here, escaped again by expo, so
 * what a file says cannot break the output's syntax. With lnames, the label set is completed
 * to those names ("" for missing ones), as node_exporter does. */
static void write_sample(struct expo_writer *w, struct scratch *sc, const struct tf_file *tf,
			 const struct tf_sample *s, const char **lnames, size_t nln)
{
	const struct tf_label *lb = tf_sample_labels(tf, s);
	struct expo_label out[TEXTFILE_MAX_LABELS * 4];
	size_t offs[TEXTFILE_MAX_LABELS * 4];
	size_t n = 0;

	sc->len = 0;
	if (nln) {
		for (size_t k = 0; k < nln; k++) {
			const char *v = "";

			for (unsigned int j = 0; j < s->nlabels; j++)
				if (!strcmp(lb[j].name, lnames[k]))
					v = lb[j].value;
			out[n].name = lnames[k];
			offs[n++] = scratch_unescape(sc, v);
		}
	} else {
		for (unsigned int j = 0; j < s->nlabels && n < TEXTFILE_MAX_LABELS * 4; j++) {
			out[n].name = lb[j].name;
			offs[n++] = scratch_unescape(sc, lb[j].value);
		}
	}
	if (sc->err) {
		w->err = sc->err;
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i].value = sc->buf + offs[i];
	expo__sample(w, s->name, out, n, sample_value(s->value));
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

/* Emit one family merged over all files that define it (first file's HELP/TYPE win; a file
 * whose TYPE disagrees has its samples of that family dropped, as the Go registry would). */
static void emit_family(struct expo_writer *w, struct tf_loaded *files, size_t nf, size_t fi,
			size_t ki)
{
	const struct tf_family fam_copy = files[fi].f.fams[ki];
	const struct tf_family *fam = &fam_copy;
	bool simple = strcmp(fam->type, "histogram") && strcmp(fam->type, "summary");
	const char *lnames[TEXTFILE_MAX_LABELS * 4];
	struct scratch sc = { 0 };
	size_t nln = 0;

	if (fam->help) {
		size_t off = scratch_unescape(&sc, fam->help);

		if (off != (size_t)-1)
			expo__family(w, fam->name, sc.buf + off, expo_type_of(fam->type));
	} else {
		static const char prefix[] = "Metric read from ";
		size_t plen = sizeof(prefix) - 1, flen = strlen(files[fi].path);
		char *help = malloc(plen + flen + 1);

		if (help) {
			memcpy(help, prefix, plen);
			memcpy(help + plen, files[fi].path, flen + 1);
			expo__family(w, fam->name, help, expo_type_of(fam->type));
			free(help);
		} else {
			sc.err = -ENOMEM;
		}
	}
	if (sc.err) {
		w->err = sc.err;
		goto cleanup;
	}

	/* node_exporter gives every sample of a gauge/counter/untyped family the union of the
	 * family's label names, missing ones as "". */
	for (size_t f = fi; f < nf && simple; f++) {
		for (size_t k = 0; k < files[f].f.nfams; k++) {
			const struct tf_family *o = &files[f].f.fams[k];

			if (strcmp(o->name, fam->name) || strcmp(o->type, fam->type))
				continue;
			for (size_t s = o->first; s < o->first + o->count; s++) {
				const struct tf_sample *sm = &files[f].f.samples[s];
				const struct tf_label *lb = tf_sample_labels(&files[f].f, sm);

				for (unsigned int j = 0; j < sm->nlabels; j++) {
					bool seen = false;

					for (size_t q = 0; q < nln && !seen; q++)
						seen = !strcmp(lnames[q], lb[j].name);
					if (!seen && nln < sizeof(lnames) / sizeof(lnames[0]))
						lnames[nln++] = lb[j].name;
				}
			}
		}
	}
	if (nln)
		qsort(lnames, nln, sizeof(lnames[0]), cmp_str);
	for (size_t f = fi; f < nf; f++) {
		for (size_t k = 0; k < files[f].f.nfams; k++) {
			struct tf_family *o = &files[f].f.fams[k];

			if (strcmp(o->name, fam->name))
				continue;
			if (strcmp(o->type, fam->type)) {
				log_warn("%s: type of %s differs from an earlier "
					 "file, dropped",
					 files[f].path, o->name);
			} else {
				for (size_t s = o->first; s < o->first + o->count; s++)
					write_sample(w, &sc, &files[f].f, &files[f].f.samples[s],
						     lnames, simple ? nln : 0);
			}
			o->name = ""; /* emitted */
		}
	}
cleanup:
	free(sc.buf);
}

static int textfile_collect(struct expo_writer *w)
{
	struct tf_loaded *files = NULL;
	char **names = NULL;
	size_t n = 0, nf = 0;
	bool errored = false;
	int err;

	if (!opt_dir[0])
		goto report; /* no directory configured: not an error, as node_exporter */
	err = sysutil__list_dir(opt_dir, NULL, &names, &n);
	if (err) {
		log_warn("failed to read textfile collector directory %s: %s", opt_dir,
			 strerror(-err));
		errored = true;
		goto report;
	}
	/* Go's ReadDir order is byte order, not version order. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	files = calloc(n ? n : 1, sizeof(*files));
	if (!files) {
		errored = true;
		goto report;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		struct tf_loaded *t = &files[nf];
		unsigned int line = 0;
		struct stat st;

		if (len < 5 || strcmp(names[i] + len - 5, ".prom"))
			continue;
		if (fs__join(t->path, sizeof(t->path), opt_dir, names[i])) {
			errored = true;
			continue;
		}
		/* Not followed: a link here could expose any file root can read. */
		err = fs__read_file_flags(t->path, FS_NOFOLLOW, TEXTFILE_MAX_BYTES, &t->buf, NULL);
		if (!err)
			err = textfile__parse(t->buf, &t->f, &line);
		if (err == -EPROTO) {
			log_warn("textfile %s contains unsupported client-side "
				 "timestamps, skipping entire file",
				 t->path);
		} else if (err) {
			log_warn("failed to collect textfile data file=%s "
				 "line=%u: %s",
				 names[i], line, fs__strerror(err));
		}
		/* stat only after a good parse, so a broken file does not look fresh. */
		if (!err && lstat(t->path, &st))
			err = -errno;
		if (err) {
			errored = true;
			free(t->buf);
			textfile__free(&t->f);
			memset(t, 0, sizeof(*t));
			continue;
		}
		t->mtime = (double)st.st_mtim.tv_sec;
		nf++;
	}
	for (size_t f = 0; f < nf; f++)
		for (size_t k = 0; k < files[f].f.nfams; k++)
			if (files[f].f.fams[k].name[0] && files[f].f.fams[k].count)
				emit_family(w, files, nf, f, k);
	if (nf) {
		expo__family(w, "node_textfile_mtime_seconds",
			     "Unixtime mtime of textfiles successfully read.", EXPO_GAUGE);
		for (size_t f = 0; f < nf; f++) {
			struct expo_label l = { "file", files[f].path };

			expo__sample(w, "node_textfile_mtime_seconds", &l, 1, files[f].mtime);
		}
	}
report:
	expo__family(w, "node_textfile_scrape_error",
		     "1 if there was an error opening or reading a file, 0 otherwise", EXPO_GAUGE);
	expo__sample(w, "node_textfile_scrape_error", NULL, 0, errored ? 1 : 0);
	for (size_t f = 0; f < nf; f++) {
		free(files[f].buf);
		textfile__free(&files[f].f);
	}
	free(files);
	sysutil__free_list(names, n);
	return 0;
}

static struct collector textfile_collector = {
	.name = "textfile",
	.default_enabled = true,
	.collect = textfile_collect,
};
NP_COLLECTOR(textfile_collector);
