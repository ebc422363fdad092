// SPDX-License-Identifier: GPL-2.0-only
/* Stand-in for another vendor's tc program (Cilium, Calico, ...) sharing a hook with nodepath in
 * the chain tests. It counts what it sees and returns TC_ACT_OK, as such programs usually do, so
 * it ends a tcx chain: placed before np_ingress it hides packets from it (the tests' control). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PEER_TC_ACT_OK 0

char LICENSE[] SEC("license") = "GPL";

/* Globals live in .bss, which the skeleton mmaps: the test reads them without a syscall. */
__u64 peer_packets;
__u64 peer_bytes;

SEC("tc")
int peer_count(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&peer_packets, 1);
	__sync_fetch_and_add(&peer_bytes, skb->len);
	return PEER_TC_ACT_OK;
}
