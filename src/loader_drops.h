// SPDX-License-Identifier: Apache-2.0
/* The drop counters' half of the loader: the kfree_skb tracing program (its own BPF object, so a
 * kernel that refuses it costs only the drop metrics), the set of network namespaces whose drops
 * count, the counters summed over CPUs, and the kernel's drop reason names read from its BTF.
 * Not thread-safe: one thread at a time per struct drops. */
#ifndef NODEPATH_LOADER_DROPS_H
#define NODEPATH_LOADER_DROPS_H

#include <stddef.h>
#include <stdint.h>

#include "nodepath/counters.h"

/* --- drop reason names ------------------------------------------------------------------ */

/* enum skb_drop_reason of one kernel: value -> name without SKB_DROP_REASON_ (the two values
 * that are not drops keep their names minus SKB_: NOT_DROPPED_YET, CONSUMED). */
struct drop_reasons;

/* Reads the table from the raw BTF open at fd in bounded chunks (btf_enum.h: no parsed copy of
 * the kernel's BTF). -ENOENT when it has no enum skb_drop_reason (kernel < 5.17), -EBADMSG when
 * fd does not hold valid BTF, -errno of the reads; *why (may be NULL) says which in words. */
int drop_reasons__read(int fd, struct drop_reasons **out, const char **why);
/* The running kernel's table, from /sys/kernel/btf/vmlinux: as drop_reasons__read, or the
 * -errno of opening it ("no kernel BTF"). */
int drop_reasons__load(struct drop_reasons **out, const char **why);
size_t drop_reasons__count(const struct drop_reasons *r);
/* The name of reason, or its decimal number in buf when the table has none (NULL table too).
 * Returns the name or buf. */
const char *drop_reasons__name(const struct drop_reasons *r, uint32_t reason, char *buf,
			       size_t len);
/* The value of a name (without prefix); -ENOENT if absent. */
int drop_reasons__value(const struct drop_reasons *r, const char *name, uint32_t *value);
void drop_reasons__free(struct drop_reasons *r);

/* --- the drop counters -------------------------------------------------------------------- */

enum drops_state {
	DROPS_LOADED = 0,      /* attached, counting */
	DROPS_UNSUPPORTED = 1, /* the kernel cannot run it (no BTF, no reason argument) */
	DROPS_FAILED = 2,      /* it should run but load or attach failed (error in err) */
};

struct drops_opts {
	const char *pin_path; /* the pin root of loader_opts; np_drop_stats and np_drop_errors pin
			       * there and survive restarts */
	uint32_t max_entries; /* capacity of np_drop_stats; 0 keeps the default (8192) */
};

/* One np_drop_stats entry summed over CPUs. */
struct drop_stat {
	uint32_t netns;	  /* network namespace inode */
	uint32_t ifindex; /* in that namespace; 0: the skb had no device */
	uint32_t reason;  /* the kernel's enum skb_drop_reason value: drops__reason_name */
	uint64_t packets, bytes;
};

struct drops;

/* Opens, loads and attaches. Returns 0 with *out set whatever the state (the rest of the
 * agent runs either way; drops__state says which, and the outcome is logged here once); -ENOMEM
 * and -EINVAL (no pin path) only otherwise. In states other than DROPS_LOADED every other call
 * returns -ENODEV. */
int drops__open(const struct drops_opts *opts, struct drops **out);
/* The state, with the -errno of DROPS_FAILED / the cause of DROPS_UNSUPPORTED. err and why may
 * be NULL. */
enum drops_state drops__state(const struct drops *d, int *err, const char **why);
/* "loaded", "unsupported", "failed". */
const char *drops__state_name(enum drops_state s);

/* The namespaces whose drops count: the node's own (NP_NETNS_NODE) and each pod's
 * (NP_NETNS_POD). Adding an inode again updates its kind. Removing one also deletes its
 * counters (namespace inodes are reused); -ENOENT if it was not in the set. */
int drops__netns_add(struct drops *d, uint32_t inode, enum np_netns_kind kind);
int drops__netns_remove(struct drops *d, uint32_t inode);
/* Deletes the counters of every namespace not in live (pods deleted while no agent ran: their
 * pinned counters would otherwise stay, and inodes are reused). *removed may be NULL. */
int drops__purge_except(struct drops *d, const uint32_t *live, size_t n_live, size_t *removed);
/* The inode of the network namespace at path (/proc/self/ns/net, /run/netns/cni-...). Pure
 * stat(2); usable in any state. */
int drops__netns_inode(const char *path, uint32_t *inode);

/* np_drop_stats summed over CPUs (batch lookup). *out is malloc'd, caller frees. */
int drops__read(struct drops *d, struct drop_stat **out, size_t *n);
/* Fill of np_drop_stats: keys present and max_entries. */
int drops__map_fill(struct drops *d, uint32_t *entries, uint32_t *capacity);
/* np_drop_errors[idx] summed over CPUs (NP_DROP_ERR_STATS_FULL: drops not counted because the
 * map was full). */
int drops__read_error(struct drops *d, enum np_drop_error idx, uint64_t *value);
/* Name of a reason on the running kernel (see drop_reasons__name). Usable in any state. */
const char *drops__reason_name(const struct drops *d, uint32_t reason, char *buf, size_t len);
/* Run statistics of the kfree_skb program, named as the program (valid while the kernel's
 * run-time statistics are enabled, see loader__prog_stats). -ENODEV unless loaded. */
int drops__prog_stat(struct drops *d, const char **name, uint64_t *run_time_ns, uint64_t *run_cnt);
/* Detaches and closes (pins stay). NULL is fine. */
void drops__close(struct drops *d);

#endif /* NODEPATH_LOADER_DROPS_H */
