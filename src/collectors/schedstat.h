// SPDX-License-Identifier: Apache-2.0
/* schedstat collector: /proc/schedstat. Its parsers are pure (buffer in, modified in place; struct
 * out) and return 0 or -EINVAL for malformed input, never a half-filled result the caller must
 * free. */
#ifndef NODEPATH_COLLECTORS_SCHEDSTAT_H
#define NODEPATH_COLLECTORS_SCHEDSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct schedstat_cpu {
	char cpu[16];
	uint64_t running_ns, waiting_ns, timeslices;
};
struct schedstat {
	struct schedstat_cpu *cpu;
	size_t n;
};
int schedstat__parse(char *buf, struct schedstat *out);
void schedstat__free(struct schedstat *s);

#endif
