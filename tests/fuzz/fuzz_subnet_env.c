// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for flanneld's subnet.env parser and the CIDR parser (both read node-local
 * files and flags). Built only with -DNODEPATH_FUZZ=ON; run by FUZZ_TARGET=subnet_env
 * bench/fuzz_cni.sh. Aborts on a broken invariant (see subnet_env_check.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "subnet_env_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = subnet_env_check((const char *)data, size);

	if (why) {
		fprintf(stderr, "subnet_env invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
