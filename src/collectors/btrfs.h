// SPDX-License-Identifier: Apache-2.0
/* btrfs collector: the pure parts. A btrfs sysfs attribute holds one decimal number; a block
 * group layout's allocation ratio follows from its RAID profile and the device count. */
#ifndef NODEPATH_COLLECTORS_BTRFS_H
#define NODEPATH_COLLECTORS_BTRFS_H

#include <stddef.h>
#include <stdint.h>

/* buf: a whole attribute file ("808189952\n"); surrounding white space is dropped. 0 or
 * -EINVAL. */
int btrfs__parse_value(char *buf, uint64_t *v);

/* Raw bytes per stored byte for a profile directory name (single, dup, raid0/1/10/5/6); 0 for
 * one node_exporter 1.5 does not know (raid1c3, raid1c4). */
double btrfs__ratio(const char *mode, size_t devices);

#endif
