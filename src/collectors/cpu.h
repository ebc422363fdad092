// SPDX-License-Identifier: Apache-2.0
/* cpu collector: /proc/cpuinfo and sysfs CPU lists (CPU times come from stat.h). Its parsers are
 * pure (buffer in, modified in place; struct out) and return 0 or -EINVAL for malformed input,
 * never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_CPU_H
#define NODEPATH_COLLECTORS_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stat.h"

struct cpuinfo_entry {
	char processor[16], vendor[64], family[16], model[16], model_name[128], stepping[16],
	    microcode[32], cache_size[32], physical_id[16], core_id[16];
	char *flags, *bugs; /* point into the parsed buffer; NULL if absent */
};
int cpuinfo__parse(char *buf, struct cpuinfo_entry **out, size_t *n);

/* sysfs CPU list ("0-2,7"): malloc'd array of CPU numbers in *out (NULL when empty). */
int cpu__parse_list(char *buf, unsigned int **out, size_t *n);

#endif
