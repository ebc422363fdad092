// SPDX-License-Identifier: Apache-2.0
/* netclass on the live sysfs of the test's own network namespace: every interface must read the
 * same through the link dump as through its sysfs attribute files alone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectors/netclass.h"
#include <criterion/criterion.h>

static void assert_same(const struct netclass_iface *a, const struct netclass_iface *b)
{
	cr_assert_str_eq(a->address, b->address, "%s address", a->name);
	cr_assert_str_eq(a->broadcast, b->broadcast, "%s broadcast", a->name);
	cr_assert_str_eq(a->duplex, b->duplex, "%s duplex", a->name);
	cr_assert_str_eq(a->ifalias, b->ifalias, "%s ifalias", a->name);
	cr_assert_str_eq(a->operstate, b->operstate, "%s operstate", a->name);
	for (int f = 0; f < NC_NUM_MAX; f++) {
		cr_assert_eq(a->have[f], b->have[f], "%s %s present", a->name, netclass_attr[f]);
		/* carrier counts move only when a link flaps, which nothing here does */
		cr_assert_eq(a->num[f], b->num[f], "%s %s", a->name, netclass_attr[f]);
	}
}

Test(netclass_live, link_dump_equals_sysfs)
{
	struct netclass_iface by_sysfs, by_dump;
	struct dirent *de;
	size_t compared = 0;
	DIR *d = opendir("/sys/class/net");

	cr_assert_not_null(d, "no /sys/class/net");
	while ((de = readdir(d))) {
		char dir[512];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "bonding_masters") == 0)
			continue;
		snprintf(dir, sizeof(dir), "/sys/class/net/%s", de->d_name);
		cr_assert_eq(netclass__read_iface(dir, de->d_name, &by_sysfs), 0, "%s", dir);
		cr_assert_eq(netclass__read_iface_netlink(dir, de->d_name, &by_dump), 0, "%s", dir);
		assert_same(&by_sysfs, &by_dump);
		compared++;
	}
	closedir(d);
	cr_assert_geq(compared, 1, "not even lo was compared");
}
