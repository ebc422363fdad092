// SPDX-License-Identifier: Apache-2.0
/* netstat collector: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6. Its parsers are pure
 * (buffer in, modified in place; struct out) and return 0 or -EINVAL for malformed input, never a
 * half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_NETSTAT_H
#define NODEPATH_COLLECTORS_NETSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procparse.h"

/* /proc/net/netstat, /proc/net/snmp (header/value line pairs) and /proc/net/snmp6
 * Keys are "<Proto>_<Field>"; help needs "<Proto><Field>", so the split point is kept. */
int netstat__parse_pairs(char *buf, struct pp_kvtab *out);
int netstat__parse_snmp6(char *buf, struct pp_kvtab *out);

#endif
