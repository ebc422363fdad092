// SPDX-License-Identifier: Apache-2.0
/* rtnetlink dump request and answer loop (see rtnl.h). */
#include "rtnl.h"

#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Large enough for the biggest datagram the kernel builds for a dump (it sizes them to the
 * reader's buffer, up to 32 KiB with 4 KiB pages, more with larger pages). */
#define RTNL_BUF_SIZE (64 * 1024)

int rtnl__walk(const void *buf, size_t len, uint32_t seq, rtnl_msg_fn cb, void *arg, bool *intr)
{
	const struct nlmsghdr *nh = buf;
	int left, err;

	if (len > INT_MAX)
		return -EINVAL;
	left = (int)len;
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (nh->nlmsg_seq != seq)
			continue;
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = true;
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EIO;
			return e->error < 0 ? e->error : 1;
		}
		err = cb(nh, arg);
		if (err)
			return err;
	}
	return left == 0 ? 0 : -EINVAL;
}

int rtnl__dump(int fd, uint32_t seq, uint16_t type, uint8_t family, rtnl_msg_fn cb, void *arg)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
		};
	} req = {};
	char *buf = NULL;
	bool intr = false;
	int err = 0;

	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	switch (type) {
	case RTM_GETLINK:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
		req.ifi.ifi_family = family;
		break;
	case RTM_GETADDR:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
		req.ifa.ifa_family = family;
		break;
	case RTM_GETROUTE:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rtm));
		req.rtm.rtm_family = family;
		break;
	default:
		return -EINVAL;
	}
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	buf = malloc(RTNL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	while (!err) {
		ssize_t n = recv(fd, buf, RTNL_BUF_SIZE, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		else if (n == 0)
			err = -EIO;
		else
			err = rtnl__walk(buf, (size_t)n, seq, cb, arg, &intr);
	}
	free(buf);
	if (err == 1)
		err = intr ? -EAGAIN : 0;
	return err;
}
