// SPDX-License-Identifier: Apache-2.0
/* rtnetlink dumps: one request/answer loop for every RTM_GET* dump the agent does (links and
 * default routes for the link watch, link statistics for the netdev collector). */
#ifndef NODEPATH_RTNL_H
#define NODEPATH_RTNL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called once per answer message (never NLMSG_DONE or NLMSG_ERROR). Nonzero stops the dump
 * and is returned by it. The message is valid only during the call. */
typedef int (*rtnl_msg_fn)(const struct nlmsghdr *nh, void *arg);

/* Pure: one received datagram of a dump answer. Messages of another seq are skipped; *intr is
 * set when one carries NLM_F_DUMP_INTR. Returns 1 at NLMSG_DONE, 0 when the answer goes on in
 * the next datagram, the kernel's -errno of an NLMSG_ERROR, -EIO for a short error message,
 * -EINVAL for trailing bytes that are no whole message, or cb's nonzero return. */
int rtnl__walk(const void *buf, size_t len, uint32_t seq, rtnl_msg_fn cb, void *arg, bool *intr);

/* Sends an RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE dump request for family on fd (a
 * NETLINK_ROUTE socket) and feeds the answer to cb. 0 when the whole answer was read; -EAGAIN
 * when the kernel flagged it interrupted (the table changed meanwhile, so the view may miss
 * entries: callers that need a complete view dump again); otherwise as rtnl__walk or -errno of
 * send/recv (EAGAIN from a receive timeout is -ETIMEDOUT). */
int rtnl__dump(int fd, uint32_t seq, uint16_t type, uint8_t family, rtnl_msg_fn cb, void *arg);

#endif
