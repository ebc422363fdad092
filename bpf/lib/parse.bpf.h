// SPDX-License-Identifier: GPL-2.0-only
/* Header reads for classification. Headers in the skb's linear area are read in place (direct
 * packet access, no helper call); a header that is not (a fragmented skb) is copied out with
 * bpf_skb_load_bytes, which reads whatever the linearisation, so the result never depends on it.
 * A frame too short for a header fails the read and is not classified. */
#ifndef NODEPATH_PARSE_BPF_H
#define NODEPATH_PARSE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define NP_ETH_HLEN 14
#define NP_ETH_P_IP 0x0800
#define NP_ETH_P_IPV6 0x86DD
#define NP_IPPROTO_TCP 6
#define NP_IPPROTO_UDP 17

/* len bytes at off: *hdr points into the packet when they are linear, else at buf, where they
 * were copied; -1 when the skb is shorter. Failure is a return value, never a NULL pointer: the
 * verifier refuses comparing a packet pointer with NULL to a loader without CAP_PERFMON, which
 * the agent drops after start (and a set-up retried later must still load). */
static __always_inline int np_hdr(struct __sk_buff *skb, __u32 off, void *buf, __u32 len,
				  const void **hdr)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (data + off + len <= end) {
		*hdr = data + off;
		return 0;
	}
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return -1;
	*hdr = buf;
	return 0;
}

/* The IPv4 header of an IPv4 frame (whole fixed header present, version 4, ihl >= 5) in *ip, or
 * -1. The whole fixed header is required, not just the addresses: a truncated frame from a pod's
 * packet socket, bridged to another pod, must not be classified. */
static __always_inline int np_ip4(struct __sk_buff *skb, struct iphdr *buf, const struct iphdr **ip)
{
	if (np_hdr(skb, NP_ETH_HLEN, buf, sizeof(*buf), (const void **)ip))
		return -1;
	if ((*ip)->version != 4 || (*ip)->ihl < 5)
		return -1;
	return 0;
}

/* As np_ip4 for IPv6 (whole fixed header, version 6). */
static __always_inline int np_ip6(struct __sk_buff *skb, struct ipv6hdr *buf,
				  const struct ipv6hdr **ip6)
{
	if (np_hdr(skb, NP_ETH_HLEN, buf, sizeof(*buf), (const void **)ip6))
		return -1;
	if ((*ip6)->version != 6)
		return -1;
	return 0;
}

/* Transport protocol and destination port of an IPv4/IPv6 TCP or UDP packet (first fragment or
 * unfragmented; IPv6 without extension headers). 0 on success. */
static __always_inline int np_load_l4_dport(struct __sk_buff *skb, __u8 *l4proto, __u16 *dport)
{
	__u16 proto = bpf_ntohs((__u16)skb->protocol);
	__u32 l4off;
	const __be16 *port;
	__be16 pbuf;

	if (proto == NP_ETH_P_IP) {
		struct iphdr buf;
		const struct iphdr *ip;

		/* ihl < 5 would put the "port" inside the IP header; ip_rcv drops such packets. */
		if (np_ip4(skb, &buf, &ip))
			return -1;
		if (bpf_ntohs(ip->frag_off) & 0x1fff) /* not the first fragment: no ports */
			return -1;
		*l4proto = ip->protocol;
		l4off = NP_ETH_HLEN + (__u32)ip->ihl * 4;
	} else if (proto == NP_ETH_P_IPV6) {
		struct ipv6hdr buf;
		const struct ipv6hdr *ip6;

		if (np_ip6(skb, &buf, &ip6))
			return -1;
		*l4proto = ip6->nexthdr;
		l4off = NP_ETH_HLEN + sizeof(*ip6);
	} else {
		return -1;
	}
	if (*l4proto != NP_IPPROTO_TCP && *l4proto != NP_IPPROTO_UDP)
		return -1;
	/* TCP and UDP both keep the destination port at offset 2. */
	if (np_hdr(skb, l4off + 2, &pbuf, sizeof(pbuf), (const void **)&port))
		return -1;
	*dport = bpf_ntohs(*port);
	return 0;
}

#endif /* NODEPATH_PARSE_BPF_H */
