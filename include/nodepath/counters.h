/* Types shared by the BPF datapath (bpf/) and the agent (src/): map keys and values.
 * Fixed width and explicitly padded so both compilers agree on the layout; bpftool prints the
 * fields by name from BTF. Changing a layout makes the agent refuse (and replace) the old pin. */
#ifndef NODEPATH_COUNTERS_H
#define NODEPATH_COUNTERS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Direction as seen by the hooked device: ingress = received by it, egress = transmitted. */
enum np_direction {
	NP_DIR_INGRESS = 0,
	NP_DIR_EGRESS = 1,
	NP_DIR_MAX = 2,
};

/* np_if_stats key: one entry per hooked device and direction. */
struct np_if_key {
	__u32 ifindex;
	__u8 direction; /* enum np_direction */
	__u8 pad[3];
};

/* np_if_stats value (per CPU; user space sums the CPUs). */
struct np_if_value {
	__u64 packets;
	__u64 bytes;    /* skb->len: includes the Ethernet header at tc */
	__u64 gso_segs; /* wire segments: max(1, skb->gso_segs) per skb */
};

/* np_errors index (per-CPU array): failures the datapath cannot report any other way. */
enum np_error {
	NP_ERR_IF_STATS_FULL = 0, /* np_if_stats had no room for a new key */
	NP_ERR_MAX = 4,
};

struct np_error_value {
	__u64 count;
};

_Static_assert(sizeof(struct np_if_key) == 8, "np_if_key layout");
_Static_assert(sizeof(struct np_if_value) == 24, "np_if_value layout");
_Static_assert(sizeof(struct np_error_value) == 8, "np_error_value layout");

#endif /* NODEPATH_COUNTERS_H */
