// SPDX-License-Identifier: Apache-2.0
/* btrfs collector: attribute values on node_exporter's fixture, allocation ratios per profile,
 * hostile values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "collectors/btrfs.h"
#include "proc_fixture.h"

#define FS0 "sys/fs/btrfs/0abb23a9-579b-43e6-ad30-227ef47fcb9d/"

Test(btrfs, node_exporter_fixture)
{
	static const struct {
		const char *file;
		uint64_t want;
	} files[] = {
		{ FS0 "allocation/data/raid0/used_bytes", 808189952 },
		{ FS0 "allocation/metadata/raid1/total_bytes", 1073741824 },
		{ FS0 "allocation/global_rsv_size", 16777216 },
		{ FS0 "devices/loop25/size", 20971520 },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		uint64_t v = 0;
		char *b = fx_load(files[i].file);

		cr_assert_eq(btrfs__parse_value(b, &v), 0, "%s", files[i].file);
		cr_assert_eq(v, files[i].want, "%s", files[i].file);
		free(b);
	}
}

Test(btrfs, ratio)
{
	cr_assert_eq(btrfs__ratio("single", 1), 1);
	cr_assert_eq(btrfs__ratio("raid0", 2), 1);
	cr_assert_eq(btrfs__ratio("dup", 1), 2);
	cr_assert_eq(btrfs__ratio("raid1", 2), 2);
	cr_assert_eq(btrfs__ratio("raid10", 4), 2);
	cr_assert_eq(btrfs__ratio("raid5", 4), 4.0 / 3.0);
	cr_assert_eq(btrfs__ratio("raid6", 4), 2);
	/* Profiles node_exporter 1.5 does not know. */
	cr_assert_eq(btrfs__ratio("raid1c3", 3), 0);
	cr_assert(isinf(btrfs__ratio("raid5", 1)));
}

Test(btrfs, hostile)
{
	static const char *const bad[] = { "",	      "\n",	"-1\n",
					   "12 34\n", "0x10\n", "18446744073709551616\n",
					   "1e6\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		char *b = fx_str(bad[i]);

		cr_assert_eq(btrfs__parse_value(b, &v), -EINVAL, "%s", bad[i]);
		cr_assert_eq(v, 7);
		free(b);
	}
}
