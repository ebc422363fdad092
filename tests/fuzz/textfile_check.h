// SPDX-License-Identifier: Apache-2.0
/* Invariants of the textfile collector's output on any input, shared by the libFuzzer target
 * and the unit test that replays the committed corpus. The input is split into files at lines
 * "#FILE"; they are merged after a fixed stand-in for the agent's own families, and the whole
 * exposition is checked against the rules Prometheus' text parser (and promtool) apply: one
 * HELP and one TYPE per family, each family's samples together under its TYPE, no name written
 * by two families, unique series, valid UTF-8, valid names, escapes and values. Returns NULL or
 * a description of the broken rule. */
#ifndef NODEPATH_TEXTFILE_CHECK_H
#define NODEPATH_TEXTFILE_CHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/textfile.h"
#include "expo.h"

#define TF_CHECK_MAX_FILES 8

struct tf_strs {
	char **v;
	size_t n, cap;
	bool oom;
};

static inline void tf_strs_add(struct tf_strs *s, const char *p, size_t n)
{
	char *c;

	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		char **nv = realloc(s->v, nc * sizeof(*nv));

		if (!nv) {
			s->oom = true;
			return;
		}
		s->v = nv;
		s->cap = nc;
	}
	c = malloc(n + 1);
	if (!c) {
		s->oom = true;
		return;
	}
	memcpy(c, p, n);
	c[n] = '\0';
	s->v[s->n++] = c;
}

static inline void tf_strs_free(struct tf_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static inline int tf_strs_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if two entries are equal. */
static inline bool tf_strs_dup(struct tf_strs *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), tf_strs_cmp);
	for (size_t i = 1; i < s->n; i++)
		if (!strcmp(s->v[i - 1], s->v[i]))
			return true;
	return false;
}

static inline bool tf_is_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		size_t k;
		unsigned int cp;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			k = 2, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			k = 3, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			k = 4, cp = *p & 0x07;
		else
			return false;
		if ((size_t)(e - p) < k)
			return false;
		for (size_t i = 1; i < k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += k;
	}
	return true;
}

static inline size_t tf_name_len(const char *p, const char *e, bool colon)
{
	size_t n = 0;

	while (p + n < e) {
		char c = p[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (colon && c == ':') || (n && c >= '0' && c <= '9');

		if (!ok)
			break;
		n++;
	}
	return n;
}

static inline const char *tf_suffixes(const char *type)
{
	/* space-separated, each with its leading '_' */
	if (!strcmp(type, "histogram"))
		return "_bucket _sum _count";
	if (!strcmp(type, "summary"))
		return "_sum _count";
	return "";
}

/* Adds name and name+each suffix of type to s. */
static inline void tf_occupy(struct tf_strs *s, const char *name, size_t nl, const char *type)
{
	const char *sfx = tf_suffixes(type);
	char *buf = malloc(nl + 8);

	if (!buf) {
		s->oom = true;
		return;
	}
	tf_strs_add(s, name, nl);
	memcpy(buf, name, nl);
	while (*sfx) {
		const char *sp = strchr(sfx, ' ');
		size_t sl = sp ? (size_t)(sp - sfx) : strlen(sfx);

		memcpy(buf + nl, sfx, sl);
		tf_strs_add(s, buf, nl + sl);
		sfx += sl + (sp ? 1 : 0);
	}
	free(buf);
}

/* Does the sample name belong to the open family (its name, or a suffix of its type)? */
static inline bool tf_in_family(const char *fam, size_t fl, const char *type, const char *name,
				size_t n)
{
	const char *sfx = tf_suffixes(type);

	if (n < fl || memcmp(name, fam, fl))
		return false;
	if (n == fl)
		return true;
	while (*sfx) {
		const char *sp = strchr(sfx, ' ');
		size_t sl = sp ? (size_t)(sp - sfx) : strlen(sfx);

		if (n - fl == sl && !memcmp(name + fl, sfx, sl))
			return true;
		sfx += sl + (sp ? 1 : 0);
	}
	return false;
}

/* The rules on one whole exposition (text, len bytes). */
static inline const char *tf_exposition_check(const char *text, size_t len)
{
	struct tf_strs fams = { 0 }, occupied = { 0 }, series = { 0 };
	const char *p = text, *end = text + len, *why = NULL;
	/* The open family and the last HELP's name point into text: names have no length cap. */
	const char *fam = NULL, *help_of = NULL;
	size_t fam_len = 0, help_len = 0;
	char type[16] = "", *key = NULL;
	size_t fam_samples = 1;

	if (len && text[len - 1] != '\n')
		return "output does not end with a newline";
	if (!tf_is_utf8(text, len))
		return "output is not valid UTF-8";
	if (memchr(text, '\0', len))
		return "output holds a NUL byte";
	while (p < end && !why) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q;
		size_t nl;

		if (p[0] == '#') {
			bool is_help = !strncmp(p, "# HELP ", 7);

			if (!is_help && strncmp(p, "# TYPE ", 7)) {
				why = "comment that is neither HELP nor TYPE";
				break;
			}
			q = p + 7;
			nl = tf_name_len(q, eol, true);
			if (!nl || q[nl] != ' ') {
				why = "bad name in HELP/TYPE";
				break;
			}
			if (is_help) {
				for (const char *h = q + nl + 1; h < eol; h++)
					if (*h == '\\' && (++h >= eol || (*h != '\\' && *h != 'n')))
						why = "bad escape in HELP";
				if (!fam_samples)
					why = "family without samples";
				help_of = q;
				help_len = nl;
			} else {
				const char *t = q + nl + 1;
				size_t tl = (size_t)(eol - t);

				if (!help_of || help_len != nl || memcmp(help_of, q, nl))
					why = "TYPE not right after its HELP";
				else if (tl >= sizeof(type))
					why = "bad TYPE";
				if (why)
					break;
				memcpy(type, t, tl);
				type[tl] = '\0';
				if (strcmp(type, "counter") && strcmp(type, "gauge") &&
				    strcmp(type, "histogram") && strcmp(type, "summary") &&
				    strcmp(type, "untyped")) {
					why = "unknown TYPE";
					break;
				}
				fam = q;
				fam_len = nl;
				help_of = NULL;
				tf_strs_add(&fams, fam, nl);
				tf_occupy(&occupied, fam, nl, type);
				fam_samples = 0;
			}
		} else {
			size_t kl;
			struct tf_strs labels = { 0 }, pairs = { 0 };
			char *vend;

			nl = tf_name_len(p, eol, true);
			if (!nl) {
				why = "bad sample name";
				break;
			}
			/* Pairs are no longer than their text in the line: the key fits. */
			free(key);
			key = malloc((size_t)(eol - p) + 2);
			if (!key) {
				why = "checker out of memory";
				break;
			}
			if (!fam || !tf_in_family(fam, fam_len, type, p, nl)) {
				why = "sample outside its family (or before any TYPE)";
				break;
			}
			fam_samples++;
			kl = nl;
			memcpy(key, p, kl);
			q = p + nl;
			if (*q == '{') {
				q++;
				while (q < eol && *q != '}' && !why) {
					size_t ll = tf_name_len(q, eol, false);
					const char *v;

					if (!ll || q[ll] != '=' || q[ll + 1] != '"' ||
					    (ll >= 2 && q[0] == '_' && q[1] == '_')) {
						why = "bad label name";
						break;
					}
					v = q + ll + 2;
					while (v < eol && *v != '"') {
						if (*v == '\\') {
							v++;
							if (v >= eol || (*v != '\\' && *v != '"' &&
									 *v != 'n')) {
								why = "bad escape in label value";
								break;
							}
						}
						v++;
					}
					if (why)
						break;
					if (v >= eol) {
						why = "unterminated label value";
						break;
					}
					tf_strs_add(&labels, q, ll);
					/* An empty label is no label to Prometheus. */
					if (v > q + ll + 2)
						tf_strs_add(&pairs, q, (size_t)(v - q) + 1);
					q = v + 1;
					if (*q == ',')
						q++;
				}
				if (!why && (q >= eol || *q != '}'))
					why = "unterminated label set";
				q++;
				if (!why && tf_strs_dup(&labels))
					why = "label name twice in one sample";
				/* The series key: name and the non-empty pairs in name order. */
				if (!why && pairs.n > 1)
					qsort(pairs.v, pairs.n, sizeof(*pairs.v), tf_strs_cmp);
				for (size_t i = 0; i < pairs.n; i++) {
					size_t pl = strlen(pairs.v[i]);

					key[kl++] = '\x01';
					memcpy(key + kl, pairs.v[i], pl);
					kl += pl;
				}
			}
			tf_strs_free(&pairs);
			tf_strs_free(&labels);
			if (why)
				break;
			if (*q != ' ') {
				why = "no blank before the value";
				break;
			}
			q++;
			{
				char num[64];
				size_t vl = (size_t)(eol - q);

				if (!vl || vl >= sizeof(num)) {
					why = "bad value";
					break;
				}
				memcpy(num, q, vl);
				num[vl] = '\0';
				if (strcmp(num, "NaN") && strcmp(num, "+Inf") &&
				    strcmp(num, "-Inf")) {
					strtod(num, &vend);
					if (*vend || vend == num)
						why = "bad value";
				}
			}
			key[kl] = '\0';
			tf_strs_add(&series, key, kl);
		}
		p = eol + 1;
	}
	if (!why && !fam_samples)
		why = "family without samples";
	if (!why && (fams.oom || occupied.oom || series.oom))
		why = "checker out of memory";
	if (!why && tf_strs_dup(&fams))
		why = "a family's HELP/TYPE written twice";
	if (!why && tf_strs_dup(&occupied))
		why = "two families write the same metric name";
	if (!why && tf_strs_dup(&series))
		why = "a series written twice";
	free(key);
	tf_strs_free(&fams);
	tf_strs_free(&occupied);
	tf_strs_free(&series);
	return why;
}

/* The agent's families that come before textfile output in this check (a stand-in for what
 * the other collectors and the registry write), then what the registry writes after. */
static inline void tf_check_agent(struct expo_writer *w)
{
	static const double bounds[] = { 0.001, 0.01 };
	static const uint64_t cum[] = { 1, 2 };
	struct expo_label l = { "collector", "cpu" };

	expo__family(w, "node_load1", "1m load average.", EXPO_GAUGE);
	expo__sample(w, "node_load1", NULL, 0, 0.5);
	expo__family(w, "nodepath_attach_latency_seconds", "Attach latency.", EXPO_HISTOGRAM);
	expo__histogram(w, "nodepath_attach_latency_seconds", NULL, 0, bounds, cum, 2, 0.01, 3);
	expo__family(w, "process_cpu_seconds_total", "CPU time.", EXPO_COUNTER);
	expo__sample(w, "process_cpu_seconds_total", NULL, 0, 1.25);
	expo__family(w, "go_info", "Go-style build info.", EXPO_GAUGE);
	expo__sample(w, "go_info", &l, 1, 1);
}

/* Runs the input as up to TF_CHECK_MAX_FILES files through the collector's merge into an
 * exposition, checks it, and returns NULL or the broken rule. *out_text (if given) gets the
 * exposition (caller frees), *dropped the samples dropped. */
static inline const char *textfile_check_ex(const char *data, size_t len, char **out_text,
					    size_t *dropped)
{
	static const char *const reserved[] = { "node_scrape_collector_success", NULL };
	static const char sep[] = "#FILE\n";
	struct expo_writer agent = { 0 }, late = { 0 }, all = { 0 };
	struct textfile_set *set = NULL;
	struct expo_label l = { "collector", "cpu" };
	const char *p = data, *end = data + len, *why = NULL;
	size_t nfiles = 0, pre_len;

	if (textfile__set_new(&set))
		return "out of memory";
	tf_check_agent(&agent);
	late.preceding = &agent;
	late.reserved = reserved;
	while (p <= end && nfiles < TF_CHECK_MAX_FILES) {
		const char *cut = NULL;
		char path[32], *buf;
		size_t n;

		for (const char *s = p; s + sizeof(sep) - 1 <= end; s++) {
			if ((s == data || s[-1] == '\n') && !memcmp(s, sep, sizeof(sep) - 1)) {
				if (s != p) {
					cut = s;
					break;
				}
			}
		}
		if (nfiles == TF_CHECK_MAX_FILES - 1)
			cut = NULL;
		n = (size_t)((cut ? cut : end) - p);
		buf = malloc(n + 1);
		if (!buf) {
			why = "out of memory";
			goto cleanup;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		snprintf(path, sizeof(path), "/tf/f%zu.prom", nfiles);
		textfile__set_add(set, path, buf, n, 1700000000 + (double)nfiles);
		nfiles++;
		if (!cut)
			break;
		p = cut;
	}
	textfile__set_write(set, &late);
	if (dropped)
		*dropped = textfile__set_dropped(set);
	if (late.err) {
		why = late.err == -ENOMEM ? NULL : "writer refused what the collector wrote";
		goto cleanup;
	}
	/* What the registry writes between the collectors and the textfile's output. */
	expo__family(&agent, "node_scrape_collector_success", "Whether a collector succeeded.",
		     EXPO_GAUGE);
	expo__sample(&agent, "node_scrape_collector_success", &l, 1, 1);
	pre_len = agent.len;
	expo__append(&all, &agent);
	expo__append(&all, &late);
	if (all.err)
		goto cleanup;
	if (all.len < pre_len || memcmp(all.buf, agent.buf, pre_len)) {
		why = "agent's own families changed";
		goto cleanup;
	}
	why = tf_exposition_check(all.buf, all.len);
	if (!why && out_text) {
		*out_text = all.buf;
		all.buf = NULL;
	}
cleanup:
	expo__fini(&agent);
	expo__fini(&late);
	expo__fini(&all);
	textfile__set_free(set);
	return why;
}

static inline const char *textfile_check(const char *data, size_t len)
{
	return textfile_check_ex(data, len, NULL, NULL);
}

#endif
