// SPDX-License-Identifier: Apache-2.0
/* xfs collector: per-filesystem XFS statistics from <sysfs>/fs/xfs/<device>/stats/stats
 * (node_xfs_*{device}), the 39 counters node_exporter 1.5 exports. No XFS mounted: no series. */
#include "xfs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "procparse.h"
#include "sysutil.h"

static const struct {
	const char *key;
	int min, max; /* value count */
} xfs_lines[XFS_N_LINES] = {
	[XFS_EXTENT_ALLOC] = { "extent_alloc", 4, 4 },
	[XFS_ABT] = { "abt", 4, 4 },
	[XFS_BLK_MAP] = { "blk_map", 7, 7 },
	[XFS_BMBT] = { "bmbt", 4, 4 },
	[XFS_DIR] = { "dir", 4, 4 },
	[XFS_IG] = { "ig", 7, 7 },
	[XFS_RW] = { "rw", 2, 2 },
	/* The eighth value (free) is missing on old kernels. */
	[XFS_VNODES] = { "vnodes", 7, 8 },
};

/* Lines not exported but whose value count the kernel fixes, checked as node_exporter does. */
static const struct {
	const char *key;
	int n;
} xfs_checked[] = {
	{ "trans", 3 }, { "log", 5 }, { "attr", 4 }, { "icluster", 3 }, { "buf", 9 }, { "xpc", 3 },
};

/* Every line is "<name> <values>"; all are 32-bit counters but xpc's (64-bit byte counts).
 * Lines of other names (push_ail, abtb2, rmapbt, qm, debug, ... as kernels add them) must hold
 * numbers but are not exported. */
int xfs__parse_stats(char *buf, struct xfs_stats *out)
{
	char *cur = buf, *line;

	memset(out, 0, sizeof(*out));
	while ((line = pp_next_line(&cur)) != NULL) {
		char *f[64];
		int nf = pp_split(line, f, 64), n;
		bool wide;

		if (nf == 0)
			continue;
		if (nf < 2)
			return -EINVAL;
		n = nf - 1;
		wide = strcmp(f[0], "xpc") == 0;
		for (int i = 1; i < nf; i++) {
			uint64_t v;

			if (parse__u64(f[i], &v) || (!wide && v > UINT32_MAX))
				return -EINVAL;
			for (int l = 0; l < XFS_N_LINES; l++)
				if (i <= XFS_MAX_VALUES && strcmp(f[0], xfs_lines[l].key) == 0)
					out->v[l][i - 1] = v;
		}
		for (int l = 0; l < XFS_N_LINES; l++)
			if (strcmp(f[0], xfs_lines[l].key) == 0 &&
			    (n < xfs_lines[l].min || n > xfs_lines[l].max))
				return -EINVAL;
		for (size_t c = 0; c < sizeof(xfs_checked) / sizeof(xfs_checked[0]); c++)
			if (strcmp(f[0], xfs_checked[c].key) == 0 && n != xfs_checked[c].n)
				return -EINVAL;
	}
	return 0;
}

static const struct {
	const char *name;
	const char *help;
	enum xfs_line line;
	int idx;
} xfs_families[] = {
	{ "node_xfs_allocation_btree_compares_total",
	  "Number of allocation B-tree compares for a filesystem.", XFS_ABT, 1 },
	{ "node_xfs_allocation_btree_lookups_total",
	  "Number of allocation B-tree lookups for a filesystem.", XFS_ABT, 0 },
	{ "node_xfs_allocation_btree_records_deleted_total",
	  "Number of allocation B-tree records deleted for a filesystem.", XFS_ABT, 3 },
	{ "node_xfs_allocation_btree_records_inserted_total",
	  "Number of allocation B-tree records inserted for a filesystem.", XFS_ABT, 2 },
	{ "node_xfs_block_map_btree_compares_total",
	  "Number of block map B-tree compares for a filesystem.", XFS_BMBT, 1 },
	{ "node_xfs_block_map_btree_lookups_total",
	  "Number of block map B-tree lookups for a filesystem.", XFS_BMBT, 0 },
	{ "node_xfs_block_map_btree_records_deleted_total",
	  "Number of block map B-tree records deleted for a filesystem.", XFS_BMBT, 3 },
	{ "node_xfs_block_map_btree_records_inserted_total",
	  "Number of block map B-tree records inserted for a filesystem.", XFS_BMBT, 2 },
	{ "node_xfs_block_mapping_extent_list_compares_total",
	  "Number of extent list compares for a filesystem.", XFS_BLK_MAP, 6 },
	{ "node_xfs_block_mapping_extent_list_deletions_total",
	  "Number of extent list deletions for a filesystem.", XFS_BLK_MAP, 4 },
	{ "node_xfs_block_mapping_extent_list_insertions_total",
	  "Number of extent list insertions for a filesystem.", XFS_BLK_MAP, 3 },
	{ "node_xfs_block_mapping_extent_list_lookups_total",
	  "Number of extent list lookups for a filesystem.", XFS_BLK_MAP, 5 },
	{ "node_xfs_block_mapping_reads_total",
	  "Number of block map for read operations for a filesystem.", XFS_BLK_MAP, 0 },
	{ "node_xfs_block_mapping_unmaps_total",
	  "Number of block unmaps (deletes) for a filesystem.", XFS_BLK_MAP, 2 },
	{ "node_xfs_block_mapping_writes_total",
	  "Number of block map for write operations for a filesystem.", XFS_BLK_MAP, 1 },
	{ "node_xfs_directory_operation_create_total",
	  "Number of times a new directory entry was created for a filesystem.", XFS_DIR, 1 },
	{ "node_xfs_directory_operation_getdents_total",
	  "Number of times the directory getdents operation was performed for a filesystem.",
	  XFS_DIR, 3 },
	{ "node_xfs_directory_operation_lookup_total",
	  "Number of file name directory lookups which miss the operating systems directory name lookup cache.",
	  XFS_DIR, 0 },
	{ "node_xfs_directory_operation_remove_total",
	  "Number of times an existing directory entry was created for a filesystem.", XFS_DIR, 2 },
	{ "node_xfs_extent_allocation_blocks_allocated_total",
	  "Number of blocks allocated for a filesystem.", XFS_EXTENT_ALLOC, 1 },
	{ "node_xfs_extent_allocation_blocks_freed_total",
	  "Number of blocks freed for a filesystem.", XFS_EXTENT_ALLOC, 3 },
	{ "node_xfs_extent_allocation_extents_allocated_total",
	  "Number of extents allocated for a filesystem.", XFS_EXTENT_ALLOC, 0 },
	{ "node_xfs_extent_allocation_extents_freed_total",
	  "Number of extents freed for a filesystem.", XFS_EXTENT_ALLOC, 2 },
	{ "node_xfs_inode_operation_attempts_total",
	  "Number of times the OS looked for an XFS inode in the inode cache.", XFS_IG, 0 },
	{ "node_xfs_inode_operation_attribute_changes_total",
	  "Number of times the OS explicitly changed the attributes of an XFS inode.", XFS_IG, 6 },
	{ "node_xfs_inode_operation_duplicates_total",
	  "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already been added by another process.",
	  XFS_IG, 4 },
	{ "node_xfs_inode_operation_found_total",
	  "Number of times the OS looked for and found an XFS inode in the inode cache.", XFS_IG,
	  1 },
	{ "node_xfs_inode_operation_missed_total",
	  "Number of times the OS looked for an XFS inode in the cache, but did not find it.",
	  XFS_IG, 3 },
	{ "node_xfs_inode_operation_reclaims_total",
	  "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose.",
	  XFS_IG, 5 },
	{ "node_xfs_inode_operation_recycled_total",
	  "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled.",
	  XFS_IG, 2 },
	{ "node_xfs_read_calls_total",
	  "Number of read(2) system calls made to files in a filesystem.", XFS_RW, 1 },
	{ "node_xfs_vnode_active_total", "Number of vnodes not on free lists for a filesystem.",
	  XFS_VNODES, 0 },
	{ "node_xfs_vnode_allocate_total", "Number of times vn_alloc called for a filesystem.",
	  XFS_VNODES, 1 },
	{ "node_xfs_vnode_get_total", "Number of times vn_get called for a filesystem.", XFS_VNODES,
	  2 },
	{ "node_xfs_vnode_hold_total", "Number of times vn_hold called for a filesystem.",
	  XFS_VNODES, 3 },
	{ "node_xfs_vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem.",
	  XFS_VNODES, 5 },
	{ "node_xfs_vnode_release_total", "Number of times vn_rele called for a filesystem.",
	  XFS_VNODES, 4 },
	{ "node_xfs_vnode_remove_total", "Number of times vn_remove called for a filesystem.",
	  XFS_VNODES, 6 },
	{ "node_xfs_write_calls_total",
	  "Number of write(2) system calls made to files in a filesystem.", XFS_RW, 0 },
};

struct xfs_dev {
	char *name;
	struct xfs_stats st;
};

static int xfs_collect(struct expo_writer *w)
{
	char base[PATH_MAX], **names = NULL;
	struct xfs_dev *devs = NULL;
	size_t n = 0, nd = 0;
	int err;

	err = sysutil__list_sysfs("fs/xfs", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (!devs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], *buf = NULL;

		if (snprintf(path, sizeof(path), "%s/%s/stats/stats", base, names[i]) >=
		    (int)sizeof(path))
			continue;
		err = fs__read_file(path, PP_MAX_FILE, &buf, NULL);
		/* The global statistics directory (fs/xfs/stats) and anything else without a
		 * per-filesystem stats file is not a filesystem. */
		if (err == -ENOENT || err == -ENOTDIR)
			continue;
		if (err)
			goto cleanup;
		err = xfs__parse_stats(buf, &devs[nd].st);
		free(buf);
		if (err) {
			log_error("malformed xfs stats file", "device", names[i]);
			goto cleanup;
		}
		devs[nd++].name = names[i];
	}
	for (size_t f = 0; nd && f < sizeof(xfs_families) / sizeof(xfs_families[0]); f++) {
		expo__family(w, xfs_families[f].name, xfs_families[f].help, EXPO_COUNTER);
		for (size_t d = 0; d < nd; d++) {
			struct expo_label l = { "device", devs[d].name };

			expo__sample(
			    w, xfs_families[f].name, &l, 1,
			    (double)devs[d].st.v[xfs_families[f].line][xfs_families[f].idx]);
		}
	}
	err = 0;
cleanup:
	free(devs);
	sysutil__free_list(names, n);
	return err;
}

static struct collector xfs_collector = {
	.name = "xfs",
	.default_enabled = true,
	.collect = xfs_collect,
};
NP_COLLECTOR(xfs_collector);
