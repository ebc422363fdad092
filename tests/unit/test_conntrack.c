// SPDX-License-Identifier: Apache-2.0
/* conntrack collector: /proc/net/stat/nf_conntrack parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/conntrack.h"
#include "proc_fixture.h"

Test(conntrack, this_machine_17_columns)
{
	struct conntrack_stat s;
	char *b = fx_load("proc/net/stat/nf_conntrack");

	cr_assert_eq(conntrack__parse_stat(b, &s), 0);
	cr_assert_eq(s.found + s.invalid + s.insert + s.drop + s.search_restart, 0);
	free(b);
}

Test(conntrack, sums_cpus_16_columns)
{
	struct conntrack_stat s;
	char *b = fx_load("proc/variants/nf_conntrack.16col");

	cr_assert_eq(conntrack__parse_stat(b, &s), 0);
	cr_assert_eq(s.found, 0xb + 0x10);
	cr_assert_eq(s.invalid, 2);
	cr_assert_eq(s.ignore, 4);
	cr_assert_eq(s.insert, 6);
	cr_assert_eq(s.insert_failed, 8);
	cr_assert_eq(s.drop, 10);
	cr_assert_eq(s.early_drop, 12);
	cr_assert_eq(s.search_restart, 0);
	free(b);
}

Test(conntrack, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",
		"hostile/proc/nf_conntrack.short",
		"hostile/proc/nf_conntrack.nonhex",
		"hostile/proc/nf_conntrack.noheader",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct conntrack_stat s;
		char *b = fx_load(files[i]);

		cr_assert_eq(conntrack__parse_stat(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
