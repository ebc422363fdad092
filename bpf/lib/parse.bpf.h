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

/* len bytes at off: a pointer into the packet when they are linear, else copied into buf; NULL
 * when the skb is shorter. */
static __always_inline const void *np_hdr(struct __sk_buff *skb, __u32 off, void *buf, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (data + off + len <= end)
		return data + off;
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return NULL;
	return buf;
}

/* The IPv4 header of an IPv4 frame (whole fixed header present, version 4, ihl >= 5), else NULL.
 * The whole fixed header is required, not just the addresses: a truncated frame from a pod's
 * packet socket, bridged to another pod, must not be classified. */
static __always_inline const struct iphdr *np_ip4(struct __sk_buff *skb, struct iphdr *buf)
{
	const struct iphdr *ip = np_hdr(skb, NP_ETH_HLEN, buf, sizeof(*buf));

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return NULL;
	return ip;
}

/* As np_ip4 for IPv6 (whole fixed header, version 6). */
static __always_inline const struct ipv6hdr *np_ip6(struct __sk_buff *skb, struct ipv6hdr *buf)
{
	const struct ipv6hdr *ip6 = np_hdr(skb, NP_ETH_HLEN, buf, sizeof(*buf));

	if (!ip6 || ip6->version != 6)
		return NULL;
	return ip6;
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
		const struct iphdr *ip = np_ip4(skb, &buf);

		/* ihl < 5 would put the "port" inside the IP header; ip_rcv drops such packets. */
		if (!ip)
			return -1;
		if (bpf_ntohs(ip->frag_off) & 0x1fff) /* not the first fragment: no ports */
			return -1;
		*l4proto = ip->protocol;
		l4off = NP_ETH_HLEN + (__u32)ip->ihl * 4;
	} else if (proto == NP_ETH_P_IPV6) {
		struct ipv6hdr buf;
		const struct ipv6hdr *ip6 = np_ip6(skb, &buf);

		if (!ip6)
			return -1;
		*l4proto = ip6->nexthdr;
		l4off = NP_ETH_HLEN + sizeof(*ip6);
	} else {
		return -1;
	}
	if (*l4proto != NP_IPPROTO_TCP && *l4proto != NP_IPPROTO_UDP)
		return -1;
	/* TCP and UDP both keep the destination port at offset 2. */
	port = np_hdr(skb, l4off + 2, &pbuf, sizeof(pbuf));
	if (!port)
		return -1;
	*dport = bpf_ntohs(*port);
	return 0;
}

#endif /* NODEPATH_PARSE_BPF_H */
