// SPDX-License-Identifier: Apache-2.0
/* The set of pod network namespaces drops are counted for: one entry per inode (the smallest
 * veth name of a pod with several), found by inode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "netns_pods.h"

static struct netns_pod np(uint32_t inode, const char *veth)
{
	struct netns_pod p = { .inode = inode };

	snprintf(p.veth, sizeof(p.veth), "%s", veth);
	return p;
}

Test(netns_pods, dedupe_keeps_the_smallest_veth_per_inode)
{
	struct netns_pod v[] = { np(30, "vethc"), np(10, "vethb"), np(20, "veth2"),
				 np(10, "veth9"), np(30, "vetha"), np(10, "vethz") };
	size_t n = netns_pods__dedupe(v, 6);

	cr_assert_eq(n, 3);
	cr_expect_eq(v[0].inode, 10);
	cr_expect_str_eq(v[0].veth, "veth9");
	cr_expect_eq(v[1].inode, 20);
	cr_expect_str_eq(v[1].veth, "veth2");
	cr_expect_eq(v[2].inode, 30);
	cr_expect_str_eq(v[2].veth, "vetha");
}

Test(netns_pods, dedupe_of_none_or_one)
{
	struct netns_pod v[] = { np(7, "veth0") };

	cr_expect_eq(netns_pods__dedupe(v, 0), 0);
	cr_expect_eq(netns_pods__dedupe(v, 1), 1);
	cr_expect_eq(netns_pods__find(v, 0, 7), NULL);
	cr_expect_eq(netns_pods__find(NULL, 0, 7), NULL);
	cr_expect_eq(netns_pods__find(v, 1, 7), &v[0]);
	cr_expect_eq(netns_pods__find(v, 1, 8), NULL);
}

/* Every inode of a large set is found where it is, every gap and both ends are not, including
 * inodes at the ends of uint32_t (a subtraction comparator would overflow there). */
Test(netns_pods, find_every_entry_and_no_gap)
{
	enum { N = 5000 };
	static struct netns_pod v[N];
	size_t n;

	for (size_t i = 0; i < N; i++) /* inserted backwards, twice each: dedupe sorts */
		v[i] = np(i == 0 ? 0xfffffff0u : (uint32_t)(2 * ((N - i) / 2) + 1), "veth");
	n = netns_pods__dedupe(v, N);
	cr_assert_eq(n, N / 2 + 1);
	for (size_t i = 0; i + 1 < n; i++)
		cr_assert_lt(v[i].inode, v[i + 1].inode);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(netns_pods__find(v, n, v[i].inode), &v[i]);
	for (uint32_t ino = 0; ino <= N + 2; ino += 2)
		cr_assert_null(netns_pods__find(v, n, ino));
	cr_expect_null(netns_pods__find(v, n, 0xffffffffu));
	cr_expect_eq(netns_pods__find(v, n, 0xfffffff0u), &v[n - 1]);
}
