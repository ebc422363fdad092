/* netpath collector: the eBPF per-layer and per-pod counters, and the datapath's own health.
 * init loads the programs and starts the link watch; each scrape reads the counter map once
 * (batched), joins it with the link table and writes the nodepath_* families. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "links.h"
#include "loader.h"
#include "log.h"

static const char *opt_bridge = "cni0";
static const char *opt_overlay = "flannel.1";
static const char *opt_node = "";
static const char *opt_pin_path = "/sys/fs/bpf/nodepath";
static const char *opt_attach_mode = "auto";
static unsigned long opt_max_entries = 16384;
static unsigned long opt_resync_s = 30;
static bool opt_enable_stats = true;

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
	     "Capacity of the per-interface counter map (2 entries per hooked interface).");
NP_FLAG_BOOL("bpf.enable-stats", &opt_enable_stats,
	     "Enable kernel BPF run-time statistics while the agent runs.");

static struct loader *g_loader;
static struct link_watch *g_watch;
static struct links_config g_links_cfg;

static int netpath_init(void)
{
	struct loader_opts lo = {
		.pin_path = opt_pin_path,
		.enable_stats = opt_enable_stats,
	};
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
	lo.max_entries = (uint32_t)opt_max_entries;
	err = loader__open(&lo, &g_loader);
	if (err)
		return err;
	g_links_cfg.bridge = opt_bridge;
	g_links_cfg.overlay = opt_overlay;
	g_links_cfg.node_devices = opt_node;
	err = link_watch__start(g_loader, &g_links_cfg, (unsigned)opt_resync_s * 1000, &g_watch);
	if (err) {
		loader__close(g_loader);
		g_loader = NULL;
	}
	return err;
}

static void netpath_fini(void)
{
	link_watch__stop(g_watch);
	g_watch = NULL;
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

	return bsearch(&key, s, n, sizeof(*s), cmp_stat);
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

struct scrape {
	struct expo_writer *w;
	struct link_entry *links;
	size_t n_links;
	struct if_stat *stats;
	size_t n_stats;
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
					    { "namespace", "" },
					    { "pod", "" } };

		if (e->layer != LAYER_POD || !e->attached)
			continue;
		expo__sample(s->w, name, lb, 3,
			     stat_field(find_stat(s->stats, s->n_stats, e->ifindex, dir), f));
	}
}

static void emit_health(struct scrape *s)
{
	static const char *const maps[] = { "np_if_stats", "np_errors" };
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

	expo__family(s->w, "nodepath_bpf_map_entries", "Entries in use in a BPF map.", EXPO_GAUGE);
	{
		struct expo_label lb = { "map", "np_if_stats" };

		expo__sample(s->w, "nodepath_bpf_map_entries", &lb, 1, (double)s->n_stats);
	}
	expo__family(s->w, "nodepath_bpf_map_capacity", "Maximum entries of a BPF map.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < 2; i++) {
		struct expo_label lb = { "map", maps[i] };
		uint32_t cap = 0;

		loader__map_capacity(g_loader, maps[i], &cap);
		expo__sample(s->w, "nodepath_bpf_map_capacity", &lb, 1, (double)cap);
	}
	loader__read_error(g_loader, NP_ERR_IF_STATS_FULL, &full);
	expo__family(s->w, "nodepath_bpf_map_full_total",
		     "Packets not counted because a BPF map had no room for a new entry.",
		     EXPO_COUNTER);
	{
		struct expo_label lb = { "map", "np_if_stats" };

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
	err = link_watch__snapshot(g_watch, &s.links, &s.n_links);
	if (err)
		return err;
	err = loader__read_if_stats(g_loader, &s.stats, &s.n_stats);
	if (err) {
		log_warn("reading np_if_stats failed: %s", strerror(-err));
		goto cleanup;
	}
	qsort(s.stats, s.n_stats, sizeof(*s.stats), cmp_stat);

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
	emit_health(&s);
	err = w->err;
cleanup:
	free(s.links);
	free(s.stats);
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
