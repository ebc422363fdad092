// SPDX-License-Identifier: Apache-2.0
/* textfile collector: *.prom files from --collector.textfile.directory. */
#ifndef NODEPATH_COLLECTORS_TEXTFILE_H
#define NODEPATH_COLLECTORS_TEXTFILE_H

#include <stddef.h>

#define TEXTFILE_MAX_LABELS 64 /* per sample */
#define TEXTFILE_MAX_SAMPLES 200000
#define TEXTFILE_MAX_FAMILIES 20000

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
	return f->labels + s->first_label;
}

/* Strict validator/parser for the Prometheus text format 0.0.4, in place (buf is modified and
 * must outlive *out). Rejects what node_exporter's expfmt parser rejects that matters here:
 * bad names, bad escapes, unterminated label sets, non-float values, duplicate HELP/TYPE, TYPE
 * after samples, unknown types, samples of one family split by another, and client-side
 * timestamps (-EPROTO: node_exporter skips such a file). 0, -EINVAL, -EPROTO, -E2BIG, -ENOMEM.
 * On error *out is empty. *line gets the 1-based line of the error. */
int textfile__parse(char *buf, struct tf_file *out, unsigned int *line);
void textfile__free(struct tf_file *f);

#endif
