// SPDX-License-Identifier: Apache-2.0
/* mdadm collector: software RAID state from <procfs>/mdstat (node_md_*). */
#ifndef NODEPATH_COLLECTORS_MDADM_H
#define NODEPATH_COLLECTORS_MDADM_H

#include <stddef.h>
#include <stdint.h>

#define MDADM_MAX_DEVICES 1024

struct md_stat {
	char name[64];
	char state[64]; /* active, inactive, recovering, resyncing, checking */
	int64_t disks_active, disks_failed, disks_spare, disks_down, disks_total;
	int64_t blocks_total, blocks_synced;
};

/* Parse /proc/mdstat as procfs (which node_exporter 1.5 uses) does. -EINVAL on a device line
 * without its status lines, a status line without [n/m] [UU_] (for raids that have it) or a
 * sync line without (done/total). *out malloc'd (free()). */
int mdadm__parse(const char *buf, struct md_stat **out, size_t *n);

#endif
