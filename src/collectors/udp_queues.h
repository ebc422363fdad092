// SPDX-License-Identifier: Apache-2.0
/* udp_queues collector: /proc/net/udp{,6}. Its parsers are pure (buffer in, modified in place;
 * struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the caller
 * must free. */
#ifndef NODEPATH_COLLECTORS_UDP_QUEUES_H
#define NODEPATH_COLLECTORS_UDP_QUEUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct udp_queues {
	uint64_t tx, rx;
};
int udp_queues__parse(char *buf, struct udp_queues *out);

#endif
