// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the cniCacheV1 parser (the agent reads these files from a directory
 * that any CNI plugin or runtime on the node writes). Built only with -DNODEPATH_FUZZ=ON;
 * run by bench/fuzz_cni.sh. Aborts on a broken invariant (see cni_cache_check.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cni_cache_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = cni_cache_check((const char *)data, size);

	if (why) {
		fprintf(stderr, "cni_cache invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
