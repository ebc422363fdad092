// SPDX-License-Identifier: Apache-2.0
/* bonding collector: parsers for the bonding driver's sysfs lists (bonding_masters, a master's
 * bonding/slaves): blank-separated interface names. Pure: buffer in, modified in place. */
#ifndef NODEPATH_COLLECTORS_BONDING_H
#define NODEPATH_COLLECTORS_BONDING_H

#include <stddef.h>

/* Splits buf into at most max interface names (pointers into buf), dropping repeats. 0 with *n
 * set, or -EINVAL for a name that is not an interface name (empty, longer than 15 bytes, "/",
 * ".", "..") or more than max names. */
int bonding__parse_names(char *buf, char **names, size_t max, size_t *n);

#endif
