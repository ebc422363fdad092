// SPDX-License-Identifier: Apache-2.0
/* Node network facts: CIDR parsing for the path classes, and flanneld's subnet.env
 * (--path.flannel-subnet) for the cluster and node pod CIDRs and the overlay MTU.
 * flanneld writes subnet.env atomically (temp file + rename), possibly after nodepath starts,
 * and rewrites it when the lease changes; it is re-read whenever its stamp changes. */
#ifndef NODEPATH_NETINFO_H
#define NODEPATH_NETINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 prefix, host bits cleared. family is AF_INET or AF_INET6. */
struct cidr {
	uint8_t family;
	uint8_t prefix;
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
};

/* "10.96.0.0/12", "fd00:10:96::/112". The prefix length is required (decimal, no sign, no
 * leading zeros, <= 32 / 128); host bits may be set ("10.244.1.1/24") and are cleared.
 * 0 or -EINVAL. */
int cidr__parse(const char *s, struct cidr *out);

/* Same, for the first len bytes of s (no NUL needed). */
int cidr__parse_n(const char *s, size_t len, struct cidr *out);

/* Canonical text ("10.244.1.0/24"). -ENOSPC if cap is too small (64 always suffices). */
int cidr__format(const struct cidr *c, char *buf, size_t cap);

/* addr: 4 or 16 bytes in network order, of family. */
bool cidr__contains(const struct cidr *c, int family, const void *addr);

#define NETINFO_MAX_CIDRS 8

struct flannel_subnet {
	struct cidr networks[NETINFO_MAX_CIDRS]; /* FLANNEL_NETWORK, then FLANNEL_IPV6_NETWORK */
	size_t n_networks;
	struct cidr subnets[NETINFO_MAX_CIDRS]; /* FLANNEL_SUBNET, then FLANNEL_IPV6_SUBNET */
	size_t n_subnets;
	uint32_t mtu; /* 0 when FLANNEL_MTU is absent */
	bool has_ipmasq;
	bool ipmasq;
};

/* Pure parser for subnet.env (KEY=VALUE lines as flanneld writes them; values may be
 * comma-separated CIDR lists since flannel's MultiClusterCIDR support; "#" comments, blank
 * lines, CRLF, double quotes around a value and unknown keys are tolerated). A known key with a
 * bad value is -EINVAL; no network or no subnet at all is -ENODATA. Later lines win. */
int flannel_subnet__parse(const char *buf, size_t len, struct flannel_subnet *out);

/* Comma-joined canonical CIDRs of the given list, "" if none. -ENOSPC if cap is too small. */
int netinfo__join_cidrs(const struct cidr *c, size_t n, char *buf, size_t cap);

/* The --path.flannel-subnet file, re-read when its (mtime, size, inode) changes: a cheap stat
 * per call. Thread-safe. 0, or -ENOENT when the file is missing or invalid (logged once per
 * version of the file). */
int netinfo__get(struct flannel_subnet *out);

/* Tests: point at another file and forget the cached state. NULL restores the flag's value. */
void netinfo__set_path(const char *path);

#endif
