// SPDX-License-Identifier: Apache-2.0
/* The BPF loader: the only user of libbpf. Opens the embedded skeleton, re-uses or creates the
 * pinned maps, attaches the tc counters to interfaces (tcx links or clsact filters), reads the
 * counter maps in batches for scrapes, and detaches what it attached. */
#ifndef NODEPATH_LOADER_H
#define NODEPATH_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodepath/counters.h"

enum attach_mode { ATTACH_AUTO = 0, ATTACH_TCX, ATTACH_TC };

/* Which programs an interface gets: plain counters, pod veth (plus path classes) or node device
 * (plus NodePort inbound and VXLAN both ways). */
enum attach_role { ROLE_PLAIN = 0, ROLE_POD, ROLE_NODE };

struct loader_opts {
	const char *pin_path; /* bpffs directory for pinned maps; mounted if not a bpffs */
	uint32_t
	    max_entries; /* counter slots (np_if_slots, 2 per device); np_if_stats, the hash for
			       * devices without, gets loader__spill_entries() of it */
	enum attach_mode mode;
	bool enable_stats; /* bpf_enable_stats(BPF_STATS_RUN_TIME) while running */
	/* Fixed in the programs at load (immediates, not map data: no memory read per packet);
	 * changing one means loading again. */
	uint16_t vxlan_port;   /* outer UDP destination port of VXLAN frames; 0: not counted */
	uint16_t nodeport_min; /* inbound NodePort range on node devices; max 0: not counted */
	uint16_t nodeport_max;
};

/* One np_if_stats entry summed over CPUs. */
struct if_stat {
	uint32_t ifindex;
	uint8_t direction;
	uint64_t packets, bytes, gso_segs;
};

/* One path class of a pod veth's np_if_stats entry, summed over CPUs. */
struct path_stat {
	uint32_t ifindex;
	uint8_t direction;
	uint8_t path;
	uint64_t packets, bytes;
};

/* One np_vxlan_stats entry summed over CPUs: outer VXLAN frames on a node device, direction
 * NP_DIR_INGRESS = received, NP_DIR_EGRESS = transmitted. */
struct vxlan_stat {
	uint32_t ifindex;
	uint8_t direction;
	uint64_t packets, bytes;
};

/* One classification prefix for np_cidr4/np_cidr6. */
struct cidr_entry {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefixlen;
	enum np_path path;
};

struct prog_stat {
	const char *name;
	uint64_t run_time_ns, run_cnt;
};

struct loader;

/* "1.1" etc.: the libbpf the agent runs with. */
const char *loader__libbpf_version(void);

/* np_if_stats' capacity for max_entries slots: an eighth, at least 64 (or max_entries if
 * smaller). */
uint32_t loader__spill_entries(uint32_t max_entries);
int loader__open(const struct loader_opts *opts, struct loader **out);
/* Detaches everything this process attached, closes maps (pins stay). NULL is fine. */
void loader__close(struct loader *l);

/* Attach both directions to ifindex with the programs of role. Idempotent; a changed role
 * replaces the programs. -ENODEV if the interface is gone. */
int loader__attach(struct loader *l, int ifindex, const char *name, enum attach_role role);
/* Detach our programs from a live interface (it left the bridge, or shutdown). */
int loader__detach(struct loader *l, int ifindex);
/* The interface is gone: drop our state and its counters (ifindexes are reused). */
void loader__forget(struct loader *l, int ifindex);
bool loader__is_attached(struct loader *l, int ifindex);
/* Drop the counters of every ifindex not in live (interfaces deleted while no agent ran). */
int loader__purge_except(struct loader *l, const int *live, size_t n_live, size_t *removed);
/* The mode in use after auto-detection: "tcx" or "tc". */
const char *loader__mode_name(const struct loader *l);

/* Everything the interface counters hold, read once from the slots and np_if_stats: each array
 * sorted by (ifindex, direction[, path]) with one item per key, malloc'd (caller frees). */
struct if_counters {
	struct if_stat *ifs;
	size_t n_ifs;
	struct path_stat *paths;
	size_t n_paths;
	struct vxlan_stat *vxlans;
	size_t n_vxlans;
};
int loader__read_counters(struct loader *l, struct if_counters *out);
/* Read np_if_stats (batch lookup when the kernel has it). *out is malloc'd, caller frees. */
int loader__read_if_stats(struct loader *l, struct if_stat **out, size_t *n);
/* The path classes that counted packets, from np_if_stats (one item per {ifindex, direction,
 * path}, what np_path_stats held before the counters shared one value). */
int loader__read_path_stats(struct loader *l, struct path_stat **out, size_t *n);
/* The VXLAN counters of the node devices that counted frames, from np_if_stats. */
int loader__read_vxlan_stats(struct loader *l, struct vxlan_stat **out, size_t *n);
/* NodePort counters summed over CPUs, indexed by enum np_nodeport_proto. */
int loader__read_nodeport(struct loader *l, struct np_path_value out[NP_NODEPORT_MAX]);
/* Make np_cidr4/np_cidr6 hold exactly these prefixes (adds first, then removes stale ones, so
 * a packet never sees a half-empty table). Link-local and multicast ranges are classified
 * NP_PATH_LINK_LOCAL by the datapath itself; a pod subnet's directed broadcast is not (it depends
 * on the subnet): pass it as a /32 with path NP_PATH_LINK_LOCAL. */
int loader__set_cidrs(struct loader *l, const struct cidr_entry *e, size_t n);
/* The np_class4 table of IPv4 prefixes k/v as np_cidr4 holds them (the last value of a prefix
 * written twice wins): masks longest first, n = 0 when more than NP_CLASS4_MAX prefixes. */
void loader__class4_build(const struct np_cidr4_key *k, const struct np_cidr_value *v, size_t n,
			  struct np_class4 *out);
/* max_entries of a map; "np_if_stats": the interface counters' entries, slots and hash together;
 * "np_path_stats" (no map of its own any more): NP_PATH_MAX path classes per such entry. */
int loader__map_capacity(struct loader *l, const char *map, uint32_t *cap);
/* Sum over CPUs of np_errors[idx]. */
int loader__read_error(struct loader *l, enum np_error idx, uint64_t *value);
/* Program run statistics. n in/out: array size / filled. -ENOTSUP when the kernel's run-time
 * statistics are off (--no-bpf.enable-stats, or bpf_enable_stats refused without
 * CAP_SYS_ADMIN): then there is nothing true to report. */
int loader__prog_stats(struct loader *l, struct prog_stat *out, size_t *n);

#endif
