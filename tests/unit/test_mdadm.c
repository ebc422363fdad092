// SPDX-License-Identifier: Apache-2.0
/* /proc/mdstat parser: resync with bitmap, recovery, check, raid0, inactive, delayed, linear. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/mdadm.h"
#include "sys_fixture.h"

static size_t parse(const char *rel, struct md_stat **md, int want)
{
	char *buf = sys_fixture(rel);
	size_t n = 0;

	cr_assert_eq(mdadm__parse(buf, md, &n), want, "%s", rel);
	free(buf);
	return n;
}

Test(mdadm, all_states)
{
	struct md_stat *md;
	size_t n = parse("proc/mdstat", &md, 0);

	cr_assert_eq(n, 8);
	/* md3: raid6 clean */
	cr_assert_str_eq(md[0].name, "md3");
	cr_assert_str_eq(md[0].state, "active");
	cr_assert_eq(md[0].disks_total, 8);
	cr_assert_eq(md[0].disks_active, 8);
	cr_assert_eq(md[0].blocks_total, 5860270080LL);
	cr_assert_eq(md[0].blocks_synced, 5860270080LL);
	/* md127: resync behind a bitmap line */
	cr_assert_str_eq(md[1].state, "resyncing");
	cr_assert_eq(md[1].blocks_total, 312319552LL);
	cr_assert_eq(md[1].blocks_synced, 33781760LL);
	/* md0: recovering, one spare, one down */
	cr_assert_str_eq(md[2].state, "recovering");
	cr_assert_eq(md[2].disks_spare, 1);
	cr_assert_eq(md[2].disks_total, 3);
	cr_assert_eq(md[2].disks_active, 2);
	cr_assert_eq(md[2].disks_down, 1);
	cr_assert_eq(md[2].blocks_synced, 83136384LL);
	/* md8: checking, one failed */
	cr_assert_str_eq(md[3].state, "checking");
	cr_assert_eq(md[3].disks_failed, 1);
	cr_assert_eq(md[3].blocks_synced, 43213234LL);
	/* md6: raid0 counts member disks */
	cr_assert_eq(md[4].disks_total, 2);
	cr_assert_eq(md[4].disks_active, 2);
	/* md9: inactive, two spares */
	cr_assert_str_eq(md[5].state, "inactive");
	cr_assert_eq(md[5].disks_spare, 2);
	cr_assert_eq(md[5].disks_total, 0);
	/* md10: resync=DELAYED */
	cr_assert_str_eq(md[6].state, "resyncing");
	cr_assert_eq(md[6].blocks_synced, 0);
	/* md11: linear */
	cr_assert_eq(md[7].disks_total, 2);
	cr_assert_eq(md[7].blocks_total, 1953261696LL);
	free(md);
}

Test(mdadm, variants)
{
	struct md_stat *md;

	cr_assert_eq(parse("variants/mdstat.simple", &md, 0), 1);
	cr_assert_eq(md[0].disks_active, 2);
	free(md);
	cr_assert_eq(parse("variants/mdstat.empty", &md, 0), 0);
	free(md);
}

Test(mdadm, hostile)
{
	struct md_stat *md;

	parse("hostile/sys/mdstat.truncated", &md, -EINVAL);
	parse("hostile/sys/mdstat.nostatus", &md, -EINVAL);
	parse("hostile/sys/mdstat.badsync", &md, -EINVAL);
	parse("hostile/sys/mdstat.badcount", &md, -EINVAL);
	parse("hostile/sys/mdstat.nofields", &md, -EINVAL);
	cr_assert_eq(parse("hostile/sys/empty", &md, 0), 0);
	free(md);
}
