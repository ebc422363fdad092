// SPDX-License-Identifier: Apache-2.0
/* xfs collector: statistics file parser on node_exporter's fixture, old kernels and hostile
 * input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/xfs.h"
#include "proc_fixture.h"

Test(xfs, node_exporter_fixture)
{
	static const uint64_t want[XFS_N_LINES][XFS_MAX_VALUES] = {
		[XFS_EXTENT_ALLOC] = { 1, 872, 0, 0 },
		[XFS_ABT] = { 0, 0, 0, 0 },
		[XFS_BLK_MAP] = { 61, 29, 1, 1, 1, 91, 0 },
		[XFS_BMBT] = { 0, 0, 0, 0 },
		[XFS_DIR] = { 3, 2, 1, 52 },
		[XFS_IG] = { 5, 1, 0, 4, 0, 0, 1 },
		[XFS_RW] = { 28, 0 }, /* write calls first, as the kernel prints them */
		[XFS_VNODES] = { 4, 0, 0, 0, 1, 1, 1, 0 },
	};
	struct xfs_stats s;
	char *b = fx_load("sys/fs/xfs/sda1/stats/stats");

	cr_assert_eq(xfs__parse_stats(b, &s), 0);
	for (int l = 0; l < XFS_N_LINES; l++)
		for (int i = 0; i < XFS_MAX_VALUES; i++)
			cr_assert_eq(s.v[l][i], want[l][i], "line %d value %d", l, i);
	free(b);
}

/* Old kernels: vnodes without "free", no rw line; unknown lines of numbers are skipped. */
Test(xfs, old_kernel_and_unknown_lines)
{
	struct xfs_stats s;
	char *b = fx_str("extent_alloc 1 2 3 4\nvnodes 7 6 5 4 3 2 1\nnewstat 9 9 9 9 9 9 9 9 9\n"
			 "xpc 18446744073709551615 1 2\n");

	cr_assert_eq(xfs__parse_stats(b, &s), 0);
	cr_assert_eq(s.v[XFS_EXTENT_ALLOC][3], 4);
	cr_assert_eq(s.v[XFS_VNODES][0], 7);
	cr_assert_eq(s.v[XFS_VNODES][6], 1);
	cr_assert_eq(s.v[XFS_VNODES][7], 0);
	cr_assert_eq(s.v[XFS_RW][0], 0);
	free(b);
}

Test(xfs, hostile)
{
	static const char *const files[] = {
		"hostile/sys/xfs.short",	"hostile/sys/xfs.rw_long",
		"hostile/sys/xfs.u32_overflow", "hostile/sys/xfs.negative",
		"hostile/sys/xfs.vnodes_short", "hostile/sys/xfs.garbage_unexported",
		"hostile/sys/xfs.novalue",	"hostile/sys/xfs.log_short",
		"hostile/sys/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct xfs_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(xfs__parse_stats(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
