// SPDX-License-Identifier: Apache-2.0
/* The datapath object: flags of the eBPF part, start-up (loader, pod table, link watch) in that
 * order, the path-class prefixes the link watch's tick keeps current, and snapshots for scrapes.
 * datapath.h states the thread contract. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "datapath.h"
#include "flags.h"
#include "log.h"
#include "netinfo.h"
#include "netns_pods.h"

static const char *opt_bridge = "cni0";
static const char *opt_overlay = "flannel.1";
static const char *opt_node = "";
static const char *opt_pin_path = "/sys/fs/bpf/nodepath";
static const char *opt_attach_mode = "auto";
static unsigned long opt_max_entries = 4096;
static unsigned long opt_resync_s = 30;
static bool opt_enable_stats = true;
static const char *opt_service_cidr = "10.96.0.0/12";
static const char *opt_nodeport_range = "30000-32767";

NP_FLAG_STRING("collector.netpath.bridge-device", &opt_bridge,
	       "Bridge whose veth ports are pod interfaces (bridge layer).");
NP_FLAG_STRING("collector.netpath.overlay-device", &opt_overlay, "Overlay (VXLAN) device.");
NP_FLAG_STRING("collector.netpath.node-device", &opt_node,
	       "Comma-separated node devices; empty: the devices carrying default routes.");
NP_FLAG_UINT("collector.netpath.resync-interval", &opt_resync_s,
	     "Seconds between full interface resyncs (rtnetlink events drive the rest).");
NP_FLAG_STRING("bpf.pin-path", &opt_pin_path,
	       "bpffs directory for pinned maps (a bpffs is mounted there if needed).");
NP_FLAG_STRING("bpf.attach-mode", &opt_attach_mode,
	       "tc attach mode: auto (tcx if the kernel has it), tcx or tc (clsact).");
NP_FLAG_UINT(
    "bpf.map-max-entries", &opt_max_entries,
    "Counter entries, 2 per hooked interface (np_if_slots: capacity / 2 slots per CPU, rounded up "
    "to a power of two; a pod veth's also hold its path classes, a node device's its VXLAN "
    "counters); np_if_stats, the hash for interfaces without a slot, holds an eighth of it. "
    "Memory is about capacity x 160 B x CPUs.");
NP_FLAG_STRING(
    "collector.netpath.service-cidr", &opt_service_cidr,
    "Comma-separated service CIDRs (path class \"service\"; dual-stack: one per family).");
NP_FLAG_STRING("collector.netpath.nodeport-range", &opt_nodeport_range,
	       "NodePort range counted on the node device, MIN-MAX; empty disables it.");
NP_FLAG_BOOL("bpf.enable-stats", &opt_enable_stats,
	     "Enable kernel BPF run-time statistics while the agent runs.");

static unsigned long opt_vxlan_port = NP_VXLAN_PORT_DEFAULT;
static bool opt_drops = true;
static unsigned long opt_drop_entries = 8192;
NP_FLAG_UINT("collector.netpath.vxlan-port", &opt_vxlan_port,
	     "UDP port of the overlay's VXLAN (flannel: 8472); outer frames to it are counted on "
	     "the node devices. 0 disables.");
NP_FLAG_BOOL("collector.netpath.drops", &opt_drops,
	     "Count packets the kernel drops (kfree_skb with a reason, kernel >= 5.17) in the "
	     "node's network namespace and in its pods' (from the CNI cache's netns paths).");
NP_FLAG_UINT("collector.netpath.drops-max-entries", &opt_drop_entries,
	     "Capacity of np_drop_stats: one entry per (namespace, device, reason) seen.");

#define MAX_SERVICE_CIDRS 4
#define MAX_PATH_CIDRS 256

/* Path-class configuration, owned by the link watch thread (its tick). */
struct path_classes {
	struct cidr service[MAX_SERVICE_CIDRS];
	size_t n_service;
	struct cidr_entry host[MAX_PATH_CIDRS]; /* this node's addresses, refreshed on events */
	size_t n_host;
	struct cidr_entry applied[MAX_PATH_CIDRS];
	size_t n_applied;
	bool ever_applied;
};

/* A pod's netns path as the pod table had it, and what stat(2) said of it. */
struct ns_path {
	char netns[POD_NETNS_MAX];
	char veth[IF_NAMESIZE];
	uint32_t inode;
	int err; /* 0: inode is valid; else -errno of the last try */
};

/* A directory holding netns paths: while it is unchanged, a path in it that did not resolve
 * will not either. */
struct ns_dir {
	char path[POD_NETNS_MAX];
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	bool settled; /* old enough to be trusted (see NS_DIR_SETTLE_S) */
};

#define NS_DIRS_MAX 8

struct datapath {
	struct loader *loader;
	struct link_watch *watch;
	struct pod_table *pods;
	struct links_config links_cfg;
	struct path_classes paths;

	struct drops *drops; /* NULL when --no-collector.netpath.drops */
	uint32_t node_netns; /* 0 when unknown */
	/* The link-watch tick writes these; scrapes copy them under ns_lock. */
	pthread_mutex_t ns_lock;
	struct netns_pod *ns_pods; /* sorted by inode */
	size_t n_ns_pods;
	/* The link-watch tick's own: the pod table's netns paths at ns_generation, sorted by
	 * path, and the directories they lie in. */
	struct ns_path *ns_paths;
	size_t n_ns_paths;
	struct ns_dir ns_dirs[NS_DIRS_MAX];
	size_t n_ns_dirs;
	bool ns_dirs_valid;	/* false: more directories than NS_DIRS_MAX, retry every tick */
	bool ns_synced;		/* ns_paths was read at least once */
	uint64_t ns_generation; /* pod table generation ns_paths was read at */
	bool ns_complete;	/* every pod's netns was resolved (else retried on a change) */
	bool ns_warned;
	bool ns_purged; /* pinned counters of namespaces gone while no agent ran removed */

	/* Set-up (loader, drops, pod table, link watch) is retried with backoff until it
	 * succeeds: state is read by any thread (atomics), the rest is under setup_lock. */
	struct loader_opts lo;
	int state; /* enum datapath_setup_state */
	pthread_mutex_t setup_lock;
	pthread_cond_t setup_cond;
	pthread_t retry_thread;
	bool retry_started, stopping;
	struct datapath_setup_failure failures[DATAPATH_SETUP_FAILURES_MAX];
	size_t n_failures;
	char last_error[96];
};

/* Backoff between set-up attempts: 1 s, doubling, at most 60 s. */
#define SETUP_RETRY_FIRST_MS 1000
#define SETUP_RETRY_MAX_MS 60000

/* Set by datapath__start, cleared by datapath__stop (main thread only; see datapath.h). */
static struct datapath *g_current;

static int parse_service_cidrs(struct path_classes *pc, const char *list)
{
	const char *p = list;

	pc->n_service = 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 0) {
			if (pc->n_service == MAX_SERVICE_CIDRS ||
			    cidr__parse_n(p, len, &pc->service[pc->n_service])) {
				log_error("bad or too many CIDRs", "flag",
					  "--collector.netpath.service-cidr", "value", list);
				return -EINVAL;
			}
			pc->n_service++;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int parse_nodeport_range(const char *s, uint16_t *min, uint16_t *max)
{
	unsigned lo, hi;
	int n = 0;

	*min = *max = 0;
	if (!*s)
		return 0;
	if (sscanf(s, "%5u-%5u%n", &lo, &hi, &n) != 2 || s[n] != '\0' || lo == 0 || lo > hi ||
	    hi > 65535) {
		log_error("flag value must be MIN-MAX within 1-65535", "flag",
			  "--collector.netpath.nodeport-range", "value", s);
		return -EINVAL;
	}
	*min = (uint16_t)lo;
	*max = (uint16_t)hi;
	return 0;
}

static void push_cidr(struct cidr_entry *e, size_t *n, const struct cidr *c, enum np_path path)
{
	if (*n >= MAX_PATH_CIDRS)
		return;
	memset(&e[*n], 0, sizeof(e[*n]));
	e[*n].family = c->family;
	e[*n].prefixlen = c->prefix;
	memcpy(e[*n].addr, c->addr, sizeof(e[*n].addr));
	e[*n].path = path;
	(*n)++;
}

/* The directed broadcast of an IPv4 pod subnet is link-local traffic, not a peer pod. */
static void push_broadcast(struct cidr_entry *e, size_t *n, const struct cidr *c)
{
	struct cidr b = { .family = AF_INET, .prefix = 32 };
	uint32_t a;

	if (c->family != AF_INET || c->prefix >= 31)
		return;
	memcpy(&a, c->addr, 4);
	a = htonl(ntohl(a) | (0xffffffffu >> c->prefix));
	memcpy(b.addr, &a, 4);
	push_cidr(e, n, &b, NP_PATH_LINK_LOCAL);
}

/* Every address of this network namespace (node IPs, the cni0 gateway, flannel.1) is "host". */
static void refresh_host_addrs(struct path_classes *pc)
{
	struct ifaddrs *ifa = NULL;

	if (getifaddrs(&ifa)) {
		log_warn("getifaddrs failed; keeping the previous host addresses", "err",
			 LOG_ERR(errno));
		return;
	}
	pc->n_host = 0;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct cidr c = { 0 };

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			c.family = AF_INET;
			c.prefix = 32;
			memcpy(c.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a6 =
			    &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			/* Every host veth has one; none is a pod's peer, and they would crowd out the
			 * node's real addresses and rewrite the table on every pod. */
			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			c.family = AF_INET6;
			c.prefix = 128;
			memcpy(c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		push_cidr(pc->host, &pc->n_host, &c, NP_PATH_HOST);
	}
	freeifaddrs(ifa);
}

/* --- drop counting: which network namespaces count ----------------------------------------- */

/* Counters of pods deleted while no agent ran stay pinned: once the pod table has been read in
 * full and every namespace resolved, drop those of any namespace neither the node's nor a
 * current pod's (netns inodes are reused). Never before a full read of the CNI cache directory:
 * until then (and while it is missing or unreadable) the table lacks pods that exist, and their
 * counters would look like a dead namespace's. */
static void purge_dead_netns(struct datapath *dp)
{
	uint32_t *live = calloc(dp->n_ns_pods + 1, sizeof(*live));
	size_t n = 0, removed = 0;

	if (!live)
		return;
	if (dp->node_netns)
		live[n++] = dp->node_netns;
	for (size_t i = 0; i < dp->n_ns_pods; i++)
		live[n++] = dp->ns_pods[i].inode;
	if (drops__purge_except(dp->drops, live, n, &removed) == 0) {
		dp->ns_purged = true;
		if (removed)
			log_info(
			    "removed pinned drop counter entries of namespaces gone while the agent was not running",
			    "entries", LOG_UINT(removed));
	}
	free(live);
}

struct ns_collect {
	struct ns_path *e;
	size_t n, cap;
	int err;
};

/* Pod table callback (under its read lock): copy only; the stat(2)s happen after. */
static int collect_netns(const struct pod_info *pi, void *arg)
{
	struct ns_collect *c = arg;

	if (!pi->netns[0])
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *e = realloc(c->e, cap * sizeof(*c->e));

		if (!e) {
			c->err = -ENOMEM;
			return 1;
		}
		c->e = e;
		c->cap = cap;
	}
	memset(&c->e[c->n], 0, sizeof(c->e[c->n]));
	memcpy(c->e[c->n].netns, pi->netns, sizeof(c->e[c->n].netns));
	memcpy(c->e[c->n].veth, pi->interface, sizeof(c->e[c->n].veth));
	c->e[c->n].err = -EAGAIN; /* not tried yet */
	c->n++;
	return 0;
}

static int cmp_ns_path(const void *a, const void *b)
{
	const struct ns_path *x = a, *y = b;

	return strcmp(x->netns, y->netns);
}

/* The runtime records the host's path (/var/run/netns/cni-...); a container that mounts the
 * host's /run/netns may have no /var/run: try /run/ too. alt[len] gets that twin, or "". */
static void netns_alt_path(const char *path, char *alt, size_t len)
{
	alt[0] = '\0';
	if (strncmp(path, "/var/run/", 9) == 0 &&
	    (size_t)snprintf(alt, len, "/run/%s", path + 9) >= len)
		alt[0] = '\0';
}

static int netns_inode(const char *path, uint32_t *inode)
{
	char alt[POD_NETNS_MAX];
	int err = drops__netns_inode(path, inode);

	if (err) {
		netns_alt_path(path, alt, sizeof(alt));
		if (alt[0])
			err = drops__netns_inode(alt, inode);
	}
	return err;
}

/* A directory's state as far as the names in it go. Timestamps have the kernel's coarse clock:
 * a change within the same tick as the state taken would not show, so a state younger than this
 * is not trusted (the paths in it are tried again on the next tick). */
#define NS_DIR_SETTLE_S 2

static void ns_dir_stat(struct ns_dir *d)
{
	struct timespec now;
	struct stat st;

	d->settled = false;
	if (stat(d->path, &st)) {
		d->err = -errno;
		d->dev = 0;
		d->ino = 0;
		d->size = 0;
		memset(&d->mtime, 0, sizeof(d->mtime));
		memset(&d->ctime, 0, sizeof(d->ctime));
		d->settled = true;
		return;
	}
	d->err = 0;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->size = st.st_size;
	d->mtime = st.st_mtim;
	d->ctime = st.st_ctim;
	clock_gettime(CLOCK_REALTIME, &now);
	d->settled = now.tv_sec - d->mtime.tv_sec > NS_DIR_SETTLE_S &&
		     now.tv_sec - d->ctime.tv_sec > NS_DIR_SETTLE_S;
}

static bool ns_dir_same(const struct ns_dir *a, const struct ns_dir *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* True when a path that failed before may resolve now: a directory it lies in changed (an entry
 * was added: a netns was mounted there), or their states cannot be trusted. One stat(2) per
 * directory (in practice one: /run/netns), whatever the number of stale cache files. */
static bool ns_dirs_changed(const struct datapath *dp)
{
	if (!dp->ns_dirs_valid)
		return true;
	for (size_t i = 0; i < dp->n_ns_dirs; i++) {
		struct ns_dir now;

		if (!dp->ns_dirs[i].settled)
			return true;
		memcpy(now.path, dp->ns_dirs[i].path, sizeof(now.path));
		ns_dir_stat(&now);
		if (!ns_dir_same(&dp->ns_dirs[i], &now))
			return true;
	}
	return false;
}

/* Records (and stat(2)s, before the path itself is) the directory of path. */
static void ns_dirs_note(struct datapath *dp, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	struct ns_dir *d;

	if (!slash) {
		path = "."; /* a relative name: the agent's working directory */
		len = 1;
	} else if (len == 0) {
		len = 1; /* "/x": the root */
	}
	for (size_t i = 0; i < dp->n_ns_dirs; i++)
		if (strncmp(dp->ns_dirs[i].path, path, len) == 0 &&
		    dp->ns_dirs[i].path[len] == '\0')
			return;
	if (dp->n_ns_dirs == NS_DIRS_MAX) {
		dp->ns_dirs_valid = false;
		return;
	}
	d = &dp->ns_dirs[dp->n_ns_dirs++];
	memcpy(d->path, path, len);
	d->path[len] = '\0';
	ns_dir_stat(d);
}

struct ns_names {
	char **v;
	size_t n, cap;
};

static void ns_names_free(struct ns_names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ns_names_add(struct ns_names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(name);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

/* The names now in the noted directories, sorted into out, each directory's state taken anew
 * before it is listed (a name added after the listing changes that state again). A directory
 * that is not there holds nothing. 0, or -errno when one cannot be listed: out is then empty. */
static int ns_dirs_list(struct datapath *dp, struct ns_names *out)
{
	DIR *d = NULL;
	int err = 0;

	for (size_t i = 0; i < dp->n_ns_dirs && !err; i++) {
		ns_dir_stat(&dp->ns_dirs[i]);
		if (dp->ns_dirs[i].err == -ENOENT || dp->ns_dirs[i].err == -ENOTDIR)
			continue;
		d = opendir(dp->ns_dirs[i].path);
		if (!d) {
			err = -errno;
			break;
		}
		for (;;) {
			struct dirent *de;

			errno = 0;
			de = readdir(d);
			if (!de) {
				err = -errno;
				break;
			}
			err = ns_names_add(out, de->d_name);
			if (err)
				break;
		}
		closedir(d);
		d = NULL;
	}
	if (err)
		ns_names_free(out);
	else if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return err;
}

static bool ns_listed(const struct ns_names *l, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	return l->n && bsearch(&base, l->v, l->n, sizeof(*l->v), cmp_str);
}

/* Notes p's directories, then stat(2)s p: a netns mounted in between changes a noted state. */
static void ns_resolve(struct datapath *dp, struct ns_path *p)
{
	char alt[POD_NETNS_MAX];

	ns_dirs_note(dp, p->netns);
	netns_alt_path(p->netns, alt, sizeof(alt));
	if (alt[0])
		ns_dirs_note(dp, alt);
	p->err = netns_inode(p->netns, &p->inode);
	/* Only a name that is not there waits for its directory; anything else (EACCES, ENOMEM,
	 * ...) may pass on its own: tried on every tick, as long as it lasts. */
	if (p->err && p->err != -ENOENT && p->err != -ENOTDIR)
		dp->ns_dirs_valid = false;
}

/* Keeps np_drop_netns equal to this node's pods' namespaces, as the pod table says. Runs on the
 * link-watch thread only (its tick): the pod table is copied and its netns paths stat(2)ed once
 * per pod-table change; a path that did not resolve (a stale cache file's namespace is gone) is
 * tried again only once its name is in its directory, which is listed only when it changed, so
 * an idle tick costs a stat(2) or two however many cache files there are. */
static void sync_drop_netns(struct datapath *dp)
{
	struct ns_collect c = { 0 };
	struct ns_names names = { 0 };
	struct netns_pod *next = NULL, *old;
	size_t n = 0, n_old, unresolved = 0;
	bool carry, changed, listed, table_read;
	uint64_t gen;

	if (!dp->drops || !dp->pods || drops__state(dp->drops, NULL, NULL) != DROPS_LOADED)
		return;
	/* Taken before the generation: a copy of that generation or a later one holds every pod
	 * of the first full read. */
	table_read = pod_table__listed(dp->pods);
	gen = pod_table__generation(dp->pods);
	if (dp->ns_synced && gen == dp->ns_generation) {
		if (dp->ns_complete || !ns_dirs_changed(dp))
			goto purge;
		/* Same paths, a directory changed: try the failed ones that are there now (all of
		 * them when the directories cannot be listed). */
		listed = dp->ns_dirs_valid && ns_dirs_list(dp, &names) == 0;
		if (!listed) {
			dp->n_ns_dirs = 0;
			dp->ns_dirs_valid = true;
		}
		for (size_t i = 0; i < dp->n_ns_paths; i++)
			if (dp->ns_paths[i].err &&
			    (!listed || ns_listed(&names, dp->ns_paths[i].netns)))
				ns_resolve(dp, &dp->ns_paths[i]);
	} else {
		pod_table__foreach(dp->pods, collect_netns, &c);
		if (c.err)
			goto cleanup;
		if (c.n)
			qsort(c.e, c.n, sizeof(*c.e), cmp_ns_path);
		/* Failures of paths the table still names hold while their directories are as
		 * they were (the states are kept, not taken again, so a change in between shows),
		 * or, when they changed, while the name is not in them. */
		changed = !dp->ns_synced || ns_dirs_changed(dp);
		listed =
		    dp->ns_synced && changed && dp->ns_dirs_valid && ns_dirs_list(dp, &names) == 0;
		carry = dp->ns_synced && (!changed || listed);
		if (!carry) {
			dp->n_ns_dirs = 0;
			dp->ns_dirs_valid = true;
		}
		for (size_t i = 0; i < c.n; i++) {
			const struct ns_path *was =
			    carry && dp->n_ns_paths ? bsearch(&c.e[i], dp->ns_paths, dp->n_ns_paths,
							      sizeof(c.e[i]), cmp_ns_path)
						    : NULL;

			if (was && was->err && !(listed && ns_listed(&names, c.e[i].netns)))
				c.e[i].err = was->err;
			else
				ns_resolve(dp, &c.e[i]);
		}
		free(dp->ns_paths);
		dp->ns_paths = c.e;
		dp->n_ns_paths = c.n;
		c.e = NULL;
		dp->ns_generation = gen;
		dp->ns_synced = true;
	}
	next = calloc(dp->n_ns_paths ? dp->n_ns_paths : 1, sizeof(*next));
	if (!next)
		goto cleanup;
	for (size_t i = 0; i < dp->n_ns_paths; i++) {
		if (dp->ns_paths[i].err) {
			unresolved++;
			continue;
		}
		next[n].inode = dp->ns_paths[i].inode;
		memcpy(next[n].veth, dp->ns_paths[i].veth, sizeof(next[n].veth));
		n++;
	}
	n = netns_pods__dedupe(next, n);
	/* Add first, then remove: a namespace that stays is never absent. */
	for (size_t i = 0; i < n; i++)
		if (!netns_pods__find(dp->ns_pods, dp->n_ns_pods, next[i].inode) &&
		    next[i].inode != dp->node_netns)
			drops__netns_add(dp->drops, next[i].inode, NP_NETNS_POD);
	for (size_t i = 0; i < dp->n_ns_pods; i++)
		if (!netns_pods__find(next, n, dp->ns_pods[i].inode))
			drops__netns_remove(dp->drops, dp->ns_pods[i].inode);
	pthread_mutex_lock(&dp->ns_lock);
	old = dp->ns_pods;
	n_old = dp->n_ns_pods;
	dp->ns_pods = next;
	dp->n_ns_pods = n;
	pthread_mutex_unlock(&dp->ns_lock);
	next = NULL;
	free(old);
	dp->ns_complete = unresolved == 0;
	if (unresolved && !dp->ns_warned) {
		log_warn(
		    "drops inside pods: pod network namespaces not reachable (the agent needs the host's /run/netns); retrying",
		    "namespaces", LOG_UINT(unresolved));
		dp->ns_warned = true;
	}
	if (n != n_old)
		log_debug("drop namespaces updated", "pods", LOG_UINT(n));
purge:
	if (table_read && dp->ns_complete && !dp->ns_purged)
		purge_dead_netns(dp);
cleanup:
	ns_names_free(&names);
	free(next);
	free(c.e);
}

/* Link watch tick: keep the drop namespaces in step with the pod table, recompute the CIDR ->
 * path table and push it to the datapath if it changed. Sources: subnet.env (cluster and node
 * pod CIDRs, followed as flanneld rewrites it), the service CIDR flag and this namespace's
 * addresses. */
static void datapath_tick(void *arg, bool addrs_changed)
{
	struct datapath *dp = arg;
	struct path_classes *pc = &dp->paths;
	struct cidr_entry want[MAX_PATH_CIDRS];
	struct flannel_subnet fs;
	size_t n = 0;
	int err;

	if (addrs_changed)
		refresh_host_addrs(pc);
	if (netinfo__get(&fs) == 0) {
		for (size_t i = 0; i < fs.n_networks; i++)
			push_cidr(want, &n, &fs.networks[i], NP_PATH_CROSS_NODE);
		for (size_t i = 0; i < fs.n_subnets; i++) {
			push_cidr(want, &n, &fs.subnets[i], NP_PATH_SAME_NODE);
			push_broadcast(want, &n, &fs.subnets[i]);
		}
	}
	for (size_t i = 0; i < pc->n_service; i++)
		push_cidr(want, &n, &pc->service[i], NP_PATH_SERVICE);
	for (size_t i = 0; i < pc->n_host && n < MAX_PATH_CIDRS; i++)
		want[n++] = pc->host[i];

	sync_drop_netns(dp);
	if (pc->ever_applied && n == pc->n_applied &&
	    memcmp(want, pc->applied, n * sizeof(want[0])) == 0)
		return;
	err = loader__set_cidrs(dp->loader, want, n);
	if (err) {
		log_warn("updating the path-class prefixes failed", "err", LOG_ERR(err));
		return;
	}
	memcpy(pc->applied, want, n * sizeof(want[0]));
	pc->n_applied = n;
	pc->ever_applied = true;
	log_info("path classes updated", "prefixes", LOG_UINT(n));
}

/* The drop counters are optional: a kernel that cannot run them leaves everything else working
 * (drops__open logs the state once). Only allocation failures stop the start. */
static int start_drops(struct datapath *dp)
{
	struct drops_opts o = { .pin_path = opt_pin_path,
				.max_entries = (uint32_t)opt_drop_entries };
	int err = drops__open(&o, &dp->drops);

	if (err)
		return err == -EINVAL ? -EIO : err;
	if (drops__state(dp->drops, NULL, NULL) != DROPS_LOADED)
		return 0;
	/* The agent runs in the node's network namespace (hostNetwork): its own is the node's. */
	err = drops__netns_inode("/proc/self/ns/net", &dp->node_netns);
	if (!err)
		err = drops__netns_add(dp->drops, dp->node_netns, NP_NETNS_NODE);
	if (err) {
		log_warn("drops: cannot register the node's network namespace", "err",
			 LOG_ERR(err));
		dp->node_netns = 0;
	}
	return 0;
}

static int parse_attach_mode(const char *s, enum attach_mode *mode)
{
	if (strcmp(s, "auto") == 0)
		*mode = ATTACH_AUTO;
	else if (strcmp(s, "tcx") == 0)
		*mode = ATTACH_TCX;
	else if (strcmp(s, "tc") == 0)
		*mode = ATTACH_TC;
	else {
		log_error("flag value must be auto, tcx or tc", "flag", "--bpf.attach-mode",
			  "value", s);
		return -EINVAL;
	}
	return 0;
}

/* Undoes setup(): watch first (its tick uses the loader and the drops, its attach calls too). */
static void teardown(struct datapath *dp)
{
	link_watch__stop(dp->watch);
	dp->watch = NULL;
	pod_table__destroy(dp->pods);
	dp->pods = NULL;
	drops__close(dp->drops);
	dp->drops = NULL;
	loader__close(dp->loader);
	dp->loader = NULL;
	dp->node_netns = 0;
}

/* The runtime part of the start: programs and pinned maps, drop counters, pod table, link
 * watch. On failure everything it did is undone, *stage says which step failed. */
static int setup(struct datapath *dp, const char **stage)
{
	int err;

	*stage = "load";
	err = loader__open(&dp->lo, &dp->loader);
	if (err)
		goto cleanup;
	/* libbpf parsed and freed vmlinux BTF (~11 MB) during the load; glibc keeps freed heap
	 * for reuse, which would stay in the agent's RSS for good. */
	malloc_trim(0);
	if (opt_drops) {
		*stage = "drops";
		err = start_drops(dp);
		if (err)
			goto cleanup;
	}
	/* Pod identity is best effort: without it pods are still counted, with empty names, and
	 * there is no table to wait for. The watcher reads the cache in the background. */
	dp->pods = pod_table__create(pods__cache_dir());
	if (!dp->pods || pod_table__start_watch(dp->pods)) {
		log_warn("pod names unavailable: cannot watch the CNI cache", "path",
			 pods__cache_dir());
		pod_table__destroy(dp->pods);
		dp->pods = NULL;
	}
	dp->links_cfg.bridge = opt_bridge;
	dp->links_cfg.overlay = opt_overlay;
	dp->links_cfg.node_devices = opt_node;
	*stage = "link_watch";
	err = link_watch__start(dp->loader, &dp->links_cfg, (unsigned)opt_resync_s * 1000,
				datapath_tick, dp, &dp->watch);
	if (err)
		goto cleanup;
	return 0;
cleanup:
	teardown(dp);
	return err;
}

/* Counts one failed attempt by (stage, errno name); the table is bounded, the rest is "other". */
static void note_failure(struct datapath *dp, const char *stage, int err)
{
	const char *name = strerrorname_np(-err);
	struct datapath_setup_failure *f = NULL;

	if (!name)
		name = "other";
	pthread_mutex_lock(&dp->setup_lock);
	for (size_t i = 0; i < dp->n_failures && !f; i++)
		if (strcmp(dp->failures[i].stage, stage) == 0 &&
		    strcmp(dp->failures[i].error, name) == 0)
			f = &dp->failures[i];
	if (!f && dp->n_failures < DATAPATH_SETUP_FAILURES_MAX) {
		f = &dp->failures[dp->n_failures++];
		snprintf(f->stage, sizeof(f->stage), "%s", stage);
		snprintf(f->error, sizeof(f->error), "%s", name);
	}
	if (!f) /* table full: the last slot takes the rest */
		f = &dp->failures[DATAPATH_SETUP_FAILURES_MAX - 1];
	f->count++;
	snprintf(dp->last_error, sizeof(dp->last_error), "datapath set-up failed at %s: %s", stage,
		 strerror(-err));
	pthread_mutex_unlock(&dp->setup_lock);
}

/* Retries the set-up with backoff until it succeeds or the agent stops. */
static void *retry_main(void *arg)
{
	struct datapath *dp = arg;
	unsigned delay_ms = SETUP_RETRY_FIRST_MS;

	pthread_mutex_lock(&dp->setup_lock);
	while (!dp->stopping) {
		struct timespec until;
		const char *stage = "";
		int err;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += delay_ms / 1000;
		until.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!dp->stopping &&
		       pthread_cond_timedwait(&dp->setup_cond, &dp->setup_lock, &until) == 0)
			;
		if (dp->stopping)
			break;
		pthread_mutex_unlock(&dp->setup_lock);
		err = setup(dp, &stage);
		if (!err) {
			__atomic_store_n(&dp->state, DATAPATH_SETUP_READY, __ATOMIC_RELEASE);
			log_info("datapath set-up succeeded after retrying");
			return NULL;
		}
		note_failure(dp, stage, err);
		delay_ms = delay_ms * 2 > SETUP_RETRY_MAX_MS ? SETUP_RETRY_MAX_MS : delay_ms * 2;
		log_warn("datapath set-up failed, retrying", "stage", stage, "err", LOG_ERR(err),
			 "retry_seconds", LOG_UINT(delay_ms / 1000));
		pthread_mutex_lock(&dp->setup_lock);
	}
	pthread_mutex_unlock(&dp->setup_lock);
	return NULL;
}

int datapath__start(struct datapath **out)
{
	struct datapath *dp = NULL;
	pthread_condattr_t ca;
	const char *stage = "";
	int err;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	pthread_mutex_init(&dp->ns_lock, NULL);
	pthread_mutex_init(&dp->setup_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dp->setup_cond, &ca);
	pthread_condattr_destroy(&ca);
	dp->state = DATAPATH_SETUP_RETRYING;
	dp->lo.pin_path = opt_pin_path;
	dp->lo.enable_stats = opt_enable_stats;
	dp->lo.max_entries = (uint32_t)opt_max_entries;
	err = parse_attach_mode(opt_attach_mode, &dp->lo.mode);
	if (err)
		goto cleanup;
	err = -EINVAL;
	if (opt_max_entries < 2 || opt_max_entries > (1u << 24)) {
		log_error("flag value out of range", "flag", "--bpf.map-max-entries", "min", "2",
			  "max", LOG_UINT(1u << 24));
		goto cleanup;
	}
	if (opt_resync_s == 0 || opt_resync_s > 3600) {
		log_error("flag value out of range", "flag", "--collector.netpath.resync-interval",
			  "min", "1", "max", "3600");
		goto cleanup;
	}
	if (opt_vxlan_port > 65535) {
		log_error("flag value out of range", "flag", "--collector.netpath.vxlan-port",
			  "min", "0", "max", "65535");
		goto cleanup;
	}
	dp->lo.vxlan_port = (uint16_t)opt_vxlan_port;
	if (opt_drop_entries < 16 || opt_drop_entries > (1u << 24)) {
		log_error("flag value out of range", "flag",
			  "--collector.netpath.drops-max-entries", "min", "16", "max",
			  LOG_UINT(1u << 24));
		goto cleanup;
	}
	err = parse_service_cidrs(&dp->paths, opt_service_cidr);
	if (!err)
		err = parse_nodeport_range(opt_nodeport_range, &dp->lo.nodeport_min,
					   &dp->lo.nodeport_max);
	if (err)
		goto cleanup;
	err = setup(dp, &stage);
	if (err) {
		/* A runtime failure (pins not writable, bpffs full, a map the kernel refuses):
		 * the rest of the agent runs, the set-up is retried, readiness says why. */
		note_failure(dp, stage, err);
		log_error("datapath set-up failed, retrying", "stage", stage, "err", LOG_ERR(err),
			  "retry_seconds", LOG_UINT(SETUP_RETRY_FIRST_MS / 1000));
		err = pthread_create(&dp->retry_thread, NULL, retry_main, dp);
		if (err) {
			err = -err;
			goto cleanup;
		}
		dp->retry_started = true;
	} else {
		dp->state = DATAPATH_SETUP_READY;
	}
	g_current = dp;
	*out = dp;
	return 0;
cleanup:
	datapath__stop(dp);
	return err;
}

void datapath__stop(struct datapath *dp)
{
	if (!dp)
		return;
	if (g_current == dp)
		g_current = NULL;
	if (dp->retry_started) {
		pthread_mutex_lock(&dp->setup_lock);
		dp->stopping = true;
		pthread_cond_broadcast(&dp->setup_cond);
		pthread_mutex_unlock(&dp->setup_lock);
		pthread_join(dp->retry_thread, NULL);
	}
	teardown(dp);
	pthread_cond_destroy(&dp->setup_cond);
	pthread_mutex_destroy(&dp->setup_lock);
	pthread_mutex_destroy(&dp->ns_lock);
	free(dp->ns_pods);
	free(dp->ns_paths);
	free(dp);
}

bool datapath__setup_ready(struct datapath *dp, char *reason, size_t len)
{
	if (__atomic_load_n(&dp->state, __ATOMIC_ACQUIRE) == DATAPATH_SETUP_READY)
		return true;
	if (len) {
		pthread_mutex_lock(&dp->setup_lock);
		snprintf(reason, len, "%s", dp->last_error);
		pthread_mutex_unlock(&dp->setup_lock);
	}
	return false;
}

bool datapath__ready(struct datapath *dp, char *reason, size_t len)
{
	if (!dp) {
		if (len)
			snprintf(reason, len, "datapath not started");
		return false;
	}
	if (!datapath__setup_ready(dp, reason, len))
		return false;
	/* Set up (acquire above): dp->pods stays as it is until datapath__stop. */
	if (dp->pods && !pod_table__complete(dp->pods)) {
		if (len)
			snprintf(reason, len, "reading the CNI cache (%zu pods so far)",
				 pod_table__count(dp->pods));
		return false;
	}
	return true;
}

void datapath__setup_status(struct datapath *dp, struct datapath_setup *out)
{
	memset(out, 0, sizeof(*out));
	out->state = (enum datapath_setup_state)__atomic_load_n(&dp->state, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&dp->setup_lock);
	out->n_failures = dp->n_failures;
	memcpy(out->failures, dp->failures, dp->n_failures * sizeof(dp->failures[0]));
	pthread_mutex_unlock(&dp->setup_lock);
}

struct datapath *datapath__current(void)
{
	return g_current;
}

static int cmp_if_stat(const void *a, const void *b)
{
	const struct if_stat *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return (int)x->direction - (int)y->direction;
}

static int cmp_link(const void *a, const void *b)
{
	const struct datapath_link *x = a, *y = b;

	return (x->link.ifindex > y->link.ifindex) - (x->link.ifindex < y->link.ifindex);
}

static int cmp_link_entry(const void *a, const void *b)
{
	const struct link_entry *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int cmp_vxlan(const void *a, const void *b)
{
	const struct vxlan_stat *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return (int)x->direction - (int)y->direction;
}

static int cmp_link_name(const void *a, const void *b)
{
	const struct datapath_link *const *x = a, *const *y = b;
	int c = strncmp((*x)->link.name, (*y)->link.name, sizeof((*x)->link.name));

	return c ? c : cmp_link(*x, *y);
}

/* The hooked link named name (the lowest ifindex if two are), or NULL; by_name is s->links
 * sorted by cmp_link_name. */
static const struct datapath_link *link_by_name(const struct datapath_link *const *by_name,
						size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(by_name[mid]->link.name, name, sizeof(by_name[mid]->link.name)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strncmp(by_name[lo]->link.name, name, sizeof(by_name[lo]->link.name)) == 0)
		return by_name[lo];
	return NULL;
}

static int cmp_drop(const void *a, const void *b)
{
	const struct datapath_drop *x = a, *y = b;
	int c;

	if (x->pod != y->pod)
		return x->pod < y->pod ? -1 : 1;
	c = strcmp(x->device, y->device);
	return c ? c : strcmp(x->reason, y->reason);
}

/* Resolves np_drop_stats into label sets: node-netns drops by the device's layer (hooked) or
 * "other"; pod-netns drops by the pod's host veth, summed over the pod's own devices. Counters
 * of a namespace no longer watched are left out (their pod is gone). */
static int snapshot_drops(struct datapath *dp, struct datapath_snapshot *s)
{
	struct drop_stat *st = NULL;
	struct netns_pod *ns = NULL;
	const struct datapath_link **by_name = NULL;
	size_t n_st = 0, n_ns = 0, k = 0;
	int err = 0;

	s->drops_state = dp->drops ? drops__state(dp->drops, NULL, NULL) : DROPS_UNSUPPORTED;
	if (!dp->drops || s->drops_state != DROPS_LOADED)
		return 0;
	err = drops__read(dp->drops, &st, &n_st);
	if (err) {
		log_warn("reading a BPF map failed", "map", "np_drop_stats", "err", LOG_ERR(err));
		goto cleanup;
	}
	drops__map_fill(dp->drops, &s->drop_entries, &s->drop_capacity);
	drops__read_error(dp->drops, NP_DROP_ERR_STATS_FULL, &s->drops_not_counted);
	pthread_mutex_lock(&dp->ns_lock);
	n_ns = dp->n_ns_pods;
	ns = malloc((n_ns ? n_ns : 1) * sizeof(*ns));
	if (ns)
		memcpy(ns, dp->ns_pods, n_ns * sizeof(*ns));
	pthread_mutex_unlock(&dp->ns_lock);
	s->drops = calloc(n_st ? n_st : 1, sizeof(*s->drops));
	by_name = malloc((s->n_links ? s->n_links : 1) * sizeof(*by_name));
	if (!ns || !s->drops || !by_name) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Per drop counter two binary searches: its netns in ns (sorted by inode, one entry
	 * each), that pod's veth among the links by name. */
	for (size_t i = 0; i < s->n_links; i++)
		by_name[i] = &s->links[i];
	if (s->n_links)
		qsort(by_name, s->n_links, sizeof(*by_name), cmp_link_name);
	s->drop_namespaces[NP_NETNS_NODE] = dp->node_netns ? 1 : 0;
	s->drop_namespaces[NP_NETNS_POD] = n_ns;
	for (size_t i = 0; i < n_st; i++) {
		struct datapath_drop *d = &s->drops[k];
		char num[16];

		memset(d, 0, sizeof(*d));
		if (st[i].netns == dp->node_netns) {
			const struct datapath_link *l =
			    datapath_snapshot__link(s, (int)st[i].ifindex);

			if (l) {
				d->layer = l->link.layer;
				memcpy(d->device, l->link.name, sizeof(d->device));
			} else if (st[i].ifindex && !if_indextoname(st[i].ifindex, d->device)) {
				continue; /* gone since: its counters go with it */
			}
		} else {
			const struct netns_pod *p = netns_pods__find(ns, n_ns, st[i].netns);

			d->pod = p ? link_by_name(by_name, s->n_links, p->veth) : NULL;
			if (!d->pod || d->pod->link.layer != LAYER_POD || !d->pod->link.attached)
				continue;
		}
		/* The name lives in the reason table: the snapshot keeps its own copy. */
		snprintf(d->reason, sizeof(d->reason), "%s",
			 drops__reason_name(dp->drops, st[i].reason, num, sizeof(num)));
		d->packets = st[i].packets;
		d->bytes = st[i].bytes;
		k++;
	}
	/* One series per label set: a pod's drops on lo and eth0 add up. */
	if (k)
		qsort(s->drops, k, sizeof(*s->drops), cmp_drop);
	s->n_drops = 0;
	for (size_t i = 0; i < k; i++) {
		struct datapath_drop *last = s->n_drops ? &s->drops[s->n_drops - 1] : NULL;

		if (last && cmp_drop(last, &s->drops[i]) == 0) {
			last->packets += s->drops[i].packets;
			last->bytes += s->drops[i].bytes;
		} else {
			s->drops[s->n_drops++] = s->drops[i];
		}
	}
cleanup:
	free(by_name);
	free(st);
	free(ns);
	return err;
}

int datapath__snapshot(struct datapath *dp, struct datapath_snapshot *s)
{
	static const char *const maps[2] = { "np_if_stats", "np_path_stats" };
	struct if_counters c;
	struct link_entry *links = NULL;
	size_t n_links = 0;
	int err;

	memset(s, 0, sizeof(*s));
	if (__atomic_load_n(&dp->state, __ATOMIC_ACQUIRE) != DATAPATH_SETUP_READY)
		return -EAGAIN; /* set-up failed and is being retried: datapath__setup_status */
	/* Maps first, link table second: see struct datapath_snapshot. */
	/* One pass over the counters: interface, path-class and VXLAN items, sorted by key as
	 * the lookups below need. */
	err = loader__read_counters(dp->loader, &c);
	if (err) {
		log_warn("reading a BPF map failed", "map", "np_if_stats", "err", LOG_ERR(err));
		goto cleanup;
	}
	s->if_stats = c.ifs;
	s->n_if_stats = c.n_ifs;
	s->path_stats = c.paths;
	s->n_path_stats = c.n_paths;
	s->vxlan_stats = c.vxlans;
	s->n_vxlan_stats = c.n_vxlans;
	err = loader__read_nodeport(dp->loader, s->nodeport);
	if (err) {
		log_warn("reading a BPF map failed", "map", "np_nodeport", "err", LOG_ERR(err));
		goto cleanup;
	}
	for (int i = 0; i < NP_ERR_MAX; i++)
		loader__read_error(dp->loader, (enum np_error)i, &s->map_full[i]);
	loader__map_capacity(dp->loader, maps[0], &s->if_stats_capacity);
	loader__map_capacity(dp->loader, maps[1], &s->path_stats_capacity);
	s->n_progs = sizeof(s->progs) / sizeof(s->progs[0]);
	if (loader__prog_stats(dp->loader, s->progs, &s->n_progs))
		s->n_progs = 0;
	/* The drop program's cost too, while the kernel keeps run statistics. */
	if (s->n_progs && s->n_progs < sizeof(s->progs) / sizeof(s->progs[0]) &&
	    drops__prog_stat(dp->drops, &s->progs[s->n_progs].name,
			     &s->progs[s->n_progs].run_time_ns, &s->progs[s->n_progs].run_cnt) == 0)
		s->n_progs++;

	err = link_watch__snapshot(dp->watch, &links, &n_links);
	if (err)
		goto cleanup;
	link_watch__attach_errors(dp->watch, s->attach_errors);
	link_watch__attach_latency(dp->watch, s->latency);
	/* Sorted before the pod identities join them: a datapath_link is over a kilobyte, and
	 * sorting a thousand of them moved megabytes per scrape. */
	if (n_links)
		qsort(links, n_links, sizeof(*links), cmp_link_entry);
	s->links = malloc((n_links ? n_links : 1) * sizeof(*s->links));
	if (!s->links) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n_links; i++) {
		struct datapath_link *dl = &s->links[i];

		dl->link = links[i];
		dl->has_pod = links[i].layer == LAYER_POD && dp->pods &&
			      pod_table__lookup(dp->pods, links[i].name, &dl->pod) == 0;
		if (!dl->has_pod)
			memset(&dl->pod, 0, sizeof(dl->pod));
	}
	/* Complete before count: a table seen complete is counted at least as full. */
	s->pod_table_complete = !dp->pods || pod_table__complete(dp->pods);
	s->pod_table_entries = dp->pods ? pod_table__count(dp->pods) : 0;
	s->n_links = n_links;

	err = snapshot_drops(dp, s);
cleanup:
	free(links);
	if (err)
		datapath_snapshot__free(s);
	return err;
}

void datapath_snapshot__free(struct datapath_snapshot *s)
{
	free(s->vxlan_stats);
	free(s->drops);
	free(s->links);
	free(s->if_stats);
	free(s->path_stats);
	memset(s, 0, sizeof(*s));
}

const struct if_stat *datapath_snapshot__if_stat(const struct datapath_snapshot *s, int ifindex,
						 int direction)
{
	struct if_stat key = { .ifindex = (uint32_t)ifindex, .direction = (uint8_t)direction };

	return s->n_if_stats ? bsearch(&key, s->if_stats, s->n_if_stats, sizeof(key), cmp_if_stat)
			     : NULL;
}

const struct vxlan_stat *datapath_snapshot__vxlan(const struct datapath_snapshot *s, int ifindex,
						  int direction)
{
	struct vxlan_stat key = { .ifindex = (uint32_t)ifindex, .direction = (uint8_t)direction };

	return s->n_vxlan_stats
		   ? bsearch(&key, s->vxlan_stats, s->n_vxlan_stats, sizeof(key), cmp_vxlan)
		   : NULL;
}

const struct datapath_link *datapath_snapshot__link(const struct datapath_snapshot *s, int ifindex)
{
	struct datapath_link key = { .link.ifindex = ifindex };

	return s->n_links ? bsearch(&key, s->links, s->n_links, sizeof(key), cmp_link) : NULL;
}
