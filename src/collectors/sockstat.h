// SPDX-License-Identifier: Apache-2.0
/* sockstat collector: /proc/net/sockstat{,6}. Its parsers are pure (buffer in, modified in place;
 * struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the caller
 * must free. */
#ifndef NODEPATH_COLLECTORS_SOCKSTAT_H
#define NODEPATH_COLLECTORS_SOCKSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sockstat_field { SS_INUSE, SS_ORPHAN, SS_TW, SS_ALLOC, SS_MEM, SS_MEMORY, SS_NFIELDS };
extern const char *const sockstat_field_names[SS_NFIELDS];
struct sockstat_proto {
	char name[24];
	int64_t v[SS_NFIELDS];
	bool have[SS_NFIELDS];
};
struct sockstat {
	bool have_used;
	int64_t used;
	struct sockstat_proto proto[16];
	size_t n;
};
int sockstat__parse(char *buf, struct sockstat *out);

#endif
