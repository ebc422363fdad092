// SPDX-License-Identifier: Apache-2.0
/* xfs collector: parser for an XFS filesystem's statistics file (/sys/fs/xfs/<dev>/stats/stats,
 * the per-mount form of /proc/fs/xfs/stat). Pure: buffer in, modified in place; struct out;
 * 0 or -EINVAL. */
#ifndef NODEPATH_COLLECTORS_XFS_H
#define NODEPATH_COLLECTORS_XFS_H

#include <stdint.h>

/* The lines node_exporter 1.5 exports, each with the number of values the kernel prints. */
enum xfs_line {
	XFS_EXTENT_ALLOC,
	XFS_ABT,
	XFS_BLK_MAP,
	XFS_BMBT,
	XFS_DIR,
	XFS_IG,
	XFS_RW,
	XFS_VNODES,
	XFS_N_LINES
};
#define XFS_MAX_VALUES 8

struct xfs_stats {
	uint64_t v[XFS_N_LINES][XFS_MAX_VALUES]; /* a line the file lacks stays 0 */
};
int xfs__parse_stats(char *buf, struct xfs_stats *out);

#endif
