// SPDX-License-Identifier: Apache-2.0
/* /proc/loadavg parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "collectors/loadavg.h"
#include "proc_fixture.h"

Test(loadavg, this_machine)
{
	double l[3];
	char *b = fx_load("proc/loadavg");

	cr_assert_eq(loadavg__parse(b, l), 0);
	cr_assert(l[0] == 0.65 && l[1] == 0.53 && l[2] == 0.26);
	free(b);
}

Test(loadavg, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/loadavg.short",
					     "hostile/proc/loadavg.garbage" };

	for (size_t i = 0; i < 3; i++) {
		double l[3];
		char *b = fx_load(files[i]);

		cr_assert_eq(loadavg__parse(b, l), -EINVAL, "%s", files[i]);
		free(b);
	}
}
