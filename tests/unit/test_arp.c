// SPDX-License-Identifier: Apache-2.0
/* arp collector: /proc/net/arp parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/arp.h"
#include "proc_fixture.h"

Test(arp, this_machine)
{
	struct arp_stats s;
	char *b = fx_load("proc/net/arp");

	cr_assert_eq(arp__parse(b, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.dev[0].name, "eth0");
	cr_assert_eq(s.dev[0].entries, 1);
	arp__free(&s);
	free(b);
}

Test(arp, k8s_node_counts_per_device)
{
	struct arp_stats s;
	char *b = fx_load("proc/variants/net_arp.k8s");

	cr_assert_eq(arp__parse(b, &s), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.dev[0].name, "cni0");
	cr_assert_eq(s.dev[0].entries, 3); /* incomplete entries count too, as node_exporter */
	cr_assert_str_eq(s.dev[1].name, "flannel.1");
	cr_assert_eq(s.dev[1].entries, 1);
	cr_assert_str_eq(s.dev[2].name, "enp39s0");
	arp__free(&s);
	free(b);
}

Test(arp, empty_and_hostile)
{
	struct arp_stats s;
	char *e = fx_load("hostile/proc/empty"), *h = fx_load("hostile/proc/arp.short");

	cr_assert_eq(arp__parse(e, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(arp__parse(h, &s), -EINVAL);
	cr_assert_null(s.dev);
	free(e);
	free(h);
}
