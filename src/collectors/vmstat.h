// SPDX-License-Identifier: Apache-2.0
/* vmstat collector: /proc/vmstat. Its parsers are pure (buffer in, modified in place; struct out)
 * and return 0 or -EINVAL for malformed input, never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_VMSTAT_H
#define NODEPATH_COLLECTORS_VMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procparse.h"

int vmstat__parse(char *buf, struct pp_kvtab *out);

#endif
