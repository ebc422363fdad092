// SPDX-License-Identifier: Apache-2.0
/* Link and default-route parsing on hand-built rtnetlink messages. Each message is parsed from a
 * heap copy of exactly nlmsg_len bytes, so a read past a truncated message or attribute is an
 * out-of-bounds read the sanitizer build reports. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "links.h"

struct msg {
	union {
		struct nlmsghdr nh;
		char buf[4096];
	};
} __attribute__((aligned(8)));

static void *tail(struct msg *m)
{
	return m->buf + NLMSG_ALIGN(m->nh.nlmsg_len);
}

static struct rtattr *add_attr(struct msg *m, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = tail(m);

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static struct rtattr *add_u32(struct msg *m, unsigned short type, __u32 v)
{
	return add_attr(m, type, &v, sizeof(v));
}

static struct rtattr *add_str(struct msg *m, unsigned short type, const char *s)
{
	return add_attr(m, type, s, strlen(s) + 1);
}

static struct rtattr *nest_begin(struct msg *m, unsigned short type)
{
	return add_attr(m, type, NULL, 0);
}

static void nest_end(struct msg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(m->buf + m->nh.nlmsg_len - (char *)nest);
}

static void link_msg(struct msg *m, unsigned char family, int ifindex)
{
	struct ifinfomsg *ifi;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_type = RTM_NEWLINK;
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi = NLMSG_DATA(&m->nh);
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
}

static void link_kind(struct msg *m, const char *kind)
{
	struct rtattr *info = nest_begin(m, IFLA_LINKINFO);

	add_str(m, IFLA_INFO_KIND, kind);
	nest_end(m, info);
}

static struct nlmsghdr *exact(const struct msg *m)
{
	struct nlmsghdr *nh = malloc(m->nh.nlmsg_len);

	cr_assert_not_null(nh);
	memcpy(nh, m->buf, m->nh.nlmsg_len);
	return nh;
}

static int parse(const struct msg *m, struct link_attrs *a)
{
	struct nlmsghdr *nh = exact(m);
	int err = links__parse_link(nh, a);

	free(nh);
	return err;
}

Test(links_rtnl, veth_enslaved_to_bridge)
{
	static const struct links_config cfg = { .bridge = "cni0", .overlay = "flannel.1" };
	struct link_attrs a;
	struct msg m;

	link_msg(&m, AF_UNSPEC, 9);
	add_str(&m, IFLA_IFNAME, "veth3f2a1b0c");
	add_u32(&m, IFLA_MTU, 1450);
	add_u32(&m, IFLA_MASTER, 5);
	link_kind(&m, "veth");
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_eq(a.ifindex, 9);
	cr_assert_str_eq(a.name, "veth3f2a1b0c");
	cr_assert_eq(a.master, 5);
	cr_assert_str_eq(a.kind, "veth");
	cr_assert_eq(links__classify(&a, &cfg, 5, false), LAYER_POD);
	cr_assert_eq(links__classify(&a, &cfg, 6, false), LAYER_NONE);
}

Test(links_rtnl, bridge_and_vxlan_kinds)
{
	struct link_attrs a;
	struct rtattr *info, *data;
	struct msg m;

	link_msg(&m, AF_UNSPEC, 5);
	add_str(&m, IFLA_IFNAME, "cni0");
	link_kind(&m, "bridge");
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_str_eq(a.kind, "bridge");
	cr_assert_eq(a.master, 0);

	/* Kind after the kind-specific data, as some kernels order them. */
	link_msg(&m, AF_UNSPEC, 4);
	add_str(&m, IFLA_IFNAME, "flannel.1");
	info = nest_begin(&m, IFLA_LINKINFO);
	data = nest_begin(&m, IFLA_INFO_DATA);
	add_u32(&m, 1 /* IFLA_VXLAN_ID */, 1);
	nest_end(&m, data);
	add_str(&m, IFLA_INFO_KIND, "vxlan");
	nest_end(&m, info);
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_eq(a.ifindex, 4);
	cr_assert_str_eq(a.name, "flannel.1");
	cr_assert_str_eq(a.kind, "vxlan");

	/* A physical NIC has no IFLA_LINKINFO. */
	link_msg(&m, AF_UNSPEC, 2);
	add_str(&m, IFLA_IFNAME, "eth0");
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_str_eq(a.kind, "");
}

Test(links_rtnl, af_bridge_messages_ignored)
{
	struct link_attrs a = { .ifindex = -1 };
	struct msg m;

	link_msg(&m, AF_BRIDGE, 9);
	add_str(&m, IFLA_IFNAME, "veth3f2a1b0c");
	add_u32(&m, IFLA_MASTER, 5);
	cr_assert_eq(parse(&m, &a), -EAGAIN);
	cr_assert_eq(a.ifindex, -1, "an ignored message leaves the output alone");
}

Test(links_rtnl, malformed_links)
{
	struct link_attrs a;
	struct msg m;

	link_msg(&m, AF_UNSPEC, 3);
	add_u32(&m, IFLA_MASTER, 5);
	cr_assert_eq(parse(&m, &a), -EINVAL, "no name");

	link_msg(&m, AF_UNSPEC, 3);
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) - 4;
	cr_assert_eq(parse(&m, &a), -EINVAL, "shorter than ifinfomsg");

	link_msg(&m, AF_UNSPEC, 3);
	add_attr(&m, IFLA_IFNAME, "", 0);
	cr_assert_eq(parse(&m, &a), -EINVAL, "empty name");
}

Test(links_rtnl, truncated_and_oversized_attributes)
{
	struct link_attrs a;
	struct rtattr *rta;
	struct msg m;
	__u16 half = 5;

	/* IFLA_MASTER with a 2-byte payload is not a master. */
	link_msg(&m, AF_UNSPEC, 9);
	add_str(&m, IFLA_IFNAME, "veth0");
	add_attr(&m, IFLA_MASTER, &half, sizeof(half));
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_eq(a.master, 0);

	/* The message ends inside IFLA_LINKINFO: the name before it stands, the kind is lost. */
	link_msg(&m, AF_UNSPEC, 9);
	add_str(&m, IFLA_IFNAME, "veth0");
	link_kind(&m, "veth");
	m.nh.nlmsg_len -= 4;
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_str_eq(a.name, "veth0");
	cr_assert_str_eq(a.kind, "");

	/* An attribute claiming more than the message holds ends the walk. */
	link_msg(&m, AF_UNSPEC, 9);
	add_str(&m, IFLA_IFNAME, "veth0");
	rta = add_u32(&m, IFLA_MASTER, 5);
	rta->rta_len = 200;
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_eq(a.master, 0);

	/* Names and kinds without a NUL and longer than the fields are cut, not overrun. */
	link_msg(&m, AF_UNSPEC, 9);
	add_attr(&m, IFLA_IFNAME, "abcdefghijklmnopqrstuvwxyz", 26);
	rta = nest_begin(&m, IFLA_LINKINFO);
	add_attr(&m, IFLA_INFO_KIND, "vethvethvethvethveth", 20);
	nest_end(&m, rta);
	cr_assert_eq(parse(&m, &a), 0);
	cr_assert_str_eq(a.name, "abcdefghijklmno");
	cr_assert_str_eq(a.kind, "vethvethvethvet");
}

static void route_msg(struct msg *m, unsigned short type, unsigned char family,
		      unsigned char dst_len, unsigned char table, unsigned char rtype)
{
	struct rtmsg *rtm;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	rtm = NLMSG_DATA(&m->nh);
	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_type = rtype;
	rtm->rtm_protocol = RTPROT_DHCP;
}

static void add_hops(struct msg *m, const int *ifindex, size_t n)
{
	struct rtattr *mp = nest_begin(m, RTA_MULTIPATH);

	for (size_t i = 0; i < n; i++) {
		struct rtnexthop *hop = tail(m);

		memset(hop, 0, sizeof(*hop));
		hop->rtnh_len = sizeof(*hop);
		hop->rtnh_ifindex = ifindex[i];
		m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + RTNH_ALIGN(hop->rtnh_len);
	}
	nest_end(m, mp);
}

static void collect(struct route_set *r, const struct msg *m)
{
	struct nlmsghdr *nh = exact(m);

	links__collect_default_route(r, nh);
	free(nh);
}

Test(links_rtnl, default_route_oif)
{
	struct route_set r = { .n = 0 };
	struct msg m;

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	add_u32(&m, RTA_OIF, 2);
	collect(&r, &m);
	route_msg(&m, RTM_NEWROUTE, AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 2);
	collect(&r, &m);
	cr_assert_eq(r.n, 1, "a device is in the set once");
	cr_assert_eq(r.devs[0], 2);
	cr_assert(route_set__has(&r, 2));
	cr_assert(!route_set__has(&r, 3));
}

Test(links_rtnl, multipath_default_route)
{
	static const int hops[] = { 3, 4, 3, 0 };
	struct route_set r = { .n = 0 };
	struct msg m;

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	add_hops(&m, hops, 4);
	collect(&r, &m);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.devs[0], 3);
	cr_assert_eq(r.devs[1], 4);
}

Test(links_rtnl, multipath_more_hops_than_the_set)
{
	int hops[LINKS_MAX_DEFAULT_ROUTE_DEVS + 4];
	struct route_set r = { .n = 0 };
	struct msg m;

	for (size_t i = 0; i < sizeof(hops) / sizeof(hops[0]); i++)
		hops[i] = (int)i + 10;
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 2);
	add_hops(&m, hops, sizeof(hops) / sizeof(hops[0]));
	collect(&r, &m);
	cr_assert_eq(r.n, LINKS_MAX_DEFAULT_ROUTE_DEVS);
	cr_assert_eq(r.devs[0], 2);
	cr_assert_eq(r.devs[1], 10);
	cr_assert_eq(r.devs[LINKS_MAX_DEFAULT_ROUTE_DEVS - 1],
		     10 + LINKS_MAX_DEFAULT_ROUTE_DEVS - 2);
}

Test(links_rtnl, only_main_table_unicast_defaults)
{
	struct route_set r = { .n = 0 };
	struct msg m;

	/* RTA_TABLE (32-bit ids) overrides the 8-bit rtm_table. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_TABLE, 1000);
	add_u32(&m, RTA_OIF, 7);
	collect(&r, &m);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_LOCAL, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 7);
	collect(&r, &m);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 24, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 7);
	collect(&r, &m);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_BLACKHOLE);
	add_u32(&m, RTA_OIF, 7);
	collect(&r, &m);
	route_msg(&m, RTM_DELROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 7);
	collect(&r, &m);
	cr_assert_eq(r.n, 0);

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_COMPAT, RTN_UNICAST);
	add_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	add_u32(&m, RTA_OIF, 8);
	collect(&r, &m);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.devs[0], 8);
}

Test(links_rtnl, truncated_routes)
{
	static const int hops[] = { 3, 4 };
	struct route_set r = { .n = 0 };
	struct rtnexthop *hop;
	struct rtattr *rta;
	struct msg m;

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)) - 4;
	collect(&r, &m);
	cr_assert_eq(r.n, 0, "shorter than rtmsg");

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	rta = add_u32(&m, RTA_OIF, 7);
	rta->rta_len = RTA_LENGTH(2);
	collect(&r, &m);
	cr_assert_eq(r.n, 0, "2-byte RTA_OIF");

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_u32(&m, RTA_OIF, 7);
	m.nh.nlmsg_len -= 2;
	collect(&r, &m);
	cr_assert_eq(r.n, 0, "message ends inside RTA_OIF");

	/* A next hop claiming more than the attribute holds ends the list. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_hops(&m, hops, 2);
	hop = (struct rtnexthop *)RTA_DATA(RTM_RTA((struct rtmsg *)NLMSG_DATA(&m.nh)));
	hop->rtnh_len = 64;
	collect(&r, &m);
	cr_assert_eq(r.n, 0);

	/* A next hop shorter than its header ends the list, too. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	add_hops(&m, hops, 2);
	hop = (struct rtnexthop *)RTA_DATA(RTM_RTA((struct rtmsg *)NLMSG_DATA(&m.nh)));
	RTNH_NEXT(hop)->rtnh_len = 4;
	collect(&r, &m);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.devs[0], 3);
}
