// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the textfile collector: arbitrary file contents (split into several
 * files at "#FILE" lines) through parse, merge and the exposition writer, with the text-format
 * rules as the oracle (see textfile_check.h). Built only with -DNODEPATH_FUZZ=ON; run by
 * bench/fuzz_textfile.sh. Aborts on a broken rule. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "textfile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	const char *why;

	/* Every rejected file is logged: at this rate that is only noise. */
	if (!quiet)
		quiet = log__set_level("error") == 0 ? 1 : -1;
	why = textfile_check((const char *)data, size);
	if (why) {
		fprintf(stderr, "textfile invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
