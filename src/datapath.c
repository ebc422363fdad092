/* The datapath object: flags of the eBPF part, start-up (loader, pod table, link watch) in that
 * order, the path-class prefixes the link watch's tick keeps current, and snapshots for scrapes.
 * datapath.h states the thread contract. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "flags.h"
#include "log.h"
#include "netinfo.h"

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
NP_FLAG_UINT("bpf.map-max-entries", &opt_max_entries,
	     "Capacity of np_if_stats (2 entries per hooked interface); np_path_stats gets 5/2 of it "
	     "(up to 10 per pod veth). Per-CPU maps: memory is capacity x CPUs.");
NP_FLAG_STRING("collector.netpath.service-cidr", &opt_service_cidr,
	       "Comma-separated service CIDRs (path class \"service\"; dual-stack: one per family).");
NP_FLAG_STRING("collector.netpath.nodeport-range", &opt_nodeport_range,
	       "NodePort range counted on the node device, MIN-MAX; empty disables it.");
NP_FLAG_BOOL("bpf.enable-stats", &opt_enable_stats,
	     "Enable kernel BPF run-time statistics while the agent runs.");

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

struct datapath {
	struct loader *loader;
	struct link_watch *watch;
	struct pod_table *pods;
	struct links_config links_cfg;
	struct path_classes paths;
};

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
				log_error("--collector.netpath.service-cidr: bad or too many CIDRs in "
					  "\"%s\"",
					  list);
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
		log_error("--collector.netpath.nodeport-range must be MIN-MAX within 1-65535, not "
			  "\"%s\"",
			  s);
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

/* Every address of this network namespace (node IPs, the cni0 gateway, flannel.1) is "host". */
static void refresh_host_addrs(struct path_classes *pc)
{
	struct ifaddrs *ifa = NULL;

	if (getifaddrs(&ifa)) {
		log_warn("getifaddrs: %s; keeping the previous host addresses", strerror(errno));
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
			const struct in6_addr *a6 = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

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

/* Link watch tick: recompute the CIDR -> path table and push it to the datapath if it changed.
 * Sources: subnet.env (cluster and node pod CIDRs, followed as flanneld rewrites it), the
 * service CIDR flag and this namespace's addresses. */
static void path_tick(void *arg, bool addrs_changed)
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
		for (size_t i = 0; i < fs.n_subnets; i++)
			push_cidr(want, &n, &fs.subnets[i], NP_PATH_SAME_NODE);
	}
	for (size_t i = 0; i < pc->n_service; i++)
		push_cidr(want, &n, &pc->service[i], NP_PATH_SERVICE);
	for (size_t i = 0; i < pc->n_host && n < MAX_PATH_CIDRS; i++)
		want[n++] = pc->host[i];

	if (pc->ever_applied && n == pc->n_applied &&
	    memcmp(want, pc->applied, n * sizeof(want[0])) == 0)
		return;
	err = loader__set_cidrs(dp->loader, want, n);
	if (err) {
		log_warn("updating the path-class prefixes failed: %s", strerror(-err));
		return;
	}
	memcpy(pc->applied, want, n * sizeof(want[0]));
	pc->n_applied = n;
	pc->ever_applied = true;
	log_info("path classes updated prefixes=%zu", n);
}


/* A kernel that rejects a program or map with EINVAL is a runtime failure, not a bad flag. */
static int runtime_err(int err)
{
	return err == -EINVAL ? -EIO : err;
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
		log_error("--bpf.attach-mode must be auto, tcx or tc, not \"%s\"", s);
		return -EINVAL;
	}
	return 0;
}

int datapath__start(struct datapath **out)
{
	struct loader_opts lo = {
		.pin_path = opt_pin_path,
		.enable_stats = opt_enable_stats,
		.max_entries = (uint32_t)opt_max_entries,
	};
	struct datapath *dp = NULL;
	uint16_t np_min = 0, np_max = 0;
	int err;

	*out = NULL;
	err = parse_attach_mode(opt_attach_mode, &lo.mode);
	if (err)
		return err;
	if (opt_max_entries < 2 || opt_max_entries > (1u << 24)) {
		log_error("--bpf.map-max-entries must be between 2 and %u", 1u << 24);
		return -EINVAL;
	}
	if (opt_resync_s == 0 || opt_resync_s > 3600) {
		log_error("--collector.netpath.resync-interval must be 1..3600 seconds");
		return -EINVAL;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	err = parse_service_cidrs(&dp->paths, opt_service_cidr);
	if (!err)
		err = parse_nodeport_range(opt_nodeport_range, &np_min, &np_max);
	if (err)
		goto cleanup;
	err = loader__open(&lo, &dp->loader);
	if (err) {
		err = runtime_err(err);
		goto cleanup;
	}
	err = loader__set_nodeport_range(dp->loader, np_min, np_max);
	if (err) {
		err = runtime_err(err);
		goto cleanup;
	}
	/* Pod identity is best effort: without it pods are still counted, with empty names. */
	dp->pods = pod_table__create(pods__cache_dir());
	if (!dp->pods || pod_table__start_watch(dp->pods))
		log_warn("pod names unavailable: cannot watch %s", pods__cache_dir());
	dp->links_cfg.bridge = opt_bridge;
	dp->links_cfg.overlay = opt_overlay;
	dp->links_cfg.node_devices = opt_node;
	err = link_watch__start(dp->loader, &dp->links_cfg, (unsigned)opt_resync_s * 1000,
				path_tick, dp, &dp->watch);
	if (err) {
		err = runtime_err(err);
		goto cleanup;
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
	/* Link watch first: its tick uses the loader, its attach calls too. */
	link_watch__stop(dp->watch);
	pod_table__destroy(dp->pods);
	loader__close(dp->loader);
	free(dp);
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

int datapath__snapshot(struct datapath *dp, struct datapath_snapshot *s)
{
	static const char *const maps[2] = { "np_if_stats", "np_path_stats" };
	struct link_entry *links = NULL;
	size_t n_links = 0;
	int err;

	memset(s, 0, sizeof(*s));
	/* Maps first, link table second: see struct datapath_snapshot. */
	err = loader__read_if_stats(dp->loader, &s->if_stats, &s->n_if_stats);
	if (err) {
		log_warn("reading np_if_stats failed: %s", strerror(-err));
		goto cleanup;
	}
	if (s->n_if_stats)
		qsort(s->if_stats, s->n_if_stats, sizeof(*s->if_stats), cmp_if_stat);
	err = loader__read_path_stats(dp->loader, &s->path_stats, &s->n_path_stats);
	if (err) {
		log_warn("reading np_path_stats failed: %s", strerror(-err));
		goto cleanup;
	}
	err = loader__read_nodeport(dp->loader, s->nodeport);
	if (err) {
		log_warn("reading np_nodeport failed: %s", strerror(-err));
		goto cleanup;
	}
	for (int i = 0; i < NP_ERR_MAX; i++)
		loader__read_error(dp->loader, (enum np_error)i, &s->map_full[i]);
	loader__map_capacity(dp->loader, maps[0], &s->if_stats_capacity);
	loader__map_capacity(dp->loader, maps[1], &s->path_stats_capacity);
	s->n_progs = sizeof(s->progs) / sizeof(s->progs[0]);
	if (loader__prog_stats(dp->loader, s->progs, &s->n_progs))
		s->n_progs = 0;

	err = link_watch__snapshot(dp->watch, &links, &n_links);
	if (err)
		goto cleanup;
	link_watch__attach_errors(dp->watch, s->attach_errors);
	link_watch__attach_latency(dp->watch, s->latency);
	s->links = calloc(n_links ? n_links : 1, sizeof(*s->links));
	if (!s->links) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n_links; i++) {
		struct datapath_link *dl = &s->links[i];

		dl->link = links[i];
		if (links[i].layer == LAYER_POD && dp->pods &&
		    pod_table__lookup(dp->pods, links[i].name, &dl->pod) == 0)
			dl->has_pod = true;
	}
	s->n_links = n_links;
	if (s->n_links)
		qsort(s->links, s->n_links, sizeof(*s->links), cmp_link);
cleanup:
	free(links);
	if (err)
		datapath_snapshot__free(s);
	return err;
}

void datapath_snapshot__free(struct datapath_snapshot *s)
{
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

const struct datapath_link *datapath_snapshot__link(const struct datapath_snapshot *s,
						    int ifindex)
{
	struct datapath_link key = { .link.ifindex = ifindex };

	return s->n_links ? bsearch(&key, s->links, s->n_links, sizeof(key), cmp_link) : NULL;
}
