// SPDX-License-Identifier: GPL-2.0-only
/* Stand-in for another vendor's tc program (Cilium, Calico, ...) sharing a hook with nodepath in
 * the end-to-end test: counts what it sees (packets, bytes) and hands the packet on to the next
 * filter. Built by datapath.test.sh, attached with tc; not part of the agent. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* 0: packets, 1: bytes */
	__type(key, __u32);
	__type(value, __u64);
} foreign_cnt SEC(".maps");

static __always_inline void add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&foreign_cnt, &idx);

	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("tc")
int foreign(struct __sk_buff *skb)
{
	add(0, 1);
	add(1, skb->len);
	return -1; /* TC_ACT_UNSPEC: continue with the next filter */
}
