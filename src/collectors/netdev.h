// SPDX-License-Identifier: Apache-2.0
/* netdev collector: /proc/net/dev, rx_nohandler from an rtnetlink link dump, address info. Its
 * parsers are pure (buffer in, modified in place; struct out) and return 0 or -EINVAL for malformed
 * input, never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_NETDEV_H
#define NODEPATH_COLLECTORS_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { NETDEV_NFIELDS = 16 };
extern const char *const netdev_field_names[NETDEV_NFIELDS];
struct netdev_line {
	char name[32];
	uint64_t v[NETDEV_NFIELDS];
	bool have_nohandler;
	uint64_t nohandler;
};
struct netdev_stats {
	struct netdev_line *dev;
	size_t n;
	size_t next; /* where the next name match is tried first (both lists go by ifindex) */
};
int netdev__parse(char *buf, struct netdev_stats *out);
void netdev__free(struct netdev_stats *s);
/* rtnl_msg_fn for an RTM_GETLINK dump: rx_nohandler of one RTM_NEWLINK message goes to the
 * device of arg (a struct netdev_stats) with the same name. -EINVAL for a malformed message. */
struct nlmsghdr;
int netdev__rtnl_link(const struct nlmsghdr *nh, void *arg);
/* --collector.netdev.address-info: Go's scope names for an AF_INET/AF_INET6 address, and the
 * prefix length of a netmask of len bytes. */
const char *netdev__addr_scope(int family, const void *addr);
int netdev__prefix_len(const unsigned char *mask, size_t len);

#endif
