// SPDX-License-Identifier: Apache-2.0
/* --version text and nodepath_build_info: node_exporter's layout, each field in its expected
 * form, and one revision in both. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_info.h"
#include "expo.h"
#include "flags.h"
#include "loader.h"
#include "version.h"

static char *version_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	build_info__print_version(f);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static void assert_matches(const char *s, const char *pattern)
{
	regex_t re;

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0, "%s",
		     pattern);
	cr_assert_eq(regexec(&re, s, 0, NULL, 0), 0, "\"%s\" does not match %s", s, pattern);
	regfree(&re);
}

Test(version, text_in_node_exporter_layout)
{
	const char *libbpf = loader__libbpf_version();
	char *got = version_text(), *want = NULL;

	if (libbpf[0] == 'v')
		libbpf++;
	cr_assert(asprintf(&want,
			   "nodepath, version " NODEPATH_VERSION " (branch: " NODEPATH_BRANCH
			   ", revision: " NODEPATH_REVISION ")\n"
			   "  build user:       " NODEPATH_BUILD_USER "\n"
			   "  build date:       " NODEPATH_BUILD_DATE "\n"
			   "  libbpf version:   %s, compiler: " NODEPATH_COMPILER "\n"
			   "  platform:         " NODEPATH_PLATFORM "\n",
			   libbpf) > 0);
	cr_assert_str_eq(got, want);
	free(want);
	free(got);
}

Test(version, fields_well_formed)
{
	char *got = version_text();
	/* A checkout has a revision; only a tree without .git (a release tarball) says unknown. */
	const char *rev = access(NP_FIXTURES "/../../.git", F_OK) == 0 ? "[0-9a-f]{12}"
								       : "([0-9a-f]{12}|unknown)";
	char line1[256];

	snprintf(
	    line1, sizeof(line1),
	    "^nodepath, version [0-9]+\\.[0-9]+\\.[0-9]+ \\(branch: [^ ,()]+, revision: %s\\)$",
	    rev);
	assert_matches(got, line1);
	assert_matches(got, "^  build user:       [^ ]+@[^ ]+$");
	assert_matches(got, "^  build date:       [0-9]{8}-[0-9]{2}:[0-9]{2}:[0-9]{2}$");
	assert_matches(got,
		       "^  libbpf version:   [0-9]+\\.[0-9]+, compiler: (gcc|clang) [0-9]+\\.");
	assert_matches(got, "^  platform:         linux/(amd64|arm64)$");
	free(got);
}

Test(version, build_info_carries_the_same_revision)
{
	struct expo_writer w;
	char want[128];

	cr_assert_eq(strcmp(build_info__revision(), NODEPATH_REVISION), 0);
	expo__init(&w);
	build_info__emit(&w);
	cr_assert_eq(w.err, 0);
	snprintf(want, sizeof(want), "revision=\"%s\"", build_info__revision());
	cr_assert(strstr(w.buf, want), "%s", w.buf);
	expo__fini(&w);
}

Test(version, flag_prints_it)
{
	char *buf = NULL, *want = version_text();
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char *argv[] = { "nodepath", "--web.listen-address=:1", "--version", NULL };

	cr_assert(out);
	cr_assert_eq(flags__parse(3, argv, out, stderr), 1);
	cr_assert_eq(fclose(out), 0);
	cr_assert_str_eq(buf, want);
	free(buf);
	free(want);
}
