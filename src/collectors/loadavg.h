// SPDX-License-Identifier: Apache-2.0
/* loadavg collector: /proc/loadavg. Its parsers are pure (buffer in, modified in place; struct out)
 * and return 0 or -EINVAL for malformed input, never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_LOADAVG_H
#define NODEPATH_COLLECTORS_LOADAVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int loadavg__parse(char *buf, double load[3]);

#endif
