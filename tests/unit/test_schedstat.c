// SPDX-License-Identifier: Apache-2.0
/* schedstat collector: /proc/schedstat parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/schedstat.h"
#include "proc_fixture.h"

Test(schedstat, version15_two_cpus)
{
	struct schedstat s;
	char *b = fx_load("proc/schedstat");

	cr_assert_eq(schedstat__parse(b, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.cpu[0].cpu, "0");
	cr_assert_eq(s.cpu[0].running_ns, 2045936778163039ULL);
	cr_assert_eq(s.cpu[0].waiting_ns, 343796328169361ULL);
	cr_assert_eq(s.cpu[1].timeslices, 117926567);
	cr_assert((double)s.cpu[0].running_ns / 1e9 == 2045936.778163039);
	schedstat__free(&s);
	free(b);
}

Test(schedstat, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/schedstat.short",
					     "hostile/proc/schedstat.noversion",
					     "hostile/proc/schedstat.huge",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 5; i++) {
		struct schedstat s;
		char *b = fx_load(files[i]);

		cr_assert_eq(schedstat__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.cpu);
		free(b);
	}
}
