// SPDX-License-Identifier: Apache-2.0
/* The eBPF datapath as one object: the loader (programs, pinned maps), the link watch (which
 * interfaces are hooked at which layer), the pod table (CNI cache -> pod identity) and the
 * path-class prefixes pushed into the maps. main() starts it before the HTTP server and stops it
 * after; the netpath collector only reads it through datapath__snapshot().
 *
 * Thread contract:
 * - datapath__start() and datapath__stop() run on the main thread only, with no scrape in
 *   flight (before the HTTP server starts, after it stopped). datapath__current() is set by
 *   start and cleared by stop; a scrape between the two sees a fully started object.
 * - Writers, each the only writer of what it owns:
 *   - the link-watch thread: the link table, attach/detach/forget on the loader, the path-class
 *     prefixes (its tick re-reads subnet.env and the namespace's addresses), all under the link
 *     watch's mutex except the prefix update, which only that thread performs;
 *   - the pod-table watcher thread: the pod table (its own update mutex + rwlock). Its first
 *     full read of the CNI cache runs on that thread after the set-up returned, so the HTTP
 *     server (health, metrics) starts at once; until the read is done, pods are counted with
 *     empty names and datapath__ready() says so;
 *   - the kernel: the counter maps (per-CPU values; user space never deletes a live key).
 * - Readers: any number of scrape threads call datapath__snapshot() at once. It reads the maps
 *   with syscalls (no lock), then copies the link table under the link-watch mutex, then looks
 *   up pod names under the pod table's read lock, one lock at a time, never nested. A snapshot
 *   is private to its caller.
 * - datapath__ready() may be called from any thread (the HTTP threads answering /-/ready), also
 *   with dp NULL; it never waits behind I/O (at most behind one O(log n) pod-table change). */
#ifndef NODEPATH_DATAPATH_H
#define NODEPATH_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "links.h"
#include "loader.h"
#include "loader_drops.h"
#include "pods.h"

struct datapath;

/* Flags (--bpf.*, --collector.netpath.*) are validated here: -EINVAL for a bad value (the agent
 * refuses to start), -ENOMEM. A runtime failure of the set-up (no bpffs possible, pins not
 * writable, the kernel refused a program or map) is not an error: the datapath is returned in
 * state DATAPATH_SETUP_RETRYING and a thread of its own retries the set-up with backoff (1 s
 * doubling to 60 s) until it succeeds; meanwhile snapshots fail with -EAGAIN (the netpath
 * collector reports failure) and datapath__setup_ready() says why. A retry runs with the
 * capabilities the agent keeps after start-up (CAP_BPF, CAP_NET_ADMIN): a bpffs cannot be
 * mounted then, and the drop program and run-time statistics wait for the next restart. */
int datapath__start(struct datapath **out);
void datapath__stop(struct datapath *dp); /* NULL is fine */

/* The started datapath (set up, or retrying its set-up), or NULL (not started, disabled). */
struct datapath *datapath__current(void);

enum datapath_setup_state { DATAPATH_SETUP_READY = 0, DATAPATH_SETUP_RETRYING, DATAPATH_SETUP_MAX };

#define DATAPATH_SETUP_FAILURES_MAX 16

/* Failed set-up attempts of one kind: the step (load, config, drops, link_watch) and the
 * errno's name (EACCES, ENOTDIR, ...). */
struct datapath_setup_failure {
	char stage[16];
	char error[24];
	uint64_t count;
};

struct datapath_setup {
	enum datapath_setup_state state;
	struct datapath_setup_failure failures[DATAPATH_SETUP_FAILURES_MAX];
	size_t n_failures;
};

/* Any thread, no I/O: true once the set-up succeeded; else false and the last failure as one
 * line in reason[len] (len may be 0). For readiness. */
bool datapath__setup_ready(struct datapath *dp, char *reason, size_t len);
/* Any thread: the state and the failures counted since start. */
void datapath__setup_status(struct datapath *dp, struct datapath_setup *out);

/* Readiness of the datapath (the agent's /-/ready when netpath is enabled), any thread, no I/O:
 * true when the set-up succeeded (datapath__setup_ready) and the pod table's first full read of
 * the CNI cache is done. Otherwise false and a short plain-text reason, one line without a
 * newline, in reason[len] (truncated; len may be 0): the set-up's last failure while it is
 * retried, else e.g. "reading the CNI cache (1234 pods so far)". dp is datapath__current();
 * NULL gives "datapath not started". A new condition is one more check here that writes its
 * reason and returns false, reading other threads' state without waiting behind I/O. Liveness
 * (/-/healthy) never calls this. */
bool datapath__ready(struct datapath *dp, char *reason, size_t len);

/* One hooked interface with what a scrape needs to label it. */
struct datapath_link {
	struct link_entry link;
	bool has_pod;	     /* a CNI cache entry names the pod behind this veth */
	struct pod_info pod; /* valid when has_pod */
};

/* Drops of one label set: in the node's namespace by device, or inside one pod's namespace
 * (summed over the devices there). */
struct datapath_drop {
	const struct datapath_link *pod; /* inside this pod's netns; NULL: the node's netns */
	enum np_layer layer;		 /* node netns: the device's layer, LAYER_NONE = other */
	char device[IF_NAMESIZE];	 /* node netns: "" when the skb had no device */
	char reason[64];
	uint64_t packets, bytes;
};

/* Everything one scrape reads, consistent enough to emit: maps are read before the link table,
 * so an interface deleted in between is absent rather than listed with a counter gone to 0. */
struct datapath_snapshot {
	struct datapath_link *links; /* sorted by ifindex */
	size_t n_links;
	struct if_stat *if_stats; /* sorted by (ifindex, direction) */
	size_t n_if_stats;
	struct path_stat *path_stats;
	size_t n_path_stats;
	struct np_path_value nodeport[NP_NODEPORT_MAX];
	uint64_t attach_errors[LAYER_MAX];
	struct link_latency latency[LAYER_MAX];
	uint64_t map_full[NP_ERR_MAX];
	uint32_t if_stats_capacity, path_stats_capacity;
	struct prog_stat progs[8];
	size_t n_progs; /* 0 when the kernel's run-time statistics are off */

	struct vxlan_stat *vxlan_stats; /* sorted by (ifindex, direction) */
	size_t n_vxlan_stats;
	enum drops_state drops_state;
	struct datapath_drop *drops; /* pod drops refer into links */
	size_t n_drops;
	size_t drop_namespaces[2]; /* watched: [NP_NETNS_NODE], [NP_NETNS_POD] */
	uint32_t drop_entries, drop_capacity;
	uint64_t drops_not_counted; /* np_drop_stats was full */

	size_t pod_table_entries; /* host interfaces the CNI cache names */
	bool pod_table_complete;  /* the first full read of the CNI cache is done */
};

int datapath__snapshot(struct datapath *dp, struct datapath_snapshot *s);
void datapath_snapshot__free(struct datapath_snapshot *s);

/* Lookups in a snapshot; NULL when absent. */
const struct if_stat *datapath_snapshot__if_stat(const struct datapath_snapshot *s, int ifindex,
						 int direction);
const struct datapath_link *datapath_snapshot__link(const struct datapath_snapshot *s, int ifindex);
const struct vxlan_stat *datapath_snapshot__vxlan(const struct datapath_snapshot *s, int ifindex,
						  int direction);

#endif
