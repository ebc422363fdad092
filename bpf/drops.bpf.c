// SPDX-License-Identifier: GPL-2.0-only
/* Packets the kernel drops, by network namespace, device and the kernel's drop reason.
 * tp_btf/kfree_skb fires for every freed skb of every namespace on the machine (kernels >= 5.17
 * pass the reason). Only real drops of the namespaces in np_drop_netns (the node's own and its
 * pods', filled by the agent) are counted. A separate object from netpath.bpf.c: on a kernel
 * without this tracepoint or BTF it fails to load alone and the tc counters still work. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "lib/count.bpf.h"

#define NP_DROP_STATS_DEFAULT_ENTRIES 8192
#define NP_DROP_NETNS_ENTRIES 4096

char LICENSE[] SEC("license") = "GPL";

/* The agent may resize it before load. Loaded through a light skeleton (the kernel does the
 * CO-RE relocations, the agent holds no copy of the kernel's BTF), which does not pin: the agent
 * pins np_drop_stats and np_drop_errors itself and carries an earlier agent's counters over. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NP_DROP_STATS_DEFAULT_ENTRIES);
	__type(key, struct np_drop_key);
	__type(value, struct np_drop_value);
} np_drop_stats SEC(".maps");

/* Not pinned: the agent derives the set from the live pods at every start, so a pin would only
 * carry namespaces of pods that went away while no agent ran. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_DROP_NETNS_ENTRIES);
	__type(key, __u32);
	__type(value, struct np_netns_value);
} np_drop_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_DROP_ERR_MAX);
	__type(key, __u32);
	__type(value, struct np_error_value);
} np_drop_errors SEC(".maps");

/* The namespace of the drop: the skb's device's when it has one (every drop on the receive and
 * forward paths and at tc/qdisc), else its socket's (a locally generated packet dropped before a
 * device was chosen), else 0, which is never in np_drop_netns. */
static __always_inline __u32 skb_netns(struct sk_buff *skb, struct net_device *dev)
{
	struct sock *sk;

	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return 0;
}

/* The kernel's own numbering of reasons changes between versions: both "not a drop" values come
 * from its BTF. SKB_CONSUMED (6.x) marks a normal free routed through kfree_skb_reason; before it
 * existed such frees did not reach this tracepoint. */
static __always_inline bool is_drop(__u32 reason)
{
	if (reason == (__u32)bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
		return false;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == (__u32)bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return false;
	return true;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(np_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct np_drop_value zero = {};
	struct np_drop_key key = {};
	struct net_device *dev;
	struct np_drop_value *v;

	if (!is_drop((__u32)reason))
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	key.netns = skb_netns(skb, dev);
	if (!bpf_map_lookup_elem(&np_drop_netns, &key.netns))
		return 0;
	key.ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	key.reason = (__u32)reason;
	v = np_lookup_or_init(&np_drop_stats, &key, &zero, &np_drop_errors, NP_DROP_ERR_STATS_FULL);
	if (!v)
		return 0;
	v->packets++;
	v->bytes += BPF_CORE_READ(skb, len);
	return 0;
}
