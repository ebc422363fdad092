// SPDX-License-Identifier: Apache-2.0
/* EDAC memory controller reader. */
#include <errno.h>

#include "collectors/edac.h"
#include "sys_fixture.h"

Test(edac, xeon)
{
	static struct edac_mc mc;

	cr_assert_eq(edac__read_mc(SYS_FIX "/devices/system/edac/mc/mc0", "0", &mc), 0);
	cr_assert_eq(mc.ce, 3);
	cr_assert_eq(mc.ue, 0);
	cr_assert_eq(mc.ce_noinfo, 1);
	cr_assert_eq(mc.ncsrows, 2);
	cr_assert_str_eq(mc.csrows[1].csrow, "1");
	cr_assert_eq(mc.csrows[1].ce, 2);
}

Test(edac, hostile)
{
	static struct edac_mc mc;

	/* ue_count missing: node_exporter fails the collector too */
	cr_assert_eq(edac__read_mc(HOSTILE_FIX "/devices/system/edac/mc/mc0", "0", &mc), -ENOENT);
}
