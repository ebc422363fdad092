// SPDX-License-Identifier: Apache-2.0
/* udp_queues collector: /proc/net/udp{,6} parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/udp_queues.h"
#include "proc_fixture.h"

Test(udp_queues, sums_queues)
{
	struct udp_queues q;
	char *a = fx_load("proc/net/udp"), *b = fx_load("proc/net/udp6");

	cr_assert_eq(udp_queues__parse(a, &q), 0);
	cr_assert_eq(q.tx, 0x100);
	cr_assert_eq(q.rx, 0x300);
	cr_assert_eq(udp_queues__parse(b, &q), 0);
	cr_assert_eq(q.tx, 0);
	cr_assert_eq(q.rx, 0xa00);
	free(a);
	free(b);
}

Test(udp_queues, header_only)
{
	struct udp_queues q;
	char *b = fx_str("   sl  local_address rem_address   st tx_queue rx_queue tr\n");

	cr_assert_eq(udp_queues__parse(b, &q), 0);
	cr_assert_eq(q.tx + q.rx, 0);
	free(b);
}

Test(udp_queues, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/udp.short",
					     "hostile/proc/udp.badqueue",
					     "hostile/proc/udp.overflow",
					     "hostile/proc/binary.random" };

	for (size_t i = 0; i < 5; i++) {
		struct udp_queues q;
		char *b = fx_load(files[i]);

		cr_assert_eq(udp_queues__parse(b, &q), -EINVAL, "%s", files[i]);
		free(b);
	}
}
