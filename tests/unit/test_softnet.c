// SPDX-License-Identifier: Apache-2.0
/* softnet collector: /proc/net/softnet_stat parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/softnet.h"
#include "proc_fixture.h"

Test(softnet, this_machine)
{
	struct softnet_stats s;
	char *b = fx_load("proc/net/softnet_stat");

	cr_assert_eq(softnet__parse(b, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.cpu[0].processed, 0x2be8);
	cr_assert_eq(s.cpu[1].processed, 0x3be5);
	softnet__free(&s);
	free(b);
}

Test(softnet, old_kernel_11_columns)
{
	struct softnet_stats s;
	char *b = fx_load("proc/variants/softnet_stat.5.10");

	cr_assert_eq(softnet__parse(b, &s), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.cpu[1].processed, 0xdfb82);
	cr_assert_eq(s.cpu[1].dropped, 0x29);
	cr_assert_eq(s.cpu[1].time_squeezed, 0xa);
	softnet__free(&s);
	free(b);
}

Test(softnet, hostile)
{
	static const char *const files[] = { "hostile/proc/softnet_stat.short",
					     "hostile/proc/softnet_stat.huge",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 3; i++) {
		struct softnet_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(softnet__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.cpu);
		free(b);
	}
}
