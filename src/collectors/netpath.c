/* netpath collector: the eBPF per-layer and per-pod counters, and the datapath's own health.
 * init loads the programs and starts the link watch; each scrape reads the counter map once
 * (batched), joins it with the link table and writes the nodepath_* families. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "netinfo.h"
#include "pods.h"

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

static struct loader *g_loader;
static struct link_watch *g_watch;
static struct pod_table *g_pods;
static struct links_config g_links_cfg;
static struct cidr g_service[MAX_SERVICE_CIDRS];
static size_t g_n_service;

/* Path-class configuration, owned by the link watch thread (its tick). */
static struct {
	struct cidr_entry host[MAX_PATH_CIDRS]; /* this node's addresses, refreshed on events */
	size_t n_host;
	struct cidr_entry applied[MAX_PATH_CIDRS];
	size_t n_applied;
	bool ever_applied;
} g_paths;

static const char *const path_names[NP_PATH_MAX] = {
	[NP_PATH_SAME_NODE] = "same_node", [NP_PATH_CROSS_NODE] = "cross_node",
	[NP_PATH_SERVICE] = "service",     [NP_PATH_HOST] = "host",
	[NP_PATH_EXTERNAL] = "external",
};

static int parse_service_cidrs(const char *list)
{
	const char *p = list;

	g_n_service = 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 0) {
			if (g_n_service == MAX_SERVICE_CIDRS ||
			    cidr__parse_n(p, len, &g_service[g_n_service])) {
				log_error("--collector.netpath.service-cidr: bad or too many CIDRs in "
					  "\"%s\"",
					  list);
				return -EINVAL;
			}
			g_n_service++;
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
static void refresh_host_addrs(void)
{
	struct ifaddrs *ifa = NULL;

	if (getifaddrs(&ifa)) {
		log_warn("getifaddrs: %s; keeping the previous host addresses", strerror(errno));
		return;
	}
	g_paths.n_host = 0;
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
		push_cidr(g_paths.host, &g_paths.n_host, &c, NP_PATH_HOST);
	}
	freeifaddrs(ifa);
}

/* Link watch tick: recompute the CIDR -> path table and push it to the datapath if it changed.
 * Sources: subnet.env (cluster and node pod CIDRs, followed as flanneld rewrites it), the
 * service CIDR flag and this namespace's addresses. */
static void path_tick(void *arg, bool addrs_changed)
{
	struct cidr_entry want[MAX_PATH_CIDRS];
	struct flannel_subnet fs;
	size_t n = 0;
	int err;

	if (addrs_changed)
		refresh_host_addrs();
	if (netinfo__get(&fs) == 0) {
		for (size_t i = 0; i < fs.n_networks; i++)
			push_cidr(want, &n, &fs.networks[i], NP_PATH_CROSS_NODE);
		for (size_t i = 0; i < fs.n_subnets; i++)
			push_cidr(want, &n, &fs.subnets[i], NP_PATH_SAME_NODE);
	}
	for (size_t i = 0; i < g_n_service; i++)
		push_cidr(want, &n, &g_service[i], NP_PATH_SERVICE);
	for (size_t i = 0; i < g_paths.n_host && n < MAX_PATH_CIDRS; i++)
		want[n++] = g_paths.host[i];

	if (g_paths.ever_applied && n == g_paths.n_applied &&
	    memcmp(want, g_paths.applied, n * sizeof(want[0])) == 0)
		return;
	err = loader__set_cidrs(g_loader, want, n);
	if (err) {
		log_warn("updating the path-class prefixes failed: %s", strerror(-err));
		return;
	}
	memcpy(g_paths.applied, want, n * sizeof(want[0]));
	g_paths.n_applied = n;
	g_paths.ever_applied = true;
	log_info("path classes updated prefixes=%zu", n);
}

/* -EINVAL from init means "bad flag value" to the registry (the agent refuses to start); a
 * kernel that rejects a program or map with EINVAL is a runtime failure (keep serving the host
 * statistics, report netpath as failed). */
static int runtime_err(int err)
{
	return err == -EINVAL ? -EIO : err;
}

static int netpath_init(void)
{
	struct loader_opts lo = {
		.pin_path = opt_pin_path,
		.enable_stats = opt_enable_stats,
	};
	uint16_t np_min = 0, np_max = 0;
	int err;

	if (strcmp(opt_attach_mode, "auto") == 0)
		lo.mode = ATTACH_AUTO;
	else if (strcmp(opt_attach_mode, "tcx") == 0)
		lo.mode = ATTACH_TCX;
	else if (strcmp(opt_attach_mode, "tc") == 0)
		lo.mode = ATTACH_TC;
	else {
		log_error("--bpf.attach-mode must be auto, tcx or tc, not \"%s\"", opt_attach_mode);
		return -EINVAL;
	}
	if (opt_max_entries < 2 || opt_max_entries > (1u << 24)) {
		log_error("--bpf.map-max-entries must be between 2 and %u", 1u << 24);
		return -EINVAL;
	}
	if (opt_resync_s == 0 || opt_resync_s > 3600) {
		log_error("--collector.netpath.resync-interval must be 1..3600 seconds");
		return -EINVAL;
	}
	err = parse_service_cidrs(opt_service_cidr);
	if (!err)
		err = parse_nodeport_range(opt_nodeport_range, &np_min, &np_max);
	if (err)
		return err;
	lo.max_entries = (uint32_t)opt_max_entries;
	err = loader__open(&lo, &g_loader);
	if (err)
		return runtime_err(err);
	err = loader__set_nodeport_range(g_loader, np_min, np_max);
	if (err)
		goto fail;
	/* Pod identity is best effort: without it pods are still counted, with empty names. */
	g_pods = pod_table__create(pods__cache_dir());
	if (!g_pods || pod_table__start_watch(g_pods))
		log_warn("pod names unavailable: cannot watch %s", pods__cache_dir());
	g_links_cfg.bridge = opt_bridge;
	g_links_cfg.overlay = opt_overlay;
	g_links_cfg.node_devices = opt_node;
	err = link_watch__start(g_loader, &g_links_cfg, (unsigned)opt_resync_s * 1000, path_tick,
				NULL, &g_watch);
	if (err)
		goto fail;
	return 0;
fail:
	pod_table__destroy(g_pods);
	g_pods = NULL;
	loader__close(g_loader);
	g_loader = NULL;
	return runtime_err(err);
}

static void netpath_fini(void)
{
	link_watch__stop(g_watch);
	g_watch = NULL;
	pod_table__destroy(g_pods);
	g_pods = NULL;
	loader__close(g_loader);
	g_loader = NULL;
}

static int cmp_stat(const void *a, const void *b)
{
	const struct if_stat *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return (int)x->direction - (int)y->direction;
}

static const struct if_stat *find_stat(const struct if_stat *s, size_t n, int ifindex, int dir)
{
	struct if_stat key = { .ifindex = (uint32_t)ifindex, .direction = (uint8_t)dir };

	return n ? bsearch(&key, s, n, sizeof(*s), cmp_stat) : NULL;
}

enum field { F_PACKETS, F_BYTES, F_SEGS };

static double stat_field(const struct if_stat *s, enum field f)
{
	if (!s)
		return 0;
	switch (f) {
	case F_PACKETS:
		return (double)s->packets;
	case F_BYTES:
		return (double)s->bytes;
	default:
		return (double)s->gso_segs;
	}
}

/* Pod names of a link entry, looked up once per scrape. */
struct pod_name {
	char namespace[POD_NAMESPACE_MAX];
	char pod[POD_NAME_MAX];
};

struct scrape {
	struct expo_writer *w;
	struct link_entry *links;
	struct pod_name *names; /* parallel to links; empty strings when unknown */
	size_t n_links;
	struct if_stat *stats;
	size_t n_stats;
	struct path_stat *paths;
	size_t n_paths;
};

/* One nodepath_interface_* family over the node, bridge and overlay devices. */
static void emit_interface_family(struct scrape *s, const char *name, const char *help, int dir,
				  enum field f)
{
	expo__family(s->w, name, help, EXPO_COUNTER);
	for (size_t i = 0; i < s->n_links; i++) {
		const struct link_entry *e = &s->links[i];
		struct expo_label lb[2] = { { "device", e->name },
					    { "layer", links__layer_name(e->layer) } };

		if (e->layer == LAYER_POD || !e->attached)
			continue;
		expo__sample(s->w, name, lb, 2,
			     stat_field(find_stat(s->stats, s->n_stats, e->ifindex, dir), f));
	}
}

/* One nodepath_pod_* family: the pod's view, so host-veth egress is the pod's receive. */
static void emit_pod_family(struct scrape *s, const char *name, const char *help, int dir,
			    enum field f)
{
	expo__family(s->w, name, help, EXPO_COUNTER);
	for (size_t i = 0; i < s->n_links; i++) {
		const struct link_entry *e = &s->links[i];
		struct expo_label lb[3] = { { "interface", e->name },
					    { "namespace", s->names[i].namespace },
					    { "pod", s->names[i].pod } };

		if (e->layer != LAYER_POD || !e->attached)
			continue;
		expo__sample(s->w, name, lb, 3,
			     stat_field(find_stat(s->stats, s->n_stats, e->ifindex, dir), f));
	}
}

static int cmp_link(const void *a, const void *b)
{
	const struct link_entry *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* The attached pod veth with ifindex (links are sorted by ifindex). */
static const struct link_entry *find_link(const struct scrape *s, uint32_t ifindex, size_t *idx)
{
	struct link_entry key = { .ifindex = (int)ifindex };
	const struct link_entry *e =
		s->n_links ? bsearch(&key, s->links, s->n_links, sizeof(key), cmp_link) : NULL;

	if (!e || e->layer != LAYER_POD || !e->attached)
		return NULL;
	*idx = (size_t)(e - s->links);
	return e;
}

/* A pod's info series lives as long as its veth is hooked, not as long as its cache file (a
 * crashed runtime can leave the file behind). Runs under the pod table's read lock. */
static bool pod_veth_present(const char *ifname, void *ctx)
{
	const struct scrape *s = ctx;

	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].layer == LAYER_POD && s->links[i].attached &&
		    strcmp(s->links[i].name, ifname) == 0)
			return true;
	return false;
}

/* nodepath_path_{packets,bytes}_total: by pod, pod-view direction and path class. */
static void emit_paths(struct scrape *s)
{
	static const char *const fams[2] = { "nodepath_path_packets_total",
					     "nodepath_path_bytes_total" };
	static const char *const helps[2] = {
		"Packets a pod sent or received, by where the peer is (path class).",
		"Bytes (skb->len) a pod sent or received, by where the peer is (path class).",
	};

	for (int f = 0; f < 2; f++) {
		expo__family(s->w, fams[f], helps[f], EXPO_COUNTER);
		for (size_t j = 0; j < s->n_paths; j++) {
			const struct path_stat *p = &s->paths[j];
			const struct link_entry *e;
			size_t i;

			if (p->path >= NP_PATH_MAX)
				continue;
			e = find_link(s, p->ifindex, &i);
			if (!e)
				continue;
			{
				/* Host-veth ingress is the pod transmitting. */
				struct expo_label lb[5] = {
					{ "direction",
					  p->direction == NP_DIR_INGRESS ? "transmit" : "receive" },
					{ "interface", e->name },
					{ "namespace", s->names[i].namespace },
					{ "path", path_names[p->path] },
					{ "pod", s->names[i].pod },
				};

				expo__sample(s->w, fams[f], lb, 5,
					     f == 0 ? (double)p->packets : (double)p->bytes);
			}
		}
	}
}

static int emit_nodeport(struct scrape *s)
{
	struct np_path_value np[NP_NODEPORT_MAX];
	static const char *const proto[NP_NODEPORT_MAX] = { "tcp", "udp" };
	int err = loader__read_nodeport(g_loader, np);

	if (err) {
		log_warn("reading np_nodeport failed: %s", strerror(-err));
		return err;
	}
	expo__family(s->w, "nodepath_nodeport_receive_packets_total",
		     "Inbound packets to the NodePort range on the node device(s).", EXPO_COUNTER);
	for (int i = 0; i < NP_NODEPORT_MAX; i++) {
		struct expo_label lb = { "protocol", proto[i] };

		expo__sample(s->w, "nodepath_nodeport_receive_packets_total", &lb, 1,
			     (double)np[i].packets);
	}
	expo__family(s->w, "nodepath_nodeport_receive_bytes_total",
		     "Inbound bytes (skb->len) to the NodePort range on the node device(s).",
		     EXPO_COUNTER);
	for (int i = 0; i < NP_NODEPORT_MAX; i++) {
		struct expo_label lb = { "protocol", proto[i] };

		expo__sample(s->w, "nodepath_nodeport_receive_bytes_total", &lb, 1,
			     (double)np[i].bytes);
	}
	return 0;
}

static void emit_health(struct scrape *s)
{
	static const char *const maps[] = { "np_if_stats", "np_path_stats" };
	uint64_t attached[LAYER_MAX] = { 0 }, errors[LAYER_MAX];
	struct prog_stat ps[8];
	size_t nps = 8;
	uint64_t full = 0;

	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].attached)
			attached[s->links[i].layer]++;
	link_watch__attach_errors(g_watch, errors);

	expo__family(s->w, "nodepath_bpf_attached_interfaces",
		     "Interfaces the tc counters are attached to, by layer.", EXPO_GAUGE);
	for (int l = LAYER_NODE; l < LAYER_MAX; l++) {
		struct expo_label lb = { "layer", links__layer_name(l) };

		expo__sample(s->w, "nodepath_bpf_attached_interfaces", &lb, 1, (double)attached[l]);
	}
	expo__family(s->w, "nodepath_bpf_attach_errors_total",
		     "Failed attempts to attach the tc counters, by layer.", EXPO_COUNTER);
	for (int l = LAYER_NODE; l < LAYER_MAX; l++) {
		struct expo_label lb = { "layer", links__layer_name(l) };

		expo__sample(s->w, "nodepath_bpf_attach_errors_total", &lb, 1, (double)errors[l]);
	}

	{
		struct link_latency lat[LAYER_MAX];

		link_watch__attach_latency(g_watch, lat);
		expo__family(s->w, "nodepath_attach_latency_seconds",
			     "Time from the rtnetlink event that made an interface hookable to its "
			     "programs being attached, by layer.",
			     EXPO_HISTOGRAM);
		for (int l = LAYER_NODE; l < LAYER_MAX; l++) {
			struct expo_label lb = { "layer", links__layer_name(l) };

			expo__histogram(s->w, "nodepath_attach_latency_seconds", &lb, 1,
					link_latency_bounds, lat[l].cumulative,
					LINK_LATENCY_BUCKETS, lat[l].sum_seconds, lat[l].count);
		}
	}

	expo__family(s->w, "nodepath_bpf_map_entries", "Entries in use in a BPF map.", EXPO_GAUGE);
	for (size_t i = 0; i < 2; i++) {
		struct expo_label lb = { "map", maps[i] };

		expo__sample(s->w, "nodepath_bpf_map_entries", &lb, 1,
			     (double)(i == 0 ? s->n_stats : s->n_paths));
	}
	expo__family(s->w, "nodepath_bpf_map_capacity", "Maximum entries of a BPF map.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < 2; i++) {
		struct expo_label lb = { "map", maps[i] };
		uint32_t cap = 0;

		loader__map_capacity(g_loader, maps[i], &cap);
		expo__sample(s->w, "nodepath_bpf_map_capacity", &lb, 1, (double)cap);
	}
	expo__family(s->w, "nodepath_bpf_map_full_total",
		     "Packets not counted because a BPF map had no room for a new entry.",
		     EXPO_COUNTER);
	for (size_t i = 0; i < 2; i++) {
		struct expo_label lb = { "map", maps[i] };

		full = 0;
		loader__read_error(g_loader,
				   i == 0 ? NP_ERR_IF_STATS_FULL : NP_ERR_PATH_STATS_FULL, &full);
		expo__sample(s->w, "nodepath_bpf_map_full_total", &lb, 1, (double)full);
	}

	if (loader__prog_stats(g_loader, ps, &nps) == 0) {
		expo__family(s->w, "nodepath_bpf_program_run_seconds_total",
			     "Time spent in a BPF program (kernel run-time statistics).",
			     EXPO_COUNTER);
		for (size_t i = 0; i < nps; i++) {
			struct expo_label lb = { "program", ps[i].name };

			expo__sample(s->w, "nodepath_bpf_program_run_seconds_total", &lb, 1,
				     (double)ps[i].run_time_ns / 1e9);
		}
		expo__family(s->w, "nodepath_bpf_program_runs_total",
			     "Runs of a BPF program (kernel run-time statistics).", EXPO_COUNTER);
		for (size_t i = 0; i < nps; i++) {
			struct expo_label lb = { "program", ps[i].name };

			expo__sample(s->w, "nodepath_bpf_program_runs_total", &lb, 1,
				     (double)ps[i].run_cnt);
		}
	}
}

static int netpath_collect(struct expo_writer *w)
{
	struct scrape s = { .w = w };
	int err;

	if (!g_loader || !g_watch)
		return -ENODEV;
	/* Maps first, link table second: an interface deleted in between (its keys removed) is
	 * then absent from the table too, rather than listed with a counter dropped to 0. */
	err = loader__read_if_stats(g_loader, &s.stats, &s.n_stats);
	if (err) {
		log_warn("reading np_if_stats failed: %s", strerror(-err));
		goto cleanup;
	}
	if (s.n_stats)
		qsort(s.stats, s.n_stats, sizeof(*s.stats), cmp_stat);
	err = loader__read_path_stats(g_loader, &s.paths, &s.n_paths);
	if (err) {
		log_warn("reading np_path_stats failed: %s", strerror(-err));
		goto cleanup;
	}
	err = link_watch__snapshot(g_watch, &s.links, &s.n_links);
	if (err)
		goto cleanup;
	if (s.n_links)
		qsort(s.links, s.n_links, sizeof(*s.links), cmp_link);
	s.names = calloc(s.n_links ? s.n_links : 1, sizeof(*s.names));
	if (!s.names) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < s.n_links && g_pods; i++) {
		struct pod_info pi;

		if (s.links[i].layer != LAYER_POD ||
		    pod_table__lookup(g_pods, s.links[i].name, &pi) != 0)
			continue;
		memcpy(s.names[i].namespace, pi.namespace, sizeof(s.names[i].namespace));
		memcpy(s.names[i].pod, pi.pod, sizeof(s.names[i].pod));
	}

	emit_interface_family(&s, "nodepath_interface_receive_packets_total",
			      "Packets received by the device (tc ingress).", NP_DIR_INGRESS,
			      F_PACKETS);
	emit_interface_family(&s, "nodepath_interface_receive_bytes_total",
			      "Bytes received by the device (tc ingress, skb->len).",
			      NP_DIR_INGRESS, F_BYTES);
	emit_interface_family(&s, "nodepath_interface_receive_segments_total",
			      "Wire segments received by the device (GSO/GRO aggregates expanded).",
			      NP_DIR_INGRESS, F_SEGS);
	emit_interface_family(&s, "nodepath_interface_transmit_packets_total",
			      "Packets transmitted by the device (tc egress).", NP_DIR_EGRESS,
			      F_PACKETS);
	emit_interface_family(&s, "nodepath_interface_transmit_bytes_total",
			      "Bytes transmitted by the device (tc egress, skb->len).",
			      NP_DIR_EGRESS, F_BYTES);
	emit_interface_family(&s, "nodepath_interface_transmit_segments_total",
			      "Wire segments transmitted by the device (GSO aggregates expanded).",
			      NP_DIR_EGRESS, F_SEGS);
	emit_pod_family(&s, "nodepath_pod_receive_packets_total",
			"Packets received by the pod (host veth egress).", NP_DIR_EGRESS,
			F_PACKETS);
	emit_pod_family(&s, "nodepath_pod_receive_bytes_total",
			"Bytes received by the pod (host veth egress, skb->len).", NP_DIR_EGRESS,
			F_BYTES);
	emit_pod_family(&s, "nodepath_pod_transmit_packets_total",
			"Packets transmitted by the pod (host veth ingress).", NP_DIR_INGRESS,
			F_PACKETS);
	emit_pod_family(&s, "nodepath_pod_transmit_bytes_total",
			"Bytes transmitted by the pod (host veth ingress, skb->len).",
			NP_DIR_INGRESS, F_BYTES);
	emit_paths(&s);
	err = emit_nodeport(&s);
	if (err)
		goto cleanup;
	if (g_pods)
		pods__emit_info_if(w, g_pods, pod_veth_present, &s);
	netinfo__emit(w);
	emit_health(&s);
	err = w->err;
cleanup:
	free(s.links);
	free(s.names);
	free(s.stats);
	free(s.paths);
	return err;
}

static struct collector netpath_collector = {
	.name = "netpath",
	.default_enabled = true,
	.init = netpath_init,
	.collect = netpath_collect,
	.fini = netpath_fini,
};
NP_COLLECTOR(netpath_collector);
