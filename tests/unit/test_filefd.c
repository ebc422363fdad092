// SPDX-License-Identifier: Apache-2.0
/* filefd collector: /proc/sys/fs/file-nr parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/filefd.h"
#include "proc_fixture.h"

Test(filefd, this_machine)
{
	double a, m;
	char *b = fx_load("proc/sys/fs/file-nr");

	cr_assert_eq(filefd__parse(b, &a, &m), 0);
	cr_assert(a == 625 && m == 2466170);
	free(b);
}

Test(filefd, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/file-nr.short",
					     "hostile/proc/file-nr.huge" };

	for (size_t i = 0; i < 3; i++) {
		double a, m;
		char *b = fx_load(files[i]);

		cr_assert_eq(filefd__parse(b, &a, &m), -EINVAL, "%s", files[i]);
		free(b);
	}
}
