// SPDX-License-Identifier: Apache-2.0
/* textfile collector: *.prom files from --collector.textfile.directory, parsed, merged across
 * files and written after the agent's own families with whatever would break the exposition
 * dropped. */
#ifndef NODEPATH_COLLECTORS_TEXTFILE_H
#define NODEPATH_COLLECTORS_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "expo.h"

#define TEXTFILE_MAX_LABELS 64 /* per sample */
#define TEXTFILE_MAX_SAMPLES 200000
#define TEXTFILE_MAX_FAMILIES TEXTFILE_MAX_SAMPLES

struct tf_label {
	const char *name;
	const char *value; /* still escaped exactly as in the file (validated) */
};

struct tf_sample {
	const char *name;
	const char *value; /* validated float text */
	unsigned int nlabels;
	size_t first_label; /* index into tf_file.labels */
};

struct tf_family {
	const char *name;
	const char *help;    /* escaped as in the file, NULL if none */
	const char *type;    /* counter|gauge|histogram|summary|untyped */
	size_t first, count; /* samples[first .. first+count) after textfile__parse */
	int type_set;
};

struct tf_file {
	struct tf_family *fams;
	size_t nfams;
	struct tf_sample *samples;
	size_t nsamples;
	struct tf_label *labels; /* all samples' labels, in sample order */
	size_t nlabels;
};

static inline const struct tf_label *tf_sample_labels(const struct tf_file *f,
						      const struct tf_sample *s)
{
	/* A file without any label has no label array at all. */
	return f->labels ? f->labels + s->first_label : NULL;
}

/* Strict validator/parser for the Prometheus text format 0.0.4, in place (buf is modified and
 * must outlive *out). Rejects what node_exporter's expfmt parser rejects that matters here:
 * bad names, bad escapes, unterminated label sets, non-float values, duplicate HELP/TYPE, TYPE
 * after samples, unknown types, samples of one family split by another, and client-side
 * timestamps (-EPROTO: node_exporter skips such a file). 0, -EINVAL, -EPROTO, -E2BIG, -ENOMEM.
 * On error *out is empty. *line gets the 1-based line of the error. */
int textfile__parse(char *buf, struct tf_file *out, unsigned int *line);
void textfile__free(struct tf_file *f);

/* The files of one scrape. textfile__set_add parses a file (taking buf, len bytes plus a NUL,
 * allocated with malloc) or logs why it cannot and marks the set errored; textfile__set_write
 * then writes every family once, in first-seen order, after w->preceding and w->reserved:
 *  - a family whose name (or a histogram/summary's _bucket/_sum/_count) the agent or an
 *    earlier family already uses is dropped;
 *  - a later file's part of a family whose TYPE or HELP differs from the first file's is
 *    dropped; parts without HELP get "Metric read from <files>", as node_exporter gives them;
 *  - a sample whose series (name and label set, order and empty values aside) came before, or
 *    whose label values or HELP are not UTF-8, is dropped;
 * then node_textfile_mtime_seconds{file} and node_textfile_scrape_error, 1 if anything was
 * dropped or unreadable. Every drop is logged once per file and cause. */
struct textfile_set;

int textfile__set_new(struct textfile_set **out);
void textfile__set_error(struct textfile_set *s);
int textfile__set_add(struct textfile_set *s, const char *path, char *buf, size_t len,
		      double mtime);
void textfile__set_write(struct textfile_set *s, struct expo_writer *w);
/* Samples textfile__set_write dropped (0 before it ran). */
size_t textfile__set_dropped(const struct textfile_set *s);
void textfile__set_free(struct textfile_set *s);

#endif
