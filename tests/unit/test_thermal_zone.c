// SPDX-License-Identifier: Apache-2.0
/* thermal zone and cooling device readers. */
#include <errno.h>

#include "collectors/thermal_zone.h"
#include "sys_fixture.h"

Test(thermal_zone, zones)
{
	struct thermal_zone z;
	struct cooling_device c;

	cr_assert_eq(thermal__read_zone(SYS_FIX "/class/thermal/thermal_zone1", "1", &z), 0);
	cr_assert_str_eq(z.type, "x86_pkg_temp");
	cr_assert_eq(z.temp, 53000);
	/* iwlwifi zone without a readable temperature: skipped by the collector */
	cr_assert_eq(thermal__read_zone(HOSTILE_FIX "/class/thermal/thermal_zone2", "2", &z),
		     -ENOENT);
	cr_assert_eq(thermal__read_cooling(SYS_FIX "/class/thermal/cooling_device1", "1", &c), 0);
	cr_assert_str_eq(c.type, "intel_powerclamp");
	cr_assert_eq(c.cur_state, -1);
	cr_assert_eq(c.max_state, 50);
}

Test(thermal_zone, hostile)
{
	struct thermal_zone z;

	cr_assert_eq(thermal__read_zone(HOSTILE_FIX "/class/thermal/thermal_zone0", "0", &z),
		     -EBADMSG);
}
