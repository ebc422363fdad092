// SPDX-License-Identifier: Apache-2.0
/* diskstats collector: /proc/diskstats plus udev properties (node_disk_*). */
#ifndef NODEPATH_COLLECTORS_DISKSTATS_H
#define NODEPATH_COLLECTORS_DISKSTATS_H

#include <stddef.h>

#define DISKSTATS_MAX_FIELDS 17 /* stats after major, minor, name (kernel 5.5+) */
#define DISKSTATS_MAX_DEVICES 4096

struct disk_stat {
	unsigned int major, minor;
	char name[64];
	unsigned int nfields; /* 11, 15 or 17 stats present */
	unsigned long long v[DISKSTATS_MAX_FIELDS];
};

/* Parse /proc/diskstats. Lines with fewer than 11 stats are skipped (as procfs does); a
 * non-numeric or overflowing field is -EINVAL. *out malloc'd (free()). */
int diskstats__parse(const char *buf, struct disk_stat **out, size_t *n);

/* The udev properties node_exporter reads from <udev.data>/b<major>:<minor>. */
struct udev_props {
	char id_path[256], id_wwn[128], id_model[128], id_revision[64];
	char serial[128]; /* SCSI_IDENT_SERIAL, else ID_SERIAL_SHORT */
	char fs_type[64], fs_usage[64], fs_uuid[128], fs_version[64];
	char dm_name[128], dm_uuid[256], dm_vg_name[128], dm_lv_name[128], dm_lv_layer[64];
	int ata;
	char ata_write_cache[32], ata_write_cache_enabled[32], ata_rotation_rate_rpm[32];
};

/* Parse a udev database file ("E:KEY=VALUE" lines; other lines ignored). Never fails on
 * content: over-long values are truncated. */
void diskstats__parse_udev(const char *buf, struct udev_props *p);

#endif
