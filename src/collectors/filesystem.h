// SPDX-License-Identifier: Apache-2.0
/* filesystem collector: statvfs on the mounts listed in <procfs>/1/mounts (node_filesystem_*). */
#ifndef NODEPATH_COLLECTORS_FILESYSTEM_H
#define NODEPATH_COLLECTORS_FILESYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/statvfs.h>

#define FILESYSTEM_MAX_MOUNTS 4096

struct mount_entry {
	char *device, *mountpoint, *fstype, *options; /* point into the parsed buffer */
};

/* Parse a mounts file in place (buf is modified). \040 and \011 in the mount point are
 * unescaped as fstab(5) says. A line with fewer than 4 fields is -EINVAL (as node_exporter).
 * *out malloc'd (free()); strings point into buf. */
int filesystem__parse_mounts(char *buf, struct mount_entry **out, size_t *n);

/* Strip the rootfs prefix from a mount point as node_exporter's rootfsStripPrefix does;
 * writes into out (cap bytes). */
void filesystem__strip_rootfs(const char *rootfs, const char *mp, char *out, size_t cap);

/* statvfs with --collector.filesystem.mount-timeout: 0, -errno, or -ETIMEDOUT after which mp
 * is "stuck" (skipped with device_error 1) until the blocked call returns. */
int filesystem__statvfs_deadline(const char *path, const char *mp, struct statvfs *st);
bool filesystem__is_stuck(const char *mp);

/* Test hooks: the statvfs implementation and the timeout. */
extern int (*filesystem__statvfs)(const char *path, struct statvfs *st);
void filesystem__set_timeout(unsigned long seconds);

#endif
