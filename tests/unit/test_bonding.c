// SPDX-License-Identifier: Apache-2.0
/* bonding collector: interface name lists (bonding_masters, bonding/slaves) on node_exporter's
 * fixture and hostile input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/bonding.h"
#include "proc_fixture.h"

Test(bonding, node_exporter_masters)
{
	char *names[8], *b = fx_load("variants/bonding/class/net/bonding_masters");
	size_t n = 0;

	cr_assert_eq(bonding__parse_names(b, names, 8, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(names[0], "bond0");
	cr_assert_str_eq(names[1], "dmz");
	cr_assert_str_eq(names[2], "int");
	free(b);
}

Test(bonding, empty_and_repeated)
{
	char *names[4], *b = fx_str("\n");
	size_t n = 9;

	cr_assert_eq(bonding__parse_names(b, names, 4, &n), 0);
	cr_assert_eq(n, 0);
	free(b);
	b = fx_str("eth0 eth1 eth0\n");
	cr_assert_eq(bonding__parse_names(b, names, 4, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(names[1], "eth1");
	free(b);
}

Test(bonding, hostile)
{
	static const char *const bad[] = {
		"bond0 ../../etc\n", "bond0 .\n", "..\n", "a-very-long-interface-name\n",
		"a b c d e\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *names[4], *b = fx_str(bad[i]);
		size_t n;

		cr_assert_eq(bonding__parse_names(b, names, 4, &n), -EINVAL, "%s", bad[i]);
		free(b);
	}
}
