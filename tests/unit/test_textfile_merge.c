// SPDX-License-Identifier: Apache-2.0
/* The textfile collector's merge: what it drops so that the exposition always parses and the
 * agent's own families stay the agent's, with exact output, and 80,000 families served whole. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/textfile_check.h"
#include "collectors/textfile.h"
#include "expo.h"
#include "fsutil.h"
#include "log.h"

/* Every drop is logged on purpose here (tests/e2e/textfile_merge.test.sh checks the lines). */
static void quiet(void)
{
	log__set_level("error");
}

TestSuite(textfile_merge, .init = quiet);

/* The textfile part of the exposition (after the stand-in agent families). */
static char *merged(const char *input, size_t *dropped)
{
	char *out = NULL, *tail;
	const char *why = textfile_check_ex(input, strlen(input), &out, dropped);
	static const char mark[] = "node_scrape_collector_success{collector=\"cpu\"} 1\n";

	cr_assert_null(why, "%s", why);
	tail = strstr(out, mark);
	cr_assert_not_null(tail);
	tail += sizeof(mark) - 1;
	memmove(out, tail, strlen(tail) + 1);
	/* Drop the mtime/error families' HELP/TYPE lines to keep expectations short. */
	for (char *p; (p = strstr(out, "# HELP node_textfile_")) ||
		      (p = strstr(out, "# TYPE node_textfile_"));)
		memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	return out;
}

#define MT0 "node_textfile_mtime_seconds{file=\"/tf/f0.prom\"} 1.7e+09\n"
#define MT1 "node_textfile_mtime_seconds{file=\"/tf/f1.prom\"} 1.700000001e+09\n"
#define ERR(v) "node_textfile_scrape_error " #v "\n"

static void expect(const char *input, const char *want, size_t want_dropped)
{
	size_t dropped = 99;
	char *out = merged(input, &dropped);

	cr_expect_str_eq(out, want, "input:\n%s", input);
	cr_expect_eq(dropped, want_dropped, "input:\n%s\ndropped %zu", input, dropped);
	free(out);
}

Test(textfile_merge, agent_families_cannot_be_redefined)
{
	expect("node_load1 5\nok_a 1\n",
	       "# HELP ok_a Metric read from /tf/f0.prom\n# TYPE ok_a untyped\nok_a 1\n" MT0 ERR(1),
	       1);
	/* A file cannot fake a collector's failure: the registry's family is reserved. */
	expect("# TYPE node_scrape_collector_success gauge\n"
	       "node_scrape_collector_success{collector=\"cpu\"} 0\n",
	       MT0 ERR(1), 1);
	/* Names a histogram of the agent's writes, and a summary over an agent's gauge. */
	expect("nodepath_attach_latency_seconds_count 4\n", MT0 ERR(1), 1);
	expect("# TYPE node_load1 summary\nnode_load1_sum 1\nnode_load1_count 1\n", MT0 ERR(1), 2);
	expect("process_cpu_seconds_total 99\ngo_info{version=\"x\"} 1\n", MT0 ERR(1), 2);
	expect("node_textfile_scrape_error 0\n", MT0 ERR(1), 1);
	/* No collision: node_load's summary names are all free. */
	expect("# TYPE node_load summary\nnode_load_sum 1\nnode_load_count 2\n",
	       "# HELP node_load Metric read from /tf/f0.prom\n# TYPE node_load summary\n"
	       "node_load_sum 1\nnode_load_count 2\n" MT0 ERR(0),
	       0);
}

Test(textfile_merge, duplicate_series)
{
	expect(
	    "foo{a=\"1\"} 1\nfoo{a=\"1\"} 2\n",
	    "# HELP foo Metric read from /tf/f0.prom\n# TYPE foo untyped\nfoo{a=\"1\"} 1\n" MT0 ERR(
		1),
	    1);
	/* Label order and empty labels do not make another series. */
	expect("dd{a=\"1\",b=\"2\"} 1\ndd{b=\"2\",a=\"1\"} 3\ndd{b=\"2\",a=\"1\",c=\"\"} 4\n",
	       "# HELP dd Metric read from /tf/f0.prom\n# TYPE dd untyped\n"
	       "dd{a=\"1\",b=\"2\",c=\"\"} 1\n" MT0 ERR(1),
	       2);
	expect("same 1\n#FILE\nsame 2\n",
	       "# HELP same Metric read from /tf/f0.prom, /tf/f1.prom\n# TYPE same untyped\n"
	       "same 1\n" MT0 MT1 ERR(1),
	       1);
	expect(
	    "# TYPE hh histogram\nhh_bucket{le=\"1\",a=\"x\"} 1\nhh_bucket{a=\"x\",le=\"1\"} 2\n",
	    "# HELP hh Metric read from /tf/f0.prom\n# TYPE hh histogram\n"
	    "hh_bucket{a=\"x\",le=\"1\"} 1\n" MT0 ERR(1),
	    1);
}

Test(textfile_merge, conflicts_between_files)
{
	expect("# TYPE t counter\nt 1\n#FILE\n# TYPE t gauge\nt 2\n",
	       "# HELP t Metric read from /tf/f0.prom, /tf/f1.prom\n# TYPE t counter\nt 1\n" MT0 MT1
		   ERR(1),
	       1);
	expect("# HELP h one\nh{f=\"f\"} 1\n#FILE\n# HELP h two\nh{f=\"g\"} 1\n",
	       "# HELP h one\n# TYPE h untyped\nh{f=\"f\"} 1\n" MT0 MT1 ERR(1), 1);
	/* Same family, no HELP anywhere: merged, as node_exporter does. */
	expect("n{f=\"f\"} 1\n#FILE\nn{f=\"g\"} 1\n",
	       "# HELP n Metric read from /tf/f0.prom, /tf/f1.prom\n# TYPE n untyped\n"
	       "n{f=\"f\"} 1\nn{f=\"g\"} 1\n" MT0 MT1 ERR(0),
	       0);
	/* A histogram's x_count and a gauge x_count: the later family goes, either way round. */
	expect("# TYPE x histogram\nx_bucket{le=\"+Inf\"} 1\nx_sum 1\nx_count 1\n#FILE\n"
	       "# TYPE x_count gauge\nx_count 2\n",
	       "# HELP x Metric read from /tf/f0.prom\n# TYPE x histogram\n"
	       "x_bucket{le=\"+Inf\"} 1\nx_sum 1\nx_count 1\n" MT0 MT1 ERR(1),
	       1);
	expect(
	    "# TYPE y_count gauge\ny_count 2\n#FILE\n# TYPE y histogram\ny_sum 1\ny_count 1\n",
	    "# HELP y_count Metric read from /tf/f0.prom\n# TYPE y_count gauge\ny_count 2\n" MT0 MT1
		ERR(1),
	    2);
}

Test(textfile_merge, invalid_utf8)
{
	expect("u{x=\"\xff\"} 1\nu{x=\"ok\"} 2\nv 3\n",
	       "# HELP u Metric read from /tf/f0.prom\n# TYPE u untyped\nu{x=\"ok\"} 2\n"
	       "# HELP v Metric read from /tf/f0.prom\n# TYPE v untyped\nv 3\n" MT0 ERR(1),
	       1);
	/* Surrogates and overlong forms are not UTF-8 either; the family is not opened. */
	expect("o{x=\"\xed\xa0\x80\"} 1\no{x=\"\xc0\xaf\"} 2\n", MT0 ERR(1), 2);
	expect("# HELP w bad \xc3\x28\nw 1\nw2 2\n",
	       "# HELP w2 Metric read from /tf/f0.prom\n# TYPE w2 untyped\nw2 2\n" MT0 ERR(1), 1);
	expect(
	    "e{x=\"\xf0\x9f\x98\x80\"} 1\n",
	    "# HELP e Metric read from /tf/f0.prom\n# TYPE e untyped\ne{x=\"\xf0\x9f\x98\x80\"} 1\n" MT0
		ERR(0),
	    0);
}

Test(textfile_merge, unparsable_files_are_skipped_whole)
{
	/* Bad names, reserved labels, timestamps, a NUL: the file goes, the next one stays. */
	static const char *const bad[] = { "0abc 1\n",	       "x{__name__=\"y\"} 1\n",
					   "x{a-b=\"y\"} 1\n", "a 1 1700000000\n",
					   "a 1\r\n",	       "a 1\nb 1\na 2\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char in[256];

		snprintf(in, sizeof(in), "%s#FILE\nok 1\n", bad[i]);
		expect(in,
		       "# HELP ok Metric read from /tf/f1.prom\n# TYPE ok untyped\nok 1\n"
		       "node_textfile_mtime_seconds{file=\"/tf/f1.prom\"} 1.700000001e+09\n" ERR(1),
		       0);
	}
	{
		char nul[] = "a 1\n\0b 2\n";
		struct textfile_set *s = NULL;
		struct expo_writer w = { 0 };
		char *buf = malloc(sizeof(nul));

		cr_assert_not_null(buf);
		memcpy(buf, nul, sizeof(nul));
		cr_assert_eq(textfile__set_new(&s), 0);
		cr_expect_eq(textfile__set_add(s, "/tf/nul.prom", buf, sizeof(nul) - 1, 1),
			     -EINVAL);
		textfile__set_write(s, &w);
		cr_expect_str_eq(w.buf, "# HELP node_textfile_scrape_error 1 if there was an error "
					"opening or reading a file, 0 otherwise\n"
					"# TYPE node_textfile_scrape_error gauge\n"
					"node_textfile_scrape_error 1\n");
		textfile__set_free(s);
		expo__fini(&w);
	}
}

/* The families of the agent a scrape wrote come first and stay as they were. */
Test(textfile_merge, preceding_output_is_scanned)
{
	struct expo_writer agent = { 0 }, late = { 0 };
	struct textfile_set *s = NULL;
	char *buf = strdup("a_seconds 1\nb 2\nc_total 3\n");
	static const char *const reserved[] = { "c_total", NULL };

	expo__family(&agent, "a_seconds", "h", EXPO_SUMMARY);
	expo__sample(&agent, "a_seconds_sum", NULL, 0, 1);
	expo__family(&agent, "b_sum", "h", EXPO_GAUGE);
	expo__sample(&agent, "b_sum", NULL, 0, 1);
	late.preceding = &agent;
	late.reserved = reserved;
	cr_assert_eq(textfile__set_new(&s), 0);
	cr_assert_eq(textfile__set_add(s, "/x.prom", buf, strlen(buf), 2), 0);
	textfile__set_write(s, &late);
	cr_expect_eq(textfile__set_dropped(s), 2); /* a_seconds and c_total; b is free */
	cr_expect_str_eq(late.buf,
			 "# HELP b Metric read from /x.prom\n# TYPE b untyped\nb 2\n"
			 "# HELP node_textfile_mtime_seconds Unixtime mtime of textfiles "
			 "successfully read.\n# TYPE node_textfile_mtime_seconds gauge\n"
			 "node_textfile_mtime_seconds{file=\"/x.prom\"} 2\n"
			 "# HELP node_textfile_scrape_error 1 if there was an error opening "
			 "or reading a file, 0 otherwise\n"
			 "# TYPE node_textfile_scrape_error gauge\n"
			 "node_textfile_scrape_error 1\n");
	textfile__set_free(s);
	expo__fini(&agent);
	expo__fini(&late);
}

/* 80,000 families in 4 files (plus one family all files share) are all served, each once. */
Test(textfile_merge, eighty_thousand_families, .timeout = 600)
{
	struct textfile_set *s = NULL;
	struct expo_writer w = { 0 };
	size_t types = 0, samples = 0, shared = 0;

	cr_assert_eq(textfile__set_new(&s), 0);
	for (int f = 0; f < 4; f++) {
		size_t cap = 20000 * 96 + 128, len = 0;
		char *buf = malloc(cap), path[32];

		cr_assert_not_null(buf);
		for (int i = 0; i < 20000; i++)
			len +=
			    (size_t)snprintf(buf + len, cap - len,
					     "# HELP fam_%d_%05d Family %d.\n"
					     "# TYPE fam_%d_%05d gauge\nfam_%d_%05d{i=\"%d\"} %d\n",
					     f, i, i, f, i, f, i, i, i);
		len += (size_t)snprintf(buf + len, cap - len, "shared{file=\"%d\"} 1\n", f);
		cr_assert_lt(len, cap);
		snprintf(path, sizeof(path), "/tf/big%d.prom", f);
		cr_assert_eq(textfile__set_add(s, path, buf, len, 0), 0);
	}
	textfile__set_write(s, &w);
	cr_assert_eq(w.err, 0);
	cr_expect_eq(textfile__set_dropped(s), 0);
	for (const char *p = w.buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "# TYPE ", 7))
			types++;
		else if (p[0] != '#')
			samples++;
		if (!strncmp(p, "shared{", 7))
			shared++;
	}
	/* 80,000 + shared + node_textfile_mtime_seconds + node_textfile_scrape_error */
	cr_expect_eq(types, 80003);
	/* one per family, 4 shared, 4 mtimes, 1 scrape_error */
	cr_expect_eq(samples, 80000 + 4 + 4 + 1);
	cr_expect_eq(shared, 4);
	cr_expect_not_null(strstr(w.buf, "\nnode_textfile_scrape_error 0\n"));
	cr_expect_not_null(strstr(w.buf, "fam_3_19999{i=\"19999\"} 19999\n"));
	cr_expect_null(tf_exposition_check(w.buf, w.len));
	textfile__set_free(s);
	expo__fini(&w);
}

/* promtool's exit status on text: 0 clean, 3 lint findings only (names such as a counter
 * without _total, which files may have), 1 a parse error. */
static int promtool(const char *text, size_t len, char *err, size_t errcap)
{
	char in[] = "/tmp/np-tf-promtool-XXXXXX", cmd[256];
	int fd = mkstemp(in), rc;
	FILE *f;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s 2>&1", in);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	err[0] = '\0';
	while (fgets(err, (int)errcap, f) && !strstr(err, "error"))
		;
	rc = pclose(f);
	unlink(in);
	cr_assert(WIFEXITED(rc), "promtool did not exit");
	cr_assert_neq(WEXITSTATUS(rc), 127, "promtool missing (package prometheus)");
	return WEXITSTATUS(rc);
}

/* The real promtool on what the collector writes for every committed corpus input. */
Test(textfile_merge, promtool_accepts_corpus_outputs, .timeout = 600)
{
	static const char bad[] = "# TYPE a gauge\na 1\n# TYPE a gauge\na 2\n";
	char err[512];
	size_t n = 0;
	DIR *d = opendir(NP_FIXTURES "/../fuzz/corpus/textfile");
	struct dirent *de;

	/* The control: promtool does refuse what the merge prevents. */
	cr_assert_eq(promtool(bad, sizeof(bad) - 1, err, sizeof(err)), 1);
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], *buf = NULL, *out = NULL;
		size_t len = 0;
		const char *why;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NP_FIXTURES "/../fuzz/corpus/textfile/%s", de->d_name);
		cr_assert_eq(fs__read_file(path, 1 << 20, &buf, &len), 0, "%s", path);
		why = textfile_check_ex(buf, len, &out, NULL);
		cr_assert_null(why, "%s: %s", de->d_name, why);
		rc = promtool(out, strlen(out), err, sizeof(err));
		cr_expect(rc == 0 || rc == 3, "%s: promtool exit %d: %s", de->d_name, rc, err);
		free(buf);
		free(out);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 40);
}

/* collect[]=textfile alone: nothing precedes, only the reserved names are taken. */
Test(textfile_merge, empty_preceding_writer)
{
	struct expo_writer none = { 0 }, late = { .preceding = &none };
	struct textfile_set *s = NULL;
	char *buf = strdup("node_load1 3\n");

	cr_assert_eq(textfile__set_new(&s), 0);
	cr_assert_eq(textfile__set_add(s, "/x.prom", buf, strlen(buf), 0), 0);
	textfile__set_write(s, &late);
	cr_expect_eq(textfile__set_dropped(s), 0);
	cr_expect_not_null(strstr(late.buf, "\nnode_load1 3\n"));
	cr_expect_not_null(strstr(late.buf, "\nnode_textfile_scrape_error 0\n"));
	textfile__set_free(s);
	expo__fini(&late);
}
