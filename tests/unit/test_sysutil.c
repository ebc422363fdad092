// SPDX-License-Identifier: Apache-2.0
/* sysutil: sorted listings, name suffixes. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/sysutil.h"
#include "sys_fixture.h"

Test(sysutil, list_dir_version_order)
{
	char **names;
	size_t n;

	cr_assert_eq(sysutil__list_dir(SYS_FIX "/class/hwmon", "hwmon", &names, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(names[0], "hwmon0");
	cr_assert_str_eq(names[3], "hwmon3");
	sysutil__free_list(names, n);
	cr_assert_eq(sysutil__list_dir(SYS_FIX "/no/such/dir", NULL, &names, &n), -ENOENT);
}

Test(sysutil, num_suffix)
{
	cr_assert(sysutil__has_num_suffix("cpu12", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpu", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpufreq", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpu1a", "cpu"));
}
