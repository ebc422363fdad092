// SPDX-License-Identifier: Apache-2.0
/* arp collector: /proc/net/arp. Its parsers are pure (buffer in, modified in place; struct out) and
 * return 0 or -EINVAL for malformed input, never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_ARP_H
#define NODEPATH_COLLECTORS_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arp_dev {
	char name[32];
	uint64_t entries;
};
struct arp_stats {
	struct arp_dev *dev;
	size_t n;
};
int arp__parse(char *buf, struct arp_stats *out);
void arp__free(struct arp_stats *s);

#endif
