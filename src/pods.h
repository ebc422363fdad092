// SPDX-License-Identifier: Apache-2.0
/* Pod identity from node-local CNI state: libcni's result cache (--path.cni-cache) maps each
 * host-side veth to the pod behind it, without asking the API server.
 *
 * libcni (containerd, CRI-O) writes one JSON file per ADD, named
 * <networkName>-<containerId>-<ifName>, with "kind":"cniCacheV1", the runtime's CNI_ARGS
 * (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID) and the plugin chain's result. One file is one
 * attachment, so a pod with two interfaces (Multus) has two files and two entries.
 *
 * Threading: a pod_table may be read (lookup, foreach, count) from any number of threads while
 * one writer (the watcher thread, or a caller of rescan/update_file) changes it. Readers take a
 * read lock for the duration of one call and get copies (lookup) or a callback under the lock
 * (foreach); writers are serialised by a separate mutex, read and parse files without holding the
 * read/write lock, and take the write lock only to swap entries in. Lock order: update mutex, then
 * rwlock; callbacks run under the read lock and must not call back into the table.
 *
 * Cost: lookup and every file event (create, rewrite, delete) are O(log n) in the number of
 * cache files, so thousands of files left behind by failed DELs are read in seconds. */
#ifndef NODEPATH_PODS_H
#define NODEPATH_PODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on accepted values; a file with a longer value is rejected (logged once, skipped).
 * Kubernetes: namespace <= 63, pod name <= 253, uid = 36; IFNAMSIZ = 16. */
#define POD_NAMESPACE_MAX 64
#define POD_NAME_MAX 256
#define POD_UID_MAX 64
#define POD_CONTAINER_ID_MAX 160
#define POD_IPS_MAX 256
#define POD_IFNAME_MAX 16
#define POD_NETNS_MAX 256
#define POD_NETWORK_MAX 128

/* Cache files larger than this are not read (a real one is 2-4 KiB). */
#define POD_CACHE_FILE_MAX (1024 * 1024)

struct pod_info {
	char namespace[POD_NAMESPACE_MAX];
	char pod[POD_NAME_MAX];
	char uid[POD_UID_MAX];			 /* "" when the runtime did not pass K8S_POD_UID */
	char container_id[POD_CONTAINER_ID_MAX]; /* the sandbox (pause) container */
	char pod_ips[POD_IPS_MAX];		 /* "10.244.1.5" or "10.244.1.5,fd00:10:244:1::5" */
	char interface[POD_IFNAME_MAX];	 /* host-side veth: the join key with the link table */
	char pod_ifname[POD_IFNAME_MAX]; /* the interface inside the pod: eth0, net1 */
	char network[POD_NETWORK_MAX];	 /* CNI network name: cbr0 for flannel */
	char netns[POD_NETNS_MAX];
};

/* Why a cache file was not used. */
enum pod_parse_err {
	POD_PARSE_OK = 0,
	POD_PARSE_OVERSIZED,
	POD_PARSE_CORRUPT,	 /* not JSON, or JSON of the wrong shape */
	POD_PARSE_TRUNCATED,	 /* valid JSON prefix that ends early */
	POD_PARSE_FOREIGN_KIND,	 /* not "cniCacheV1" */
	POD_PARSE_MISSING_FIELD, /* containerId, ifName, networkName, cniArgs pod keys, result */
	POD_PARSE_NO_HOST_IFACE, /* valid, but no host-side interface (macvlan, ipvlan, host-device)
				  */
	POD_PARSE_BAD_VALUE, /* a value exceeds its bound above, is not clean UTF-8, or is no IP */
	POD_PARSE_LOOPBACK,  /* (the last code) the sandbox's own lo (containerd's cni-loopback
			      * network): not an error, never a pod entry */
};

const char *pod_parse_err__str(enum pod_parse_err e);

/* Pure parser: one cache file's bytes (need not be NUL-terminated) to one pod_info.
 * The host-side interface is the last interface of the result without a "sandbox" (the bridge
 * plugin lists bridge, host veth, container interface; ptp lists host veth, container
 * interface). pod_ips are the addresses (without prefix length) of ips[] whose "interface"
 * index names the container-side interface, or all of them when no index is given. */
enum pod_parse_err pod_cache__parse(const char *buf, size_t len, struct pod_info *out);

struct pod_table;

/* dir: the cache directory (need not exist yet). NULL on allocation failure. */
struct pod_table *pod_table__create(const char *dir);
void pod_table__destroy(struct pod_table *t); /* stops the watcher first */

/* The --path.cni-cache flag value. */
const char *pods__cache_dir(void);

/* Full rescan: files that vanished are dropped, new or changed (name, mtime, size) files are
 * parsed, unchanged ones are kept as they are. 0, or -errno if the directory cannot be read
 * (the table is then emptied only for -ENOENT/-ENOTDIR: the directory is gone), -ECANCELED if
 * stop_watch interrupted it. */
int pod_table__rescan(struct pod_table *t);

/* Re-read one file by its name in the directory, known to be completely written (its writer
 * closed it): parsed if present, dropped if gone. */
void pod_table__update_file(struct pod_table *t, const char *name);

/* Copy out the pod behind host interface ifname. 0 or -ENOENT. */
int pod_table__lookup(struct pod_table *t, const char *ifname, struct pod_info *out);

/* Calls cb for every entry, sorted by interface, under the read lock; stops at and returns the
 * first non-zero cb return. */
int pod_table__foreach(struct pod_table *t, int (*cb)(const struct pod_info *pi, void *ctx),
		       void *ctx);

/* Entries readers see: distinct host interfaces. */
size_t pod_table__count(struct pod_table *t);

/* True once a full rescan has finished (the watcher's first one, or an explicit rescan): every
 * file present then has been judged. A missing or unreadable directory completes it too (pod
 * names are best effort and the state is logged); running out of memory does not. Lock-free,
 * so a readiness probe never waits behind a writer. */
bool pod_table__complete(struct pod_table *t);

/* True once a full rescan has read the directory and judged every file in it: unlike complete,
 * not when the directory was missing or unreadable, nor when a file in it was being written or
 * could not be read. Until then the table may lack pods that exist, so nothing may be judged by
 * their absence. Lock-free, as complete. */
bool pod_table__listed(struct pod_table *t);

/* Incremented on every change of the entries, so a reader can cache joins. */
uint64_t pod_table__generation(struct pod_table *t);

/* Files skipped (and logged) since creation, for self-observation. */
uint64_t pod_table__skipped_files(struct pod_table *t);

/* Start/stop the inotify watcher thread: a created, rewritten, renamed-in or deleted cache file
 * is reflected in the table within about 100 ms; a directory that does not exist yet is
 * retried every 500 ms and fully scanned once it appears; a full rescan every 30 s guards
 * against lost events. start returns at once: the thread's first act is a full rescan, which
 * pod_table__complete() reports (events that arrive meanwhile are queued by inotify and applied
 * after it). stop interrupts a rescan in progress. 0 or -errno. */
int pod_table__start_watch(struct pod_table *t);
void pod_table__stop_watch(struct pod_table *t);

#endif
