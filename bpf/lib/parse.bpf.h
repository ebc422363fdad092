// SPDX-License-Identifier: GPL-2.0-only
/* Header reads for classification. bpf_skb_load_bytes copies out of the skb whatever its
 * linearisation, so there are no direct-packet-access bounds to prove; a short frame just fails
 * the read and is not classified. */
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

/* The peer address: destination when the pod sends, source when it receives. Returns the
 * address family's byte count (4 or 16) or 0 for frames that are not IPv4/IPv6 or whose network
 * header is cut short or malformed. The whole fixed header is read, not just the address: the
 * source address ends before the header does (byte 30 of 34 for IPv4, 38 of 54 for IPv6), and a
 * truncated frame from a pod's packet socket, bridged to another pod, must not be classified. */
static __always_inline int np_load_addr(struct __sk_buff *skb, bool want_dst, __u8 addr[16])
{
	__u16 proto = bpf_ntohs((__u16)skb->protocol);

	if (proto == NP_ETH_P_IP) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, NP_ETH_HLEN, &ip, sizeof(ip)))
			return 0;
		if (ip.version != 4 || ip.ihl < 5)
			return 0;
		__builtin_memcpy(addr, want_dst ? (void *)&ip.daddr : (void *)&ip.saddr, 4);
		return 4;
	}
	if (proto == NP_ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, NP_ETH_HLEN, &ip6, sizeof(ip6)))
			return 0;
		if (ip6.version != 6)
			return 0;
		__builtin_memcpy(addr, want_dst ? (void *)&ip6.daddr : (void *)&ip6.saddr, 16);
		return 16;
	}
	return 0;
}

/* Transport protocol and destination port of an IPv4/IPv6 TCP or UDP packet (first fragment or
 * unfragmented; IPv6 without extension headers). 0 on success. */
static __always_inline int np_load_l4_dport(struct __sk_buff *skb, __u8 *l4proto, __u16 *dport)
{
	__u16 proto = bpf_ntohs((__u16)skb->protocol);
	__u32 l4off;
	__be16 port;

	if (proto == NP_ETH_P_IP) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, NP_ETH_HLEN, &ip, sizeof(ip)))
			return -1;
		/* ihl < 5 would put the "port" inside the IP header; ip_rcv drops such packets. */
		if (ip.version != 4 || ip.ihl < 5)
			return -1;
		if (bpf_ntohs(ip.frag_off) & 0x1fff) /* not the first fragment: no ports */
			return -1;
		*l4proto = ip.protocol;
		l4off = NP_ETH_HLEN + (__u32)ip.ihl * 4;
	} else if (proto == NP_ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, NP_ETH_HLEN, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.version != 6)
			return -1;
		*l4proto = ip6.nexthdr;
		l4off = NP_ETH_HLEN + sizeof(ip6);
	} else {
		return -1;
	}
	if (*l4proto != NP_IPPROTO_TCP && *l4proto != NP_IPPROTO_UDP)
		return -1;
	/* TCP and UDP both keep the destination port at offset 2. */
	if (bpf_skb_load_bytes(skb, l4off + 2, &port, sizeof(port)))
		return -1;
	*dport = bpf_ntohs(port);
	return 0;
}

#endif /* NODEPATH_PARSE_BPF_H */
