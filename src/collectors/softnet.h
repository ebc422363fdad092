// SPDX-License-Identifier: Apache-2.0
/* softnet collector: /proc/net/softnet_stat. Its parsers are pure (buffer in, modified in place;
 * struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the caller
 * must free. */
#ifndef NODEPATH_COLLECTORS_SOFTNET_H
#define NODEPATH_COLLECTORS_SOFTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct softnet_line {
	uint32_t processed, dropped, time_squeezed;
};
struct softnet_stats {
	struct softnet_line *cpu;
	size_t n;
};
int softnet__parse(char *buf, struct softnet_stats *out);
void softnet__free(struct softnet_stats *s);

#endif
