// SPDX-License-Identifier: Apache-2.0
/* /proc/net/dev parser. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/netdev.h"
#include "proc_fixture.h"
#include "rtnl.h"

Test(netdev, this_machine)
{
	struct netdev_stats s;
	char *b = fx_load("proc/net/dev");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 5);
	cr_assert_str_eq(s.dev[0].name, "lo");
	cr_assert_eq(s.dev[0].v[0], 4367);
	cr_assert_eq(s.dev[0].v[1], 51);
	cr_assert_str_eq(s.dev[3].name, "eth0");
	cr_assert_eq(s.dev[3].v[0], 108936286);
	cr_assert_eq(s.dev[3].v[9], 2198);
	cr_assert_str_eq(s.dev[4].name, "cni-podman0");
	cr_assert_eq(s.dev[4].v[7], 3);	 /* receive_multicast */
	cr_assert_eq(s.dev[4].v[11], 2); /* transmit_drop */
	netdev__free(&s);
	free(b);
}

Test(netdev, k8s_node_long_names_and_max_u64)
{
	struct netdev_stats s;
	char *b = fx_load("proc/variants/net_dev.k8s");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 5);
	cr_assert_str_eq(s.dev[2].name, "flannel.1");
	cr_assert_eq(s.dev[2].v[11], 171);
	cr_assert_str_eq(s.dev[4].name, "veth3a1b2c3d");
	cr_assert_eq(s.dev[1].v[0], UINT64_MAX);
	cr_assert_eq(s.dev[1].v[5], 17); /* receive_frame */
	cr_assert_eq(s.dev[1].v[14], 2); /* transmit_carrier */
	cr_assert_str_eq(netdev_field_names[14], "transmit_carrier");
	cr_assert_str_eq(netdev_field_names[13], "transmit_colls");
	netdev__free(&s);
	free(b);
}

Test(netdev, headers_only_is_empty)
{
	struct netdev_stats s;
	char *b = fx_str("Inter-|   Receive  |  Transmit\n face |bytes |bytes\n");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 0);
	netdev__free(&s);
	free(b);
}

Test(netdev, hostile)
{
	static const char *const files[] = {
		"hostile/proc/net_dev.short",  "hostile/proc/net_dev.huge",
		"hostile/proc/net_dev.noname", "hostile/proc/net_dev.duplicate",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct netdev_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(netdev__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.dev);
		free(b);
	}
}

Test(netdev, overlong_name)
{
	struct netdev_stats s;
	char *b = fx_str(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");

	cr_assert_eq(netdev__parse(b, &s), -EINVAL);
	free(b);
}

/* Appends one RTM_NEWLINK message (name, stats64 with rx_nohandler) to buf at *off. */
static void put_link(char *buf, size_t *off, const char *name, uint64_t noh)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(buf + *off);
	struct rtattr *rta;
	struct rtnl_link_stats64 st;
	size_t nl = strlen(name) + 1;

	memset(&st, 0, sizeof(st));
	st.rx_nohandler = noh;
	nh->nlmsg_type = RTM_NEWLINK;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	memset(NLMSG_DATA(nh), 0, sizeof(struct ifinfomsg));
	rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(nl);
	memcpy(RTA_DATA(rta), name, nl);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	rta = (struct rtattr *)((char *)nh + nh->nlmsg_len);
	rta->rta_type = IFLA_STATS64;
	rta->rta_len = RTA_LENGTH(sizeof(st));
	memcpy(RTA_DATA(rta), &st, sizeof(st));
	nh->nlmsg_len += RTA_ALIGN(rta->rta_len);
	*off += NLMSG_ALIGN(nh->nlmsg_len);
}

Test(netdev, rtnl_dump_sets_nohandler_by_name)
{
	static char buf[8192] __attribute__((aligned(8)));
	struct netdev_stats s;
	struct nlmsghdr *done;
	bool intr = false;
	size_t off = 0;
	char *b = fx_load("proc/variants/net_dev.k8s");

	cr_assert_eq(netdev__parse(b, &s), 0);
	put_link(buf, &off, "flannel.1", 7);
	put_link(buf, &off, "not-in-proc", 9);
	put_link(buf, &off, "lo", 0);
	cr_assert_eq(rtnl__walk(buf, off, 0, netdev__rtnl_link, &s, &intr), 0);
	cr_assert(s.dev[2].have_nohandler);
	cr_assert_eq(s.dev[2].nohandler, 7);
	cr_assert(s.dev[0].have_nohandler);
	cr_assert(!s.dev[1].have_nohandler); /* eth0 not in the dump */
	done = (struct nlmsghdr *)buf;
	memset(done, 0, sizeof(*done));
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_len = NLMSG_LENGTH(4);
	cr_assert_eq(rtnl__walk(buf, NLMSG_ALIGN(done->nlmsg_len), 0, netdev__rtnl_link, &s, &intr),
		     1);
	/* truncated message */
	off = 0;
	put_link(buf, &off, "cni0", 1);
	cr_assert_eq(rtnl__walk(buf, off - 4, 0, netdev__rtnl_link, &s, &intr), -EINVAL);
	cr_assert(!intr);
	netdev__free(&s);
	free(b);
}

Test(netdev, address_scope_and_prefix_like_go)
{
	struct in_addr a4;
	struct in6_addr a6;
	unsigned char m24[4] = { 255, 255, 255, 0 },
		      m64[16] = { 255, 255, 255, 255, 255, 255, 255, 255 };

	inet_pton(AF_INET, "127.0.0.1", &a4);
	cr_assert_str_eq(netdev__addr_scope(AF_INET, &a4), "link-local");
	inet_pton(AF_INET, "169.254.3.3", &a4);
	cr_assert_str_eq(netdev__addr_scope(AF_INET, &a4), "link-local");
	inet_pton(AF_INET, "10.244.1.1", &a4);
	cr_assert_str_eq(netdev__addr_scope(AF_INET, &a4), "global");
	inet_pton(AF_INET6, "::1", &a6);
	cr_assert_str_eq(netdev__addr_scope(AF_INET6, &a6), "link-local");
	inet_pton(AF_INET6, "fe80::1", &a6);
	cr_assert_str_eq(netdev__addr_scope(AF_INET6, &a6), "link-local");
	inet_pton(AF_INET6, "fd00::5", &a6);
	cr_assert_str_eq(netdev__addr_scope(AF_INET6, &a6), "global");
	cr_assert_eq(netdev__prefix_len(m24, 4), 24);
	cr_assert_eq(netdev__prefix_len(m64, 16), 64);
}
