// SPDX-License-Identifier: Apache-2.0
/* netpath collector: the eBPF per-layer and per-pod counters and the datapath's own health.
 * It only reads: main() starts the datapath (datapath.h), each scrape takes one snapshot of it
 * and writes the nodepath_* families from tables. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "datapath.h"
#include "netinfo.h"
#include "netpath.h"

static const char *const path_names[NP_PATH_MAX] = {
	[NP_PATH_SAME_NODE] = "same_node", [NP_PATH_CROSS_NODE] = "cross_node",
	[NP_PATH_SERVICE] = "service",	   [NP_PATH_HOST] = "host",
	[NP_PATH_EXTERNAL] = "external",   [NP_PATH_LINK_LOCAL] = "link_local",
};

enum field { F_PACKETS, F_BYTES, F_SEGS };

/* Per-interface families. Pod families take the pod's view: host-veth egress is the pod
 * receiving, the same sense as cAdvisor's container_network_*. */
static const struct counter_family {
	const char *name;
	const char *help;
	bool pod; /* pod veths (labelled by pod), else node/bridge/overlay devices */
	enum np_direction dir;
	enum field field;
} counter_families[] = {
	{ "nodepath_interface_receive_packets_total",
	  "Packets received by the device (tc ingress).", false, NP_DIR_INGRESS, F_PACKETS },
	{ "nodepath_interface_receive_bytes_total",
	  "Bytes received by the device (tc ingress, skb->len).", false, NP_DIR_INGRESS, F_BYTES },
	{ "nodepath_interface_receive_segments_total",
	  "Wire segments received by the device (GSO/GRO aggregates expanded).", false,
	  NP_DIR_INGRESS, F_SEGS },
	{ "nodepath_interface_transmit_packets_total",
	  "Packets transmitted by the device (tc egress).", false, NP_DIR_EGRESS, F_PACKETS },
	{ "nodepath_interface_transmit_bytes_total",
	  "Bytes transmitted by the device (tc egress, skb->len).", false, NP_DIR_EGRESS, F_BYTES },
	{ "nodepath_interface_transmit_segments_total",
	  "Wire segments transmitted by the device (GSO aggregates expanded).", false,
	  NP_DIR_EGRESS, F_SEGS },
	{ "nodepath_pod_receive_packets_total", "Packets received by the pod (host veth egress).",
	  true, NP_DIR_EGRESS, F_PACKETS },
	{ "nodepath_pod_receive_bytes_total",
	  "Bytes received by the pod (host veth egress, skb->len).", true, NP_DIR_EGRESS, F_BYTES },
	{ "nodepath_pod_transmit_packets_total",
	  "Packets transmitted by the pod (host veth ingress).", true, NP_DIR_INGRESS, F_PACKETS },
	{ "nodepath_pod_transmit_bytes_total",
	  "Bytes transmitted by the pod (host veth ingress, skb->len).", true, NP_DIR_INGRESS,
	  F_BYTES },
};

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

static const char *pod_ns(const struct datapath_link *l)
{
	return l->has_pod ? l->pod.namespace : "";
}

static const char *pod_name(const struct datapath_link *l)
{
	return l->has_pod ? l->pod.pod : "";
}

static void emit_counters(struct expo_writer *w, const struct datapath_snapshot *s)
{
	for (size_t f = 0; f < sizeof(counter_families) / sizeof(counter_families[0]); f++) {
		const struct counter_family *cf = &counter_families[f];

		expo__family(w, cf->name, cf->help, EXPO_COUNTER);
		for (size_t i = 0; i < s->n_links; i++) {
			const struct datapath_link *l = &s->links[i];
			const struct if_stat *st;
			double v;

			if ((l->link.layer == LAYER_POD) != cf->pod || !l->link.attached)
				continue;
			st = datapath_snapshot__if_stat(s, l->link.ifindex, cf->dir);
			v = stat_field(st, cf->field);
			if (cf->pod) {
				struct expo_label lb[3] = { { "interface", l->link.name },
							    { "namespace", pod_ns(l) },
							    { "pod", pod_name(l) } };

				expo__sample(w, cf->name, lb, 3, v);
			} else {
				struct expo_label lb[2] = { { "device", l->link.name },
							    { "layer",
							      links__layer_name(l->link.layer) } };

				expo__sample(w, cf->name, lb, 2, v);
			}
		}
	}
}

/* The attached pod veth with ifindex, or NULL. */
static const struct datapath_link *pod_link(const struct datapath_snapshot *s, uint32_t ifindex)
{
	const struct datapath_link *l = datapath_snapshot__link(s, (int)ifindex);

	return l && l->link.layer == LAYER_POD && l->link.attached ? l : NULL;
}

/* nodepath_path_{packets,bytes}_total: by pod, pod-view direction and path class. */
static void emit_paths(struct expo_writer *w, const struct datapath_snapshot *s)
{
	static const struct {
		const char *name, *help;
	} fams[2] = {
		{ "nodepath_path_packets_total",
		  "Packets a pod sent or received, by where the peer is (path class)." },
		{ "nodepath_path_bytes_total",
		  "Bytes (skb->len) a pod sent or received, by where the peer is (path class)." },
	};

	for (int f = 0; f < 2; f++) {
		expo__family(w, fams[f].name, fams[f].help, EXPO_COUNTER);
		for (size_t j = 0; j < s->n_path_stats; j++) {
			const struct path_stat *p = &s->path_stats[j];
			const struct datapath_link *l;

			if (p->path >= NP_PATH_MAX || !path_names[p->path])
				continue;
			l = pod_link(s, p->ifindex);
			if (!l)
				continue;
			/* Host-veth ingress is the pod transmitting. */
			struct expo_label lb[5] = {
				{ "direction",
				  p->direction == NP_DIR_INGRESS ? "transmit" : "receive" },
				{ "interface", l->link.name },
				{ "namespace", pod_ns(l) },
				{ "path", path_names[p->path] },
				{ "pod", pod_name(l) },
			};

			expo__sample(w, fams[f].name, lb, 5,
				     f == 0 ? (double)p->packets : (double)p->bytes);
		}
	}
}

static void emit_nodeport(struct expo_writer *w, const struct datapath_snapshot *s)
{
	static const char *const proto[NP_NODEPORT_MAX] = { "tcp", "udp" };

	expo__family(w, "nodepath_nodeport_receive_packets_total",
		     "Inbound packets to the NodePort range on the node device(s).", EXPO_COUNTER);
	for (int i = 0; i < NP_NODEPORT_MAX; i++) {
		struct expo_label lb = { "protocol", proto[i] };

		expo__sample(w, "nodepath_nodeport_receive_packets_total", &lb, 1,
			     (double)s->nodeport[i].packets);
	}
	expo__family(w, "nodepath_nodeport_receive_bytes_total",
		     "Inbound bytes (skb->len) to the NodePort range on the node device(s).",
		     EXPO_COUNTER);
	for (int i = 0; i < NP_NODEPORT_MAX; i++) {
		struct expo_label lb = { "protocol", proto[i] };

		expo__sample(w, "nodepath_nodeport_receive_bytes_total", &lb, 1,
			     (double)s->nodeport[i].bytes);
	}
}

/* Outer VXLAN frames on the node devices: with flannel.1's counters, the overlay reconciles
 * (equal packets, 50 bytes more per packet over IPv4). */
static void emit_vxlan(struct expo_writer *w, const struct datapath_snapshot *s)
{
	static const struct {
		const char *name, *help;
		enum np_direction dir;
		bool bytes;
	} fams[] = {
		{ "nodepath_vxlan_receive_packets_total",
		  "Outer VXLAN frames (UDP to the VXLAN port) received on the node device.",
		  NP_DIR_INGRESS, false },
		{ "nodepath_vxlan_receive_bytes_total",
		  "Bytes (skb->len) of outer VXLAN frames received on the node device.",
		  NP_DIR_INGRESS, true },
		{ "nodepath_vxlan_transmit_packets_total",
		  "Outer VXLAN frames (UDP to the VXLAN port) transmitted on the node device.",
		  NP_DIR_EGRESS, false },
		{ "nodepath_vxlan_transmit_bytes_total",
		  "Bytes (skb->len) of outer VXLAN frames transmitted on the node device.",
		  NP_DIR_EGRESS, true },
	};

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		expo__family(w, fams[f].name, fams[f].help, EXPO_COUNTER);
		for (size_t i = 0; i < s->n_links; i++) {
			const struct datapath_link *l = &s->links[i];
			const struct vxlan_stat *v;
			struct expo_label lb = { "device", l->link.name };

			if (l->link.layer != LAYER_NODE || !l->link.attached)
				continue;
			v = datapath_snapshot__vxlan(s, l->link.ifindex, fams[f].dir);
			expo__sample(w, fams[f].name, &lb, 1,
				     !v		     ? 0
				     : fams[f].bytes ? (double)v->bytes
						     : (double)v->packets);
		}
	}
}

/* Drops: in the node's namespace by layer and device, inside pods by pod. */
static void emit_drops(struct expo_writer *w, const struct datapath_snapshot *s)
{
	static const char *const states[] = { [DROPS_LOADED] = "loaded",
					      [DROPS_UNSUPPORTED] = "unsupported",
					      [DROPS_FAILED] = "failed" };

	expo__family(
	    w, "nodepath_drops_state",
	    "State of the drop counters (kfree_skb): loaded, unsupported by this kernel, or "
	    "failed; 1 for the current state.",
	    EXPO_GAUGE);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct expo_label lb = { "state", states[i] };

		expo__sample(w, "nodepath_drops_state", &lb, 1, s->drops_state == i ? 1 : 0);
	}
	if (s->drops_state != DROPS_LOADED)
		return;
	expo__family(w, "nodepath_drop_namespaces",
		     "Network namespaces whose drops are counted: the node's and its pods'.",
		     EXPO_GAUGE);
	expo__sample(w, "nodepath_drop_namespaces", &(struct expo_label){ "kind", "node" }, 1,
		     (double)s->drop_namespaces[NP_NETNS_NODE]);
	expo__sample(w, "nodepath_drop_namespaces", &(struct expo_label){ "kind", "pod" }, 1,
		     (double)s->drop_namespaces[NP_NETNS_POD]);

	expo__family(w, "nodepath_drops_total",
		     "Packets the kernel dropped in the node's network namespace, by the layer and "
		     "device of the skb at the drop and the kernel's drop reason.",
		     EXPO_COUNTER);
	for (size_t i = 0; i < s->n_drops; i++) {
		const struct datapath_drop *d = &s->drops[i];

		if (d->pod)
			continue;
		struct expo_label lb[3] = {
			{ "device", d->device },
			{ "layer", d->layer == LAYER_NONE ? "other" : links__layer_name(d->layer) },
			{ "reason", d->reason },
		};

		expo__sample(w, "nodepath_drops_total", lb, 3, (double)d->packets);
	}
	expo__family(w, "nodepath_pod_drops_total",
		     "Packets the kernel dropped inside a pod's network namespace, by drop reason.",
		     EXPO_COUNTER);
	for (size_t i = 0; i < s->n_drops; i++) {
		const struct datapath_drop *d = &s->drops[i];

		if (!d->pod)
			continue;
		struct expo_label lb[4] = {
			{ "interface", d->pod->link.name },
			{ "namespace", pod_ns(d->pod) },
			{ "pod", pod_name(d->pod) },
			{ "reason", d->reason },
		};

		expo__sample(w, "nodepath_pod_drops_total", lb, 4, (double)d->packets);
	}
}

/* nodepath_pod_info for pods whose veth is hooked: a cache file a crashed runtime left behind
 * does not keep a pod's info series alive after its veth is gone. */
static void emit_pod_info(struct expo_writer *w, const struct datapath_snapshot *s)
{
	bool family = false;

	for (size_t i = 0; i < s->n_links; i++) {
		const struct datapath_link *l = &s->links[i];

		if (l->link.layer != LAYER_POD || !l->link.attached || !l->has_pod)
			continue;
		if (!family) {
			expo__family(
			    w, "nodepath_pod_info",
			    "Pod behind a host interface, from the CNI result cache (1 per "
			    "interface).",
			    EXPO_GAUGE);
			family = true;
		}
		struct expo_label lb[6] = {
			{ "namespace", l->pod.namespace },
			{ "pod", l->pod.pod },
			{ "uid", l->pod.uid },
			{ "pod_ip", l->pod.pod_ips },
			{ "interface", l->pod.interface },
			{ "container_id", l->pod.container_id },
		};

		expo__sample(w, "nodepath_pod_info", lb, 6, 1);
	}
}

void netpath__emit_network_info(struct expo_writer *w)
{
	char cluster[NETINFO_MAX_CIDRS * 48], pod[NETINFO_MAX_CIDRS * 48], mtu[16] = "";
	struct flannel_subnet fs;

	if (netinfo__get(&fs))
		return;
	if (netinfo__join_cidrs(fs.networks, fs.n_networks, cluster, sizeof(cluster)) ||
	    netinfo__join_cidrs(fs.subnets, fs.n_subnets, pod, sizeof(pod)))
		return;
	if (fs.mtu)
		snprintf(mtu, sizeof(mtu), "%u", fs.mtu);
	struct expo_label lb[3] = { { "cluster_cidr", cluster },
				    { "pod_cidr", pod },
				    { "overlay_mtu", mtu } };

	expo__family(w, "nodepath_node_network_info",
		     "Node network from flanneld's subnet.env: cluster and node pod CIDRs, overlay "
		     "MTU.",
		     EXPO_GAUGE);
	expo__sample(w, "nodepath_node_network_info", lb, 3, 1);
}

/* One gauge or counter family with a sample per layer (node, bridge, overlay, pod). */
static void emit_per_layer(struct expo_writer *w, const char *name, const char *help,
			   enum expo_type type, const uint64_t v[LAYER_MAX])
{
	expo__family(w, name, help, type);
	for (int l = LAYER_NODE; l < LAYER_MAX; l++) {
		struct expo_label lb = { "layer", links__layer_name(l) };

		expo__sample(w, name, &lb, 1, (double)v[l]);
	}
}

/* One family with a sample per counter map (np_drop_stats only while the drop program runs). */
static void emit_per_map(struct expo_writer *w, const struct datapath_snapshot *s, const char *name,
			 const char *help, enum expo_type type, const double v[3])
{
	static const char *const maps[3] = { "np_if_stats", "np_path_stats", "np_drop_stats" };
	int n = s->drops_state == DROPS_LOADED ? 3 : 2;

	expo__family(w, name, help, type);
	for (int i = 0; i < n; i++) {
		struct expo_label lb = { "map", maps[i] };

		expo__sample(w, name, &lb, 1, v[i]);
	}
}

static void emit_health(struct expo_writer *w, const struct datapath_snapshot *s)
{
	uint64_t attached[LAYER_MAX] = { 0 };

	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].link.attached)
			attached[s->links[i].link.layer]++;
	emit_per_layer(w, "nodepath_bpf_attached_interfaces",
		       "Interfaces the tc counters are attached to, by layer.", EXPO_GAUGE,
		       attached);
	emit_per_layer(w, "nodepath_bpf_attach_errors_total",
		       "Failed attempts to attach the tc counters, by layer.", EXPO_COUNTER,
		       s->attach_errors);

	expo__family(
	    w, "nodepath_attach_latency_seconds",
	    "Time from the rtnetlink event that made an interface hookable to its programs "
	    "being attached, by layer.",
	    EXPO_HISTOGRAM);
	for (int l = LAYER_NODE; l < LAYER_MAX; l++) {
		struct expo_label lb = { "layer", links__layer_name(l) };

		expo__histogram(w, "nodepath_attach_latency_seconds", &lb, 1, link_latency_bounds,
				s->latency[l].cumulative, LINK_LATENCY_BUCKETS,
				s->latency[l].sum_seconds, s->latency[l].count);
	}

	emit_per_map(
	    w, s, "nodepath_bpf_map_entries", "Entries in use in a BPF map.", EXPO_GAUGE,
	    (double[3]){ (double)s->n_if_stats, (double)s->n_path_stats, (double)s->drop_entries });
	emit_per_map(w, s, "nodepath_bpf_map_capacity", "Maximum entries of a BPF map.", EXPO_GAUGE,
		     (double[3]){ s->if_stats_capacity, s->path_stats_capacity, s->drop_capacity });
	emit_per_map(w, s, "nodepath_bpf_map_full_total",
		     "Packets not counted because a BPF map had no room for a new entry.",
		     EXPO_COUNTER,
		     (double[3]){ (double)s->map_full[NP_ERR_IF_STATS_FULL],
				  (double)s->map_full[NP_ERR_PATH_STATS_FULL],
				  (double)s->drops_not_counted });

	if (!s->n_progs)
		return;
	expo__family(w, "nodepath_bpf_program_run_seconds_total",
		     "Time spent in a BPF program (kernel run-time statistics).", EXPO_COUNTER);
	for (size_t i = 0; i < s->n_progs; i++) {
		struct expo_label lb = { "program", s->progs[i].name };

		expo__sample(w, "nodepath_bpf_program_run_seconds_total", &lb, 1,
			     (double)s->progs[i].run_time_ns / 1e9);
	}
	expo__family(w, "nodepath_bpf_program_runs_total",
		     "Runs of a BPF program (kernel run-time statistics).", EXPO_COUNTER);
	for (size_t i = 0; i < s->n_progs; i++) {
		struct expo_label lb = { "program", s->progs[i].name };

		expo__sample(w, "nodepath_bpf_program_runs_total", &lb, 1,
			     (double)s->progs[i].run_cnt);
	}
}

/* The pod table's state: /-/ready's condition as a series, and how far the first read got. */
static void emit_pod_table(struct expo_writer *w, const struct datapath_snapshot *s)
{
	expo__family(w, "nodepath_pod_table_entries",
		     "Host interfaces the CNI result cache names a pod for.", EXPO_GAUGE);
	expo__sample(w, "nodepath_pod_table_entries", NULL, 0, (double)s->pod_table_entries);
	expo__family(w, "nodepath_pod_table_complete",
		     "1 once the first full read of the CNI result cache is done.", EXPO_GAUGE);
	expo__sample(w, "nodepath_pod_table_complete", NULL, 0, s->pod_table_complete ? 1 : 0);
}

void netpath__emit(struct expo_writer *w, const struct datapath_snapshot *s)
{
	emit_counters(w, s);
	emit_paths(w, s);
	emit_nodeport(w, s);
	emit_vxlan(w, s);
	emit_drops(w, s);
	emit_pod_info(w, s);
	emit_health(w, s);
	emit_pod_table(w, s);
}

void netpath__emit_setup(struct expo_writer *w, const struct datapath_setup *st)
{
	static const char *const states[DATAPATH_SETUP_MAX] = {
		[DATAPATH_SETUP_READY] = "ready", [DATAPATH_SETUP_RETRYING] = "retrying"
	};

	expo__family(w, "nodepath_datapath_state",
		     "State of the eBPF datapath set-up: ready, or retrying after a failure "
		     "(see nodepath_datapath_setup_failures_total); 1 for the current state.",
		     EXPO_GAUGE);
	for (int i = 0; i < DATAPATH_SETUP_MAX; i++) {
		struct expo_label lb = { "state", states[i] };

		expo__sample(w, "nodepath_datapath_state", &lb, 1, (int)st->state == i ? 1 : 0);
	}
	expo__family(w, "nodepath_datapath_setup_failures_total",
		     "Failed attempts to set up the eBPF datapath, by step and error.",
		     EXPO_COUNTER);
	for (size_t i = 0; i < st->n_failures; i++) {
		struct expo_label lb[2] = { { "error", st->failures[i].error },
					    { "stage", st->failures[i].stage } };

		expo__sample(w, "nodepath_datapath_setup_failures_total", lb, 2,
			     (double)st->failures[i].count);
	}
}

void netpath__emit_current_setup(struct expo_writer *w)
{
	struct datapath *dp = datapath__current();
	struct datapath_setup st;

	if (!dp)
		return;
	datapath__setup_status(dp, &st);
	netpath__emit_setup(w, &st);
}

static int netpath_collect(struct expo_writer *w)
{
	struct datapath *dp = datapath__current();
	struct datapath_snapshot s;
	int err;

	if (!dp)
		return -ENODEV; /* the datapath failed to start; logged once then */
	err = datapath__snapshot(dp, &s);
	if (err)
		return err;
	netpath__emit(w, &s);
	netpath__emit_network_info(w);
	datapath_snapshot__free(&s);
	return w->err;
}

/* No init: the datapath is main()'s (it is started only when this collector is enabled). */
static struct collector netpath_collector = {
	.name = "netpath",
	.default_enabled = true,
	.collect = netpath_collect,
};
NP_COLLECTOR(netpath_collector);
