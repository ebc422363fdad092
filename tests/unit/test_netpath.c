// SPDX-License-Identifier: Apache-2.0
/* netpath collector: exact exposition text written from synthetic datapath snapshots (pod
 * identity parsed from the committed CNI cache fixtures), and the subnet.env info series. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/netpath.h"
#include "fsutil.h"
#include "netinfo.h"

static struct expo_writer w;

static void setup(void)
{
	expo__init(&w);
}

static void teardown(void)
{
	expo__fini(&w);
}

TestSuite(netpath, .init = setup, .fini = teardown);

static const char *text(void)
{
	return w.buf ? w.buf : "";
}

static void pod_from_fixture(const char *name, struct pod_info *pi)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int err;

	snprintf(path, sizeof(path), NP_FIXTURES "/cni/%s", name);
	err = fs__read_file(path, 1 << 22, &buf, &len);
	cr_assert_eq(err, 0, "fixture %s: %s", name, strerror(-err));
	cr_assert_eq(pod_cache__parse(buf, len, pi), POD_PARSE_OK);
	free(buf);
}

static struct datapath_link mk_link(int ifindex, const char *name, enum np_layer layer,
				    bool attached)
{
	struct datapath_link l = { .link = {
				       .ifindex = ifindex, .layer = layer, .attached = attached } };

	snprintf(l.link.name, sizeof(l.link.name), "%s", name);
	return l;
}

/* Expected line present exactly once. */
static void expect_line(const char *line)
{
	const char *t = text(), *p = strstr(t, line);

	cr_expect_not_null(p, "missing line: %s\n--- got:\n%s", line, t);
	if (p)
		cr_expect_null(strstr(p + 1, line), "line twice: %s", line);
}

Test(netpath, counters_pods_and_info_exact)
{
	struct datapath_link links[4];
	struct if_stat stats[] = {
		{ .ifindex = 2,
		  .direction = NP_DIR_INGRESS,
		  .packets = 20,
		  .bytes = 21840,
		  .gso_segs = 20 },
		{ .ifindex = 2,
		  .direction = NP_DIR_EGRESS,
		  .packets = 7,
		  .bytes = 700,
		  .gso_segs = 7 },
		{ .ifindex = 9, .direction = NP_DIR_INGRESS, .packets = 30, .bytes = 3000 },
		{ .ifindex = 9, .direction = NP_DIR_EGRESS, .packets = 10, .bytes = 1420 },
	};
	struct path_stat paths[] = {
		{ .ifindex = 9,
		  .direction = NP_DIR_INGRESS,
		  .path = NP_PATH_CROSS_NODE,
		  .packets = 20,
		  .bytes = 20840 },
		{ .ifindex = 9,
		  .direction = NP_DIR_EGRESS,
		  .path = NP_PATH_SAME_NODE,
		  .packets = 10,
		  .bytes = 1420 },
		/* an interface that is not a hooked pod veth: never emitted */
		{ .ifindex = 2,
		  .direction = NP_DIR_INGRESS,
		  .path = NP_PATH_EXTERNAL,
		  .packets = 1,
		  .bytes = 1 },
	};
	struct datapath_snapshot s = { 0 };

	links[0] = mk_link(2, "eth0", LAYER_NODE, true);
	links[1] = mk_link(5, "cni0", LAYER_BRIDGE, false); /* not attached: no series */
	links[2] = mk_link(9, "veth0c9e41b7", LAYER_POD, true);
	links[3] = mk_link(11, "vethnocache", LAYER_POD, true);
	links[2].has_pod = true;
	pod_from_fixture("ipv6_dualstack", &links[2].pod);
	cr_assert_str_eq(links[2].pod.interface, "veth0c9e41b7");
	s.links = links;
	s.n_links = 4;
	s.if_stats = stats;
	s.n_if_stats = 4;
	s.path_stats = paths;
	s.n_path_stats = 3;
	s.nodeport[NP_NODEPORT_UDP].packets = 17;
	s.latency[LAYER_POD].count = 3;
	s.latency[LAYER_POD].sum_seconds = 0.003;
	for (int i = 0; i < LINK_LATENCY_BUCKETS; i++)
		s.latency[LAYER_POD].cumulative[i] = i < 2 ? 2 : 3;

	netpath__emit(&w, &s);
	cr_assert_eq(w.err, 0);
	expect_line("# TYPE nodepath_interface_receive_packets_total counter\n");
	expect_line(
	    "nodepath_interface_receive_packets_total{device=\"eth0\",layer=\"node\"} 20\n");
	expect_line(
	    "nodepath_interface_receive_bytes_total{device=\"eth0\",layer=\"node\"} 21840\n");
	expect_line(
	    "nodepath_interface_transmit_packets_total{device=\"eth0\",layer=\"node\"} 7\n");
	cr_expect_null(strstr(text(), "device=\"cni0\""), "%s", text());
	/* The pod's view: host-veth egress is the pod receiving. */
	expect_line("nodepath_pod_receive_bytes_total{interface=\"veth0c9e41b7\",namespace="
		    "\"kube-system\",pod=\"coredns-5d78c9869d-tq8wz\"} 1420\n");
	expect_line("nodepath_pod_transmit_packets_total{interface=\"veth0c9e41b7\",namespace="
		    "\"kube-system\",pod=\"coredns-5d78c9869d-tq8wz\"} 30\n");
	/* A hooked veth without a cache file: counted, names empty, no info series. */
	expect_line("nodepath_pod_transmit_packets_total{interface=\"vethnocache\",namespace=\"\","
		    "pod=\"\"} 0\n");
	expect_line(
	    "nodepath_path_packets_total{direction=\"transmit\",interface=\"veth0c9e41b7\","
	    "namespace=\"kube-system\",path=\"cross_node\",pod=\"coredns-5d78c9869d-tq8wz\"} "
	    "20\n");
	expect_line(
	    "nodepath_path_bytes_total{direction=\"receive\",interface=\"veth0c9e41b7\","
	    "namespace=\"kube-system\",path=\"same_node\",pod=\"coredns-5d78c9869d-tq8wz\"} "
	    "1420\n");
	cr_expect_null(strstr(text(), "path=\"external\""), "%s", text());
	expect_line("nodepath_nodeport_receive_packets_total{protocol=\"udp\"} 17\n");
	expect_line("nodepath_pod_info{namespace=\"kube-system\",pod=\"coredns-5d78c9869d-tq8wz\","
		    "uid=\"c3d4e5f6-a7b8-49c0-8d1e-2f3a4b5c6d7e\","
		    "pod_ip=\"10.244.1.7,fd00:10:244:1::7\",interface=\"veth0c9e41b7\","
		    "container_id="
		    "\"1f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071\"} 1\n");
	cr_expect_null(strstr(text(), "nodepath_pod_info{namespace=\"\""), "%s", text());
	expect_line("nodepath_bpf_attached_interfaces{layer=\"pod\"} 2\n");
	expect_line("nodepath_bpf_attached_interfaces{layer=\"bridge\"} 0\n");
	expect_line("# TYPE nodepath_attach_latency_seconds histogram\n");
	expect_line("nodepath_attach_latency_seconds_bucket{layer=\"pod\",le=\"0.001\"} 2\n");
	expect_line("nodepath_attach_latency_seconds_bucket{layer=\"pod\",le=\"+Inf\"} 3\n");
	expect_line("nodepath_attach_latency_seconds_count{layer=\"pod\"} 3\n");
	expect_line("nodepath_bpf_map_entries{map=\"np_if_stats\"} 4\n");
	/* Zero-initialised snapshot: the pod table not read yet. */
	expect_line("nodepath_pod_table_entries 0\n");
	expect_line("nodepath_pod_table_complete 0\n");
	/* Kernel run-time statistics off: the families are absent, not zero. */
	cr_expect_null(strstr(text(), "nodepath_bpf_program_runs_total"), "%s", text());
}

Test(netpath, no_pods_no_info_family)
{
	struct datapath_link links[1];
	struct datapath_snapshot s = { .links = links, .n_links = 1 };

	links[0] = mk_link(3, "vethdead", LAYER_POD, false);
	links[0].has_pod = true;
	pod_from_fixture("valid_single", &links[0].pod);
	netpath__emit(&w, &s);
	cr_assert_eq(w.err, 0);
	/* The veth is not hooked (gone, or a stale cache file): no info series, not even the
	 * HELP/TYPE lines. */
	cr_expect_null(strstr(text(), "nodepath_pod_info"), "%s", text());
}

Test(netpath, pod_table_state)
{
	struct datapath_snapshot s = { .pod_table_entries = 9000, .pod_table_complete = true };

	netpath__emit(&w, &s);
	cr_assert_eq(w.err, 0);
	expect_line("# TYPE nodepath_pod_table_entries gauge\n");
	expect_line("nodepath_pod_table_entries 9000\n");
	expect_line("# TYPE nodepath_pod_table_complete gauge\n");
	expect_line("nodepath_pod_table_complete 1\n");
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_eq(fputs(data, f) >= 0, true);
	cr_assert_eq(fclose(f), 0);
}

Test(netpath, network_info)
{
	char dir[] = "/tmp/np-netpath-XXXXXX", path[128];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/subnet.env", dir);
	netinfo__set_path(path);
	netpath__emit_network_info(&w);
	cr_expect_eq(w.len, 0, "no subnet.env: nothing, got %s", text());
	write_file(path, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
			 "FLANNEL_IPV6_NETWORK=fd00:10:244::/56\n"
			 "FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\nFLANNEL_MTU=1450\n"
			 "FLANNEL_IPMASQ=true\n");
	netpath__emit_network_info(&w);
	cr_assert_eq(w.err, 0);
	cr_expect_str_eq(text(), "# HELP nodepath_node_network_info Node network from flanneld's "
				 "subnet.env: cluster and node pod CIDRs, overlay MTU.\n"
				 "# TYPE nodepath_node_network_info gauge\n"
				 "nodepath_node_network_info{cluster_cidr=\"10.244.0.0/16,"
				 "fd00:10:244::/56\",pod_cidr=\"10.244.1.0/24,"
				 "fd00:10:244:1::/64\",overlay_mtu=\"1450\"} 1\n");
	unlink(path);
	netinfo__set_path(NULL);
	rmdir(dir);
}

Test(netpath, drops_and_vxlan_exact)
{
	struct datapath_link links[3];
	struct vxlan_stat vx[] = {
		{ .ifindex = 2, .direction = NP_DIR_INGRESS, .packets = 13, .bytes = 7696 },
		{ .ifindex = 2, .direction = NP_DIR_EGRESS, .packets = 20, .bytes = 21840 },
	};
	struct datapath_drop drops[3] = {
		{ .layer = LAYER_BRIDGE,
		  .device = "cni0",
		  .reason = "NETFILTER_DROP",
		  .packets = 40 },
		{ .layer = LAYER_NONE, .device = "", .reason = "QUEUE_PURGE", .packets = 1 },
		{ .reason = "NO_SOCKET", .packets = 7 },
	};
	struct datapath_snapshot s = { .links = links,
				       .n_links = 3,
				       .vxlan_stats = vx,
				       .n_vxlan_stats = 2,
				       .drops = drops,
				       .n_drops = 3,
				       .drops_state = DROPS_LOADED,
				       .drop_entries = 3,
				       .drop_capacity = 8192 };

	links[0] = mk_link(2, "eth0", LAYER_NODE, true);
	links[1] = mk_link(4, "flannel.1", LAYER_OVERLAY, true);
	links[2] = mk_link(9, "veth0c9e41b7", LAYER_POD, true);
	links[2].has_pod = true;
	pod_from_fixture("ipv6_dualstack", &links[2].pod);
	drops[2].pod = &links[2];
	s.drop_namespaces[NP_NETNS_NODE] = 1;
	s.drop_namespaces[NP_NETNS_POD] = 1;

	netpath__emit(&w, &s);
	cr_assert_eq(w.err, 0);
	expect_line("nodepath_vxlan_receive_packets_total{device=\"eth0\"} 13\n");
	expect_line("nodepath_vxlan_receive_bytes_total{device=\"eth0\"} 7696\n");
	expect_line("nodepath_vxlan_transmit_packets_total{device=\"eth0\"} 20\n");
	cr_expect_null(strstr(text(), "nodepath_vxlan_receive_packets_total{device=\"flannel.1\""));
	expect_line("nodepath_drops_state{state=\"loaded\"} 1\n");
	expect_line("nodepath_drops_state{state=\"failed\"} 0\n");
	expect_line("nodepath_drop_namespaces{kind=\"pod\"} 1\n");
	expect_line(
	    "nodepath_drops_total{device=\"cni0\",layer=\"bridge\",reason=\"NETFILTER_DROP\"} "
	    "40\n");
	expect_line("nodepath_drops_total{device=\"\",layer=\"other\",reason=\"QUEUE_PURGE\"} 1\n");
	expect_line("nodepath_pod_drops_total{interface=\"veth0c9e41b7\",namespace=\"kube-system\","
		    "pod=\"coredns-5d78c9869d-tq8wz\",reason=\"NO_SOCKET\"} 7\n");
	cr_expect_null(strstr(text(), "nodepath_drops_total{device=\"veth0c9e41b7\""), "%s",
		       text());
	expect_line("nodepath_bpf_map_capacity{map=\"np_drop_stats\"} 8192\n");
}

Test(netpath, drops_unsupported_only_state)
{
	struct datapath_snapshot s = { .drops_state = DROPS_UNSUPPORTED };

	netpath__emit(&w, &s);
	cr_assert_eq(w.err, 0);
	expect_line("nodepath_drops_state{state=\"unsupported\"} 1\n");
	expect_line("nodepath_drops_state{state=\"loaded\"} 0\n");
	cr_expect_null(strstr(text(), "nodepath_drops_total"), "%s", text());
	cr_expect_null(strstr(text(), "np_drop_stats"), "%s", text());
}

Test(netpath, setup_retrying_state_and_failures_exact)
{
	struct datapath_setup st = { .state = DATAPATH_SETUP_RETRYING, .n_failures = 2 };

	snprintf(st.failures[0].stage, sizeof(st.failures[0].stage), "load");
	snprintf(st.failures[0].error, sizeof(st.failures[0].error), "ENOTDIR");
	st.failures[0].count = 3;
	snprintf(st.failures[1].stage, sizeof(st.failures[1].stage), "load");
	snprintf(st.failures[1].error, sizeof(st.failures[1].error), "EACCES");
	st.failures[1].count = 1;
	netpath__emit_setup(&w, &st);
	cr_assert_eq(w.err, 0);
	cr_expect_str_eq(
	    text(),
	    "# HELP nodepath_datapath_state State of the eBPF datapath set-up: ready, or retrying "
	    "after a failure (see nodepath_datapath_setup_failures_total); 1 for the current "
	    "state.\n"
	    "# TYPE nodepath_datapath_state gauge\n"
	    "nodepath_datapath_state{state=\"ready\"} 0\n"
	    "nodepath_datapath_state{state=\"retrying\"} 1\n"
	    "# HELP nodepath_datapath_setup_failures_total Failed attempts to set up the eBPF "
	    "datapath, by step and error.\n"
	    "# TYPE nodepath_datapath_setup_failures_total counter\n"
	    "nodepath_datapath_setup_failures_total{error=\"ENOTDIR\",stage=\"load\"} 3\n"
	    "nodepath_datapath_setup_failures_total{error=\"EACCES\",stage=\"load\"} 1\n");
}

Test(netpath, setup_ready_no_failures)
{
	struct datapath_setup st = { .state = DATAPATH_SETUP_READY };

	netpath__emit_setup(&w, &st);
	cr_assert_eq(w.err, 0);
	expect_line("nodepath_datapath_state{state=\"ready\"} 1\n");
	expect_line("nodepath_datapath_state{state=\"retrying\"} 0\n");
	expect_line("# TYPE nodepath_datapath_setup_failures_total counter\n");
	cr_expect_null(strstr(text(), "nodepath_datapath_setup_failures_total{"), "%s", text());
}
