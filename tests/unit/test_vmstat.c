// SPDX-License-Identifier: Apache-2.0
/* /proc/vmstat parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "collectors/vmstat.h"
#include "proc_fixture.h"

Test(vmstat, this_machine)
{
	struct pp_kvtab t;
	char *b = fx_load("proc/vmstat");

	cr_assert_eq(vmstat__parse(b, &t), 0);
	cr_assert_eq(t.n, 192);
	cr_assert(pp_kvtab_get(&t, "pgfault")->value == 13691807);
	cr_assert(pp_kvtab_get(&t, "oom_kill")->value == 0);
	cr_assert(pp_kvtab_get(&t, "nr_free_pages")->value == 1014815);
	pp_kvtab_free(&t);
	free(b);
}

Test(vmstat, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/vmstat.short",
					     "hostile/proc/vmstat.nonnumeric",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 4; i++) {
		struct pp_kvtab t;
		char *b = fx_load(files[i]);

		cr_assert_eq(vmstat__parse(b, &t), -EINVAL, "%s", files[i]);
		cr_assert_null(t.v);
		free(b);
	}
}
