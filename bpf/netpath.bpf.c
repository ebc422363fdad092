// SPDX-License-Identifier: GPL-2.0-only
/* tc counters for every hooked device: packets, bytes and GSO segments per {ifindex, direction}.
 * Pod veths also count by path class (where the peer is), the node device counts inbound
 * NodePort traffic and outer VXLAN frames both ways. All counters of a {device, direction} share
 * one value, in the np_if_slots slot the agent gave the device (one array lookup, by ifindex),
 * else in np_if_stats (one hash lookup). The programs only observe:
 * they always
 * return TC_ACT_UNSPEC so that the next program on the hook (tcx chain or clsact filters of
 * Cilium, Calico, ...) and the kernel still see the packet. */
/* Nothing here reads kernel-internal structures: __sk_buff is the stable context and the headers
 * are wire formats, so no CO-RE relocation is needed and libbpf loads the object without parsing
 * the kernel's BTF (~11 MB for a moment). */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/consts.bpf.h"
#include "lib/count.bpf.h"
#include "lib/parse.bpf.h"
#include "nodepath/tc.h"
#define NP_IF_STATS_DEFAULT_ENTRIES 16384
#define NP_CIDR_ENTRIES 1024

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NP_IF_STATS_DEFAULT_ENTRIES); /* the agent resizes it before load */
	__type(key, struct np_if_key);
	__type(value, struct np_if_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_if_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the agent sizes it: CPUs x NP_CONST_SLOT_COUNT */
	__type(key, __u32);
	__type(value, struct np_if_slot_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_if_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_CIDR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_cidr4_key);
	__type(value, struct np_cidr_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_cidr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_CIDR_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_cidr6_key);
	__type(value, struct np_cidr_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_cidr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NP_CLASS4_SLOTS + 1); /* the tables, then which one is active */
	__type(key, __u32);
	__type(value, struct np_class4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_class4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_NODEPORT_MAX);
	__type(key, __u32);
	__type(value, struct np_path_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_nodeport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_ERR_MAX);
	__type(key, __u32);
	__type(value, struct np_error_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_errors SEC(".maps");

/* What np_lookup_or_init inserts for a new key (read-only data: no per-packet zeroing). */
static const struct np_if_value np_if_zero = {};

static __always_inline struct np_if_slot_value *slot_at(__u32 base, __u32 count, __u32 ifindex,
							__u32 probe)
{
	__u32 at = base + ((ifindex + probe) & (count - 1));

	return bpf_map_lookup_elem(&np_if_slots, &at);
}

/* The device's counters in this CPU's region of np_if_slots, NULL when the agent gave it no
 * slot. Array lookups are inlined by the verifier: no helper call, no hashing; the region size is
 * an immediate, so nothing but the slot is read. The first probe finds nearly every device: its
 * hit runs straight on to the counting, the other probes and the hash sit after it. */
static __always_inline struct np_if_value *slot_value(__u32 ifindex, __u8 direction)
{
	__u32 count = (__u32)np_const(NP_CONST_SLOT_COUNT);
	__u32 base = bpf_get_smp_processor_id() * count;
	struct np_if_slot_value *sv = slot_at(base, count, ifindex, 0);

	if (__builtin_expect(sv && sv->ifindex == ifindex, 1))
		return &sv->stats[direction & 1];
#pragma unroll
	for (int p = 1; p < NP_IF_SLOT_PROBES; p++) {
		sv = slot_at(base, count, ifindex, (__u32)p);
		if (!sv)
			return NULL;
		if (sv->ifindex == ifindex)
			return &sv->stats[direction & 1];
	}
	return NULL;
}

/* The {ifindex, direction} value with the interface counters updated, NULL (and the miss
 * counted) when the device has no slots and np_if_stats is full. */
static __always_inline struct np_if_value *count_if(struct __sk_buff *skb, __u8 direction)
{
	struct np_if_key key = {
		.ifindex = skb->ifindex,
		.direction = direction,
	};
	struct np_if_value *v;

	v = slot_value(key.ifindex, direction);
	if (__builtin_expect(!v, 0))
		v = np_lookup_or_init(&np_if_stats, &key, &np_if_zero, &np_errors,
				      NP_ERR_IF_STATS_FULL);
	if (v)
		np_if_value_add(v, skb->len, skb->gso_segs ? skb->gso_segs : 1);
	return v;
}

/* Addresses that never leave the link, whatever the cluster's CIDRs: IPv4 169.254/16, 224/4
 * (multicast) and the limited broadcast. A subnet's directed broadcast depends on the subnet, so
 * the agent adds it to np_cidr4 instead. The unspecified source 0.0.0.0 (DHCP discover) only
 * ever goes to the link's broadcast, but a pod's receive is classed by the source. Three compares
 * on the address in host order. */
static __always_inline bool np_link_local4(__be32 addr)
{
	__u32 h = bpf_ntohl(addr);

	return (h >> 16) == 0xa9fe || (h >> 28) == 0xe || h + 1 <= 1; /* 255.255.255.255, 0.0.0.0 */
}

/* IPv6 fe80::/10 and ff00::/8 (multicast: neighbour discovery, MLD), and the unspecified source
 * :: of duplicate address detection and of MLD reports sent before a link-local address exists
 * (both to ff02::/16; a pod's receive is classed by the source). */
static __always_inline bool np_link_local6(const __u8 a[16])
{
	__u64 hi, lo;

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return true;
	__builtin_memcpy(&hi, a, 8);
	__builtin_memcpy(&lo, a + 8, 8);
	return (hi | lo) == 0;
}

/* The path class of an IPv4 peer that is not link-local: the first (longest) matching mask of
 * the active np_class4 table, or the trie when that table is not in use. */
static __always_inline __u8 classify4(__be32 a)
{
	__u32 slot = NP_CLASS4_ACTIVE;
	struct np_cidr4_key k;
	struct np_cidr_value *c;
	struct np_class4 *t;

	t = bpf_map_lookup_elem(&np_class4, &slot);
	slot = t ? t->n : 0;
	t = bpf_map_lookup_elem(&np_class4, &slot);
	if (t && t->n > 0) {
		for (__u32 i = 0; i < NP_CLASS4_MAX; i++) {
			if (i >= t->n)
				break;
			if ((a & t->e[i].mask) == t->e[i].addr)
				return t->e[i].path < NP_PATH_MAX ? t->e[i].path : NP_PATH_EXTERNAL;
		}
		return NP_PATH_EXTERNAL;
	}
	k.prefixlen = 32;
	__builtin_memcpy(k.addr, &a, 4);
	c = bpf_map_lookup_elem(&np_cidr4, &k);
	if (c && c->path < NP_PATH_MAX)
		return (__u8)c->path;
	return NP_PATH_EXTERNAL;
}

/* The peer's path class: the destination when the pod sends, the source when it receives.
 * NP_PATH_MAX for ARP and other non-IP frames, and IP frames cut short or malformed. */
static __always_inline __u8 classify_peer(struct __sk_buff *skb, bool want_dst)
{
	__u16 proto = bpf_ntohs((__u16)skb->protocol);

	if (proto == NP_ETH_P_IP) {
		struct iphdr buf;
		const struct iphdr *ip;
		__be32 a;

		if (np_ip4(skb, &buf, &ip))
			return NP_PATH_MAX;
		a = want_dst ? ip->daddr : ip->saddr;
		if (np_link_local4(a))
			return NP_PATH_LINK_LOCAL;
		return classify4(a);
	}
	if (proto == NP_ETH_P_IPV6) {
		struct np_cidr6_key k = { .prefixlen = 128 };
		struct ipv6hdr buf;
		const struct ipv6hdr *ip6;
		struct np_cidr_value *c;

		if (np_ip6(skb, &buf, &ip6))
			return NP_PATH_MAX;
		__builtin_memcpy(
		    k.addr, want_dst ? (const void *)&ip6->daddr : (const void *)&ip6->saddr, 16);
		if (np_link_local6(k.addr))
			return NP_PATH_LINK_LOCAL;
		c = bpf_map_lookup_elem(&np_cidr6, &k);
		if (c && c->path < NP_PATH_MAX)
			return (__u8)c->path;
		return NP_PATH_EXTERNAL;
	}
	return NP_PATH_MAX; /* ARP and other non-IP frames have no path */
}

/* Host-veth ingress is the pod sending: the peer is the destination. */
static __always_inline void count_pod(struct __sk_buff *skb, __u8 direction)
{
	__u8 path = classify_peer(skb, direction == NP_DIR_INGRESS);
	struct np_if_value *v = count_if(skb, direction);

	if (path >= NP_PATH_MAX)
		return;
	if (!v) {
		np_error_inc(&np_errors, NP_ERR_PATH_STATS_FULL);
		return;
	}
	v->path[path].packets++;
	v->path[path].bytes += skb->len;
}

static __always_inline void count_nodeport(struct __sk_buff *skb, __u8 l4proto, __u16 dport)
{
	__u32 min = (__u32)np_const(NP_CONST_NODEPORT_MIN);
	__u32 max = (__u32)np_const(NP_CONST_NODEPORT_MAX);
	struct np_path_value *v;
	__u32 idx;

	if (max == 0)
		return;
	if (dport < min || dport > max)
		return;
	idx = l4proto == NP_IPPROTO_TCP ? NP_NODEPORT_TCP : NP_NODEPORT_UDP;
	v = bpf_map_lookup_elem(&np_nodeport, &idx);
	if (v) {
		v->packets++;
		v->bytes += skb->len;
	}
}

/* Outer VXLAN frames: UDP to the VXLAN port, whichever way. flanneld's encapsulated packets
 * leave and arrive with that destination port (the source port is a flow hash). */
static __always_inline void count_vxlan(struct __sk_buff *skb, struct np_if_value *v,
					__u32 vxlan_port, __u8 l4proto, __u16 dport)
{
	if (vxlan_port == 0 || l4proto != NP_IPPROTO_UDP || dport != vxlan_port)
		return;
	if (!v) {
		np_error_inc(&np_errors, NP_ERR_VXLAN_STATS_FULL);
		return;
	}
	v->vxlan.packets++;
	v->vxlan.bytes += skb->len;
}

SEC("tc")
int np_ingress(struct __sk_buff *skb)
{
	count_if(skb, NP_DIR_INGRESS);
	return NP_TC_ACT_UNSPEC;
}

SEC("tc")
int np_egress(struct __sk_buff *skb)
{
	count_if(skb, NP_DIR_EGRESS);
	return NP_TC_ACT_UNSPEC;
}

/* Host side of a pod veth: also by path class. */
SEC("tc")
int np_pod_ingress(struct __sk_buff *skb)
{
	count_pod(skb, NP_DIR_INGRESS);
	return NP_TC_ACT_UNSPEC;
}

SEC("tc")
int np_pod_egress(struct __sk_buff *skb)
{
	count_pod(skb, NP_DIR_EGRESS);
	return NP_TC_ACT_UNSPEC;
}

/* Node device ingress: also inbound NodePort traffic and received VXLAN frames. */
SEC("tc")
int np_node_ingress(struct __sk_buff *skb)
{
	__u32 vxlan_port = (__u32)np_const(NP_CONST_VXLAN_PORT);
	struct np_if_value *v = count_if(skb, NP_DIR_INGRESS);
	__u8 l4proto = 0;
	__u16 dport = 0;

	/* One header walk for both counters, none when both are off. */
	if (np_const(NP_CONST_NODEPORT_MAX) == 0 && vxlan_port == 0)
		return NP_TC_ACT_UNSPEC;
	if (np_load_l4_dport(skb, &l4proto, &dport))
		return NP_TC_ACT_UNSPEC;
	count_nodeport(skb, l4proto, dport);
	count_vxlan(skb, v, vxlan_port, l4proto, dport);
	return NP_TC_ACT_UNSPEC;
}

/* Node device egress: also transmitted VXLAN frames. */
SEC("tc")
int np_node_egress(struct __sk_buff *skb)
{
	__u32 vxlan_port = (__u32)np_const(NP_CONST_VXLAN_PORT);
	struct np_if_value *v = count_if(skb, NP_DIR_EGRESS);
	__u8 l4proto = 0;
	__u16 dport = 0;

	if (vxlan_port == 0)
		return NP_TC_ACT_UNSPEC;
	if (np_load_l4_dport(skb, &l4proto, &dport))
		return NP_TC_ACT_UNSPEC;
	count_vxlan(skb, v, vxlan_port, l4proto, dport);
	return NP_TC_ACT_UNSPEC;
}
