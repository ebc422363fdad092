// SPDX-License-Identifier: GPL-2.0
/* tc counters for every hooked device: packets, bytes and GSO segments per {ifindex, direction}.
 * The programs only observe: they always return TC_ACT_UNSPEC so that the next program on the
 * hook (tcx chain or clsact filters of Cilium, Calico, ...) and the kernel still see the packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "lib/count.bpf.h"

#define NP_TC_ACT_UNSPEC (-1)
#define NP_IF_STATS_DEFAULT_ENTRIES 16384

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NP_IF_STATS_DEFAULT_ENTRIES); /* the agent resizes it before load */
	__type(key, struct np_if_key);
	__type(value, struct np_if_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} np_if_stats SEC(".maps");

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
