// SPDX-License-Identifier: Apache-2.0
/* power_supply reader on a ThinkPad fixture (battery, mains, USB-C PD) and hostile values. */
#include <errno.h>

#include "collectors/powersupplyclass.h"
#include "sys_fixture.h"

static int attr(const char *file)
{
	for (int a = 0; a < PSU_NUM_ATTRS && psu_num_attrs[a].file; a++)
		if (!strcmp(psu_num_attrs[a].file, file))
			return a;
	cr_assert_fail("no attribute %s", file);
	return -1;
}

static const char *str(const struct power_supply *ps, const char *name)
{
	for (int a = 0; a < PSU_STR_ATTRS; a++)
		if (!strcmp(psu_str_attrs[a], name))
			return ps->str[a];
	return NULL;
}

Test(powersupplyclass, battery)
{
	struct power_supply ps;

	cr_assert_eq(psu__read(SYS_FIX "/class/power_supply/BAT0", "BAT0", &ps), 0);
	cr_assert(ps.have[attr("capacity")]);
	cr_assert_eq(ps.num[attr("capacity")], 74);
	cr_assert_eq(ps.num[attr("energy_now")], 38410000);
	cr_assert_eq(ps.num[attr("cycle_count")], 143);
	cr_assert(!ps.have[attr("online")]);
	cr_assert_str_eq(str(&ps, "status"), "Discharging");
	cr_assert_str_eq(str(&ps, "technology"), "Li-poly");
	cr_assert_str_eq(str(&ps, "health"), "");
}

Test(powersupplyclass, usb_pd)
{
	struct power_supply ps;

	cr_assert_eq(psu__read(SYS_FIX "/class/power_supply/ucsi-source-psy-USBC000:001",
			       "ucsi-source-psy-USBC000:001", &ps),
		     0);
	cr_assert_str_eq(str(&ps, "usb_type"), "[C] PD PD_PPS");
	cr_assert_eq(ps.num[attr("voltage_now")], 5000000);
}

Test(powersupplyclass, table_sorted_by_metric)
{
	for (int a = 1; a < PSU_NUM_ATTRS && psu_num_attrs[a].file; a++)
		cr_assert_lt(strcmp(psu_num_attrs[a - 1].metric, psu_num_attrs[a].metric), 0, "%s",
			     psu_num_attrs[a].metric);
}

Test(powersupplyclass, hostile)
{
	struct power_supply ps;

	cr_assert_eq(psu__read(HOSTILE_FIX "/class/power_supply/BAT0", "BAT0", &ps), -EINVAL);
}
