// SPDX-License-Identifier: GPL-2.0
/* tc counters for every hooked device: packets, bytes and GSO segments per {ifindex, direction}.
 * Pod veths also count by path class (where the peer is), the node device counts inbound
 * NodePort traffic. The programs only observe: they always return TC_ACT_UNSPEC so that the next
 * program on the hook (tcx chain or clsact filters of Cilium, Calico, ...) and the kernel still
 * see the packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "lib/count.bpf.h"
#include "lib/parse.bpf.h"

#define NP_TC_ACT_UNSPEC (-1)
#define NP_IF_STATS_DEFAULT_ENTRIES 16384
#define NP_PATH_STATS_DEFAULT_ENTRIES 16384
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
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NP_PATH_STATS_DEFAULT_ENTRIES); /* the agent resizes it before load */
	__type(key, struct np_path_key);
	__type(value, struct np_path_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_path_stats SEC(".maps");

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
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_config SEC(".maps");

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

static __always_inline void count_if(struct __sk_buff *skb, __u8 direction)
{
	struct np_if_key key = {
		.ifindex = skb->ifindex,
		.direction = direction,
	};
	__u64 segs = skb->gso_segs ? skb->gso_segs : 1;
	struct np_if_value *v;

	v = bpf_map_lookup_elem(&np_if_stats, &key);
	if (v) {
		np_if_value_add(v, skb->len, segs);
		return;
	}

	struct np_if_value init = {
		.packets = 1,
		.bytes = skb->len,
		.gso_segs = segs,
	};
	/* Another CPU may have created the key since the lookup: NOEXIST then fails with EEXIST
	 * and the packet goes into the entry that now exists. Any other failure means full. */
	if (bpf_map_update_elem(&np_if_stats, &key, &init, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&np_if_stats, &key);
	if (v)
		np_if_value_add(v, skb->len, segs);
	else
		np_error_inc(&np_errors, NP_ERR_IF_STATS_FULL);
}

static __always_inline __u8 classify_peer(struct __sk_buff *skb, bool want_dst)
{
	__u8 addr[16] = {};
	struct np_cidr_value *c = NULL;
	int len = np_load_addr(skb, want_dst, addr);

	if (len == 4) {
		struct np_cidr4_key k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, addr, 4);
		c = bpf_map_lookup_elem(&np_cidr4, &k);
	} else if (len == 16) {
		struct np_cidr6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, addr, 16);
		c = bpf_map_lookup_elem(&np_cidr6, &k);
	} else {
		return NP_PATH_MAX; /* ARP and other non-IP frames have no path */
	}
	if (c && c->path < NP_PATH_MAX)
		return (__u8)c->path;
	return NP_PATH_EXTERNAL;
}

static __always_inline void count_path(struct __sk_buff *skb, __u8 direction)
{
	/* Host-veth ingress is the pod sending: the peer is the destination. */
	__u8 path = classify_peer(skb, direction == NP_DIR_INGRESS);
	struct np_path_key key = {
		.ifindex = skb->ifindex,
		.direction = direction,
		.path = path,
	};
	struct np_path_value *v;

	if (path >= NP_PATH_MAX)
		return;
	v = bpf_map_lookup_elem(&np_path_stats, &key);
	if (!v) {
		struct np_path_value zero = {};

		if (bpf_map_update_elem(&np_path_stats, &key, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&np_path_stats, &key)) {
			np_error_inc(&np_errors, NP_ERR_PATH_STATS_FULL);
			return;
		}
		v = bpf_map_lookup_elem(&np_path_stats, &key);
		if (!v)
			return;
	}
	v->packets++;
	v->bytes += skb->len;
}

static __always_inline void count_nodeport(struct __sk_buff *skb)
{
	__u32 zero = 0, idx;
	struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
	struct np_path_value *v;
	__u8 l4proto = 0;
	__u16 dport = 0;

	if (!cfg || cfg->nodeport_max == 0)
		return;
	if (np_load_l4_dport(skb, &l4proto, &dport))
		return;
	if (dport < cfg->nodeport_min || dport > cfg->nodeport_max)
		return;
	idx = l4proto == NP_IPPROTO_TCP ? NP_NODEPORT_TCP : NP_NODEPORT_UDP;
	v = bpf_map_lookup_elem(&np_nodeport, &idx);
	if (v) {
		v->packets++;
		v->bytes += skb->len;
	}
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
	count_if(skb, NP_DIR_INGRESS);
	count_path(skb, NP_DIR_INGRESS);
	return NP_TC_ACT_UNSPEC;
}

SEC("tc")
int np_pod_egress(struct __sk_buff *skb)
{
	count_if(skb, NP_DIR_EGRESS);
	count_path(skb, NP_DIR_EGRESS);
	return NP_TC_ACT_UNSPEC;
}

/* Node device ingress: also inbound NodePort traffic. */
SEC("tc")
int np_node_ingress(struct __sk_buff *skb)
{
	count_if(skb, NP_DIR_INGRESS);
	count_nodeport(skb);
	return NP_TC_ACT_UNSPEC;
}
