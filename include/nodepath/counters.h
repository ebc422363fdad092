// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
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

/* Where a pod's peer is, decided from the peer address by longest-prefix match. */
enum np_path {
	NP_PATH_SAME_NODE = 0,	/* this node's pod CIDR */
	NP_PATH_CROSS_NODE = 1, /* the cluster CIDR, another node */
	NP_PATH_SERVICE = 2,	/* the service CIDR (before DNAT) */
	NP_PATH_HOST = 3,	/* an address of this node */
	NP_PATH_EXTERNAL = 4,	/* anything else */
	/* IPv6 fe80::/10, ff00::/8; IPv4 169.254/16, 224/4, 255.255.255.255 (fixed in the
	 * datapath) and each pod subnet's broadcast (a /32 the agent adds to np_cidr4). */
	NP_PATH_LINK_LOCAL = 5,
	NP_PATH_MAX = 6,
};

struct np_path_value {
	__u64 packets;
	__u64 bytes;
};

/* np_if_stats value (per CPU; user space sums the CPUs). Every counter of a {device, direction}
 * lives in this one value so that a packet costs one hash lookup whatever the device's role: the
 * interface counters, and by role the path classes (pod veths) or the outer VXLAN frames (node
 * devices). A path class or the VXLAN pair that never counted a packet stays all zero and is not
 * reported. */
struct np_if_value {
	__u64 packets;
	__u64 bytes;				/* skb->len: includes the Ethernet header at tc */
	__u64 gso_segs;				/* wire segments: max(1, skb->gso_segs) per skb */
	struct np_path_value path[NP_PATH_MAX]; /* pod veths, by enum np_path of the peer */
	struct np_path_value vxlan; /* node devices: UDP to the VXLAN port, outer frames */
};

/* np_if_slots: the counters of hooked devices, both directions in one slot, with a region of
 * np_slot_count slots per CPU (entry cpu * np_slot_count + slot, a plain array: the address is
 * computed, no per-CPU pointer is loaded). A device's slot is ifindex modulo np_slot_count, or one
 * of the NP_IF_SLOT_PROBES - 1 after it when that one is taken; the agent labels it with the
 * ifindex in every CPU's region before attaching the device's programs, and the programs count
 * where the label matches. A device without a slot counts in np_if_stats instead; user space adds
 * both. One memory area per packet for all of a device's counters: on the pod-send path every
 * separate area a packet touches costs a cache or TLB miss. */
#define NP_IF_SLOT_PROBES 4

struct np_if_slot_value {
	__u32 ifindex; /* the device these counters belong to; 0: a free slot */
	__u32 pad;
	struct np_if_value stats[NP_DIR_MAX]; /* by enum np_direction */
};

/* LPM keys of np_cidr4 / np_cidr6; the value is the path class. */
struct np_cidr4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct np_cidr6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct np_cidr_value {
	__u32 path; /* enum np_path */
};

/* np_class4[0] and [1]: the IPv4 path-class prefixes of np_cidr4 as masks, longest prefix first,
 * so that the pod programs classify with a short loop instead of a trie walk. n == 0 (never
 * filled, no IPv4 prefix, or more than NP_CLASS4_MAX of them): np_cidr4 decides. Two tables so
 * the agent can write a whole new one while the programs read the other; the n of the third
 * entry, np_class4[NP_CLASS4_ACTIVE], names the one in use. It lives in the same map (the same
 * page, next to the tables) rather than in a map of its own: on the pod-send path every separate
 * memory area a packet touches costs a cache or TLB miss. */
#define NP_CLASS4_MAX 16
#define NP_CLASS4_SLOTS 2
#define NP_CLASS4_ACTIVE NP_CLASS4_SLOTS

struct np_class4_entry {
	__be32 addr; /* network byte order, host bits zero */
	__be32 mask; /* network byte order */
	__u8 prefixlen;
	__u8 path; /* enum np_path */
	__u8 pad[2];
};

struct np_class4 {
	__u32 n; /* entries in use; 0: np_cidr4 decides */
	struct np_class4_entry e[NP_CLASS4_MAX];
};

/* flannel's VXLAN port (the Linux kernel default, not IANA's 4789). */
#define NP_VXLAN_PORT_DEFAULT 8472

/* np_nodeport index: transport protocol of inbound NodePort traffic on the node device. */
enum np_nodeport_proto {
	NP_NODEPORT_TCP = 0,
	NP_NODEPORT_UDP = 1,
	NP_NODEPORT_MAX = 2,
};

/* np_errors index (per-CPU array): failures the datapath cannot report any other way. */
enum np_error {
	/* A device without np_if_slots entries, and np_if_stats had no room for a new key: the
	 * packet is missing from the interface counters, and also from the path classes (a pod
	 * veth's IP packet) or the VXLAN counters (a node device's VXLAN frame), each counted
	 * here. */
	NP_ERR_IF_STATS_FULL = 0,
	NP_ERR_PATH_STATS_FULL = 1,
	NP_ERR_VXLAN_STATS_FULL = 2,
	NP_ERR_MAX = 4,
};

struct np_error_value {
	__u64 count;
};

/* np_drop_stats key (drops.bpf.c): where the kernel freed an skb as dropped. */
struct np_drop_key {
	__u32 netns;   /* inode of the network namespace (ns.inum; what stat(2) on /proc/PID/ns/net
			* and /run/netns/NAME gives as st_ino) */
	__u32 ifindex; /* skb->dev at the drop in that namespace, 0 when the skb had no device */
	__u32 reason;  /* enum skb_drop_reason of the running kernel (numbers differ by kernel) */
};

/* np_drop_stats value (per CPU). */
struct np_drop_value {
	__u64 packets;
	__u64 bytes; /* skb->len at the drop: which headers it includes depends on the layer */
};

/* np_drop_netns: the namespaces whose drops are counted; the agent fills it. */
enum np_netns_kind {
	NP_NETNS_NODE = 0, /* the node's own network namespace */
	NP_NETNS_POD = 1,  /* a pod's network namespace on this node */
};

struct np_netns_value {
	__u32 kind; /* enum np_netns_kind */
};

/* np_drop_errors index (per-CPU array of np_error_value). */
enum np_drop_error {
	NP_DROP_ERR_STATS_FULL = 0, /* np_drop_stats had no room for a new key */
	NP_DROP_ERR_MAX = 1,
};

_Static_assert(sizeof(struct np_if_key) == 8, "np_if_key layout");
_Static_assert(sizeof(struct np_if_value) == 24 + 16 * NP_PATH_MAX + 16, "np_if_value layout");
_Static_assert(sizeof(struct np_if_slot_value) == 8 + 2 * sizeof(struct np_if_value),
	       "np_if_slot_value layout");
_Static_assert(sizeof(struct np_error_value) == 8, "np_error_value layout");
_Static_assert(sizeof(struct np_path_value) == 16, "np_path_value layout");
_Static_assert(sizeof(struct np_cidr4_key) == 8, "np_cidr4_key layout");
_Static_assert(sizeof(struct np_cidr6_key) == 20, "np_cidr6_key layout");
_Static_assert(sizeof(struct np_cidr_value) == 4, "np_cidr_value layout");
_Static_assert(sizeof(struct np_class4_entry) == 12, "np_class4_entry layout");
_Static_assert(sizeof(struct np_class4) == 4 + 12 * NP_CLASS4_MAX, "np_class4 layout");
_Static_assert(sizeof(struct np_drop_key) == 12, "np_drop_key layout");
_Static_assert(sizeof(struct np_drop_value) == 16, "np_drop_value layout");
_Static_assert(sizeof(struct np_netns_value) == 4, "np_netns_value layout");

#endif /* NODEPATH_COUNTERS_H */
