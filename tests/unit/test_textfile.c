// SPDX-License-Identifier: Apache-2.0
/* Text-format validator used by the textfile collector. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/textfile.h"
#include "sys_fixture.h"

static int parse(const char *rel, struct tf_file *f)
{
	char *buf = sys_fixture(rel);
	unsigned int line;
	int err = textfile__parse(buf, f, &line);

	free(buf); /* f points into buf: only counts are used after this */
	return err;
}

Test(textfile, good_files)
{
	struct tf_file f;

	cr_assert_eq(parse("textfile/node_role.prom", &f), 0);
	cr_assert_eq(f.nfams, 2);
	cr_assert_eq(f.nsamples, 3);
	cr_assert_eq(f.fams[1].first, 1);
	cr_assert_eq(f.fams[1].count, 2);
	textfile__free(&f);
	cr_assert_eq(parse("textfile/apt.prom", &f), 0);
	cr_assert_eq(f.nfams, 3);
	cr_assert_eq(f.fams[2].count, 5); /* histogram: buckets, sum, count */
	textfile__free(&f);
}

Test(textfile, label_values)
{
	char buf[] = "# HELP a_b help \\\\ with \\n escapes\nx{a=\"q\\\"uote\",b=\"\"} -Inf\n";
	unsigned int line;
	struct tf_file f;

	cr_assert_eq(textfile__parse(buf, &f, &line), 0);
	cr_assert_eq(f.nsamples, 1);
	cr_assert_eq(f.samples[0].nlabels, 2);
	cr_assert_str_eq(tf_sample_labels(&f, &f.samples[0])[0].value, "q\\\"uote");
	cr_assert_str_eq(tf_sample_labels(&f, &f.samples[0])[1].name, "b");
	cr_assert_str_eq(f.samples[0].value, "-Inf");
	textfile__free(&f);
}

Test(textfile, timestamps_skip_file)
{
	struct tf_file f;

	cr_assert_eq(parse("textfile/timestamps.prom", &f), -EPROTO);
}

Test(textfile, hostile)
{
	static const char *const bad[] = {
		"textfile/broken.prom",	     "hostile/sys/tf.unterminated",
		"hostile/sys/tf.badescape",  "hostile/sys/tf.duphelp",
		"hostile/sys/tf.typeafter",  "hostile/sys/tf.split",
		"hostile/sys/tf.badvalue",   "hostile/sys/tf.badtype",
		"hostile/sys/tf.badname",    "hostile/sys/tf.duplabel",
		"hostile/sys/tf.reserved",   "hostile/sys/tf.manylabels",
		"hostile/sys/binary.random",
	};
	struct tf_file f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(parse(bad[i], &f), 0, "%s accepted", bad[i]);
	cr_assert_eq(parse("hostile/sys/empty", &f), 0);
	cr_assert_eq(f.nsamples, 0);
	textfile__free(&f);
}
