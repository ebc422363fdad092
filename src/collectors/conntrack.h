// SPDX-License-Identifier: Apache-2.0
/* conntrack collector: /proc/net/stat/nf_conntrack. Its parsers are pure (buffer in, modified in
 * place; struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the
 * caller must free. */
#ifndef NODEPATH_COLLECTORS_CONNTRACK_H
#define NODEPATH_COLLECTORS_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conntrack_stat {
	uint64_t found, invalid, ignore, insert, insert_failed, drop, early_drop, search_restart;
};
int conntrack__parse_stat(char *buf, struct conntrack_stat *out);

#endif
