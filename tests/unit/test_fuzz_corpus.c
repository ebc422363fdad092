// SPDX-License-Identifier: Apache-2.0
/* Replays the committed libFuzzer corpora (tests/fuzz/corpus/{cni_cache,subnet_env,textfile},
 * grown and minimised by bench/fuzz_cni.sh) and the CNI and textfile fixtures through the
 * parsers' invariants, so every input the fuzzer ever found interesting stays covered by the
 * ordinary (and sanitized) unit run. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/cni_cache_check.h"
#include "../fuzz/subnet_env_check.h"
#include "../fuzz/textfile_check.h"
#include "fsutil.h"
#include "log.h"

static size_t replay_dir(const char *dir, const char *(*check)(const char *buf, size_t len))
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], *buf = NULL;
		const char *why;
		size_t len = 0;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".py"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cr_assert_eq(fs__read_file(path, POD_CACHE_FILE_MAX + 1, &buf, &len), 0, "%s",
			     path);
		why = check(buf, len);
		cr_expect_null(why, "%s: %s", path, why ? why : "");
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

Test(fuzz_corpus, cni_cache_replay)
{
	size_t n = replay_dir(NP_FIXTURES "/../fuzz/corpus/cni_cache", cni_cache_check);

	/* The corpus is committed; an empty one means it was lost. */
	cr_expect_geq(n, 20, "corpus has %zu files", n);
	cr_expect_geq(replay_dir(NP_FIXTURES "/cni", cni_cache_check), 10);
}

Test(fuzz_corpus, subnet_env_replay)
{
	size_t n = replay_dir(NP_FIXTURES "/../fuzz/corpus/subnet_env", subnet_env_check);

	cr_expect_geq(n, 20, "corpus has %zu files", n);
}

Test(fuzz_corpus, textfile_replay)
{
	size_t n;

	log__set_level("error"); /* hostile inputs: every drop is logged */
	n = replay_dir(NP_FIXTURES "/../fuzz/corpus/textfile", textfile_check);

	/* Seeds with the hostile cases plus what the fuzzer kept: see bench/fuzz_textfile.md. */
	cr_expect_geq(n, 40, "corpus has %zu files", n);
	cr_expect_geq(replay_dir(NP_FIXTURES "/textfile", textfile_check), 5);
}
