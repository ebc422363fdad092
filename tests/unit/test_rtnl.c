// SPDX-License-Identifier: Apache-2.0
/* The dump answer walk: seq matching, the end and error messages, interrupted dumps, callback
 * errors and trailing garbage. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtnl.h"

static char buf[4096] __attribute__((aligned(8)));

static size_t put(size_t off, unsigned short type, unsigned int seq, unsigned short flags,
		  int error)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(buf + off);

	memset(nh, 0, NLMSG_SPACE(sizeof(struct nlmsgerr)));
	nh->nlmsg_type = type;
	nh->nlmsg_seq = seq;
	nh->nlmsg_flags = flags;
	if (type == NLMSG_ERROR) {
		((struct nlmsgerr *)NLMSG_DATA(nh))->error = error;
		nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	} else {
		nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	}
	return off + NLMSG_ALIGN(nh->nlmsg_len);
}

static int count_cb(const struct nlmsghdr *nh, void *arg)
{
	(void)nh;
	(*(int *)arg)++;
	return 0;
}

static int fail_cb(const struct nlmsghdr *nh, void *arg)
{
	(void)nh;
	(void)arg;
	return -ENOMEM;
}

Test(rtnl, walk_matches_seq_until_done)
{
	bool intr = false;
	int calls = 0;
	size_t off = 0;

	off = put(off, RTM_NEWLINK, 7, NLM_F_MULTI, 0);
	off = put(off, RTM_NEWLINK, 6, NLM_F_MULTI, 0); /* an older dump's leftover */
	off = put(off, RTM_NEWLINK, 7, NLM_F_MULTI, 0);
	cr_assert_eq(rtnl__walk(buf, off, 7, count_cb, &calls, &intr), 0);
	cr_assert_eq(calls, 2);
	off = put(off, NLMSG_DONE, 7, NLM_F_MULTI, 0);
	off = put(off, RTM_NEWLINK, 7, NLM_F_MULTI, 0); /* never reached */
	calls = 0;
	cr_assert_eq(rtnl__walk(buf, off, 7, count_cb, &calls, &intr), 1);
	cr_assert_eq(calls, 2);
	cr_assert(!intr);
}

Test(rtnl, walk_errors)
{
	bool intr = false;
	int calls = 0;
	size_t off;

	off = put(0, NLMSG_ERROR, 3, 0, -EPERM);
	cr_assert_eq(rtnl__walk(buf, off, 3, count_cb, &calls, &intr), -EPERM);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_LENGTH(2);
	cr_assert_eq(rtnl__walk(buf, NLMSG_ALIGN(NLMSG_LENGTH(2)), 3, count_cb, &calls, &intr),
		     -EIO);
	off = put(0, RTM_NEWLINK, 3, NLM_F_MULTI, 0);
	cr_assert_eq(rtnl__walk(buf, off, 3, fail_cb, NULL, &intr), -ENOMEM);
	cr_assert_eq(rtnl__walk(buf, off - 4, 3, count_cb, &calls, &intr), -EINVAL);
	cr_assert_eq(calls, 0, "a truncated message is never handed out");
	/* 8 stray bytes after a whole message: the message counts, the rest is an error. */
	cr_assert_eq(rtnl__walk(buf, off + 8, 3, count_cb, &calls, &intr), -EINVAL);
	cr_assert_eq(calls, 1);
}

Test(rtnl, walk_flags_interrupted_dump)
{
	bool intr = false;
	int calls = 0;
	size_t off = 0;

	off = put(off, RTM_NEWLINK, 1, NLM_F_MULTI | NLM_F_DUMP_INTR, 0);
	off = put(off, NLMSG_DONE, 1, NLM_F_MULTI, 0);
	cr_assert_eq(rtnl__walk(buf, off, 1, count_cb, &calls, &intr), 1);
	cr_assert(intr);
	cr_assert_eq(calls, 1);
}

Test(rtnl, dump_of_this_namespace)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int calls = 0;

	cr_assert_geq(fd, 0);
	/* Every namespace has lo: at least one link. */
	cr_assert_eq(rtnl__dump(fd, 42, RTM_GETLINK, AF_UNSPEC, count_cb, &calls), 0);
	cr_assert_geq(calls, 1);
	cr_assert_eq(rtnl__dump(fd, 43, RTM_NEWLINK, AF_UNSPEC, count_cb, &calls), -EINVAL);
	close(fd);
}
