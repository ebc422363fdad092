// SPDX-License-Identifier: Apache-2.0
/* Link classification: which interfaces are hooked, at which layer. */
#include <criterion/criterion.h>
#include <string.h>

#include "links.h"

static struct link_attrs mk(int ifindex, const char *name, const char *kind, int master)
{
	struct link_attrs a = { .ifindex = ifindex, .master = master };

	strncpy(a.name, name, sizeof(a.name) - 1);
	strncpy(a.kind, kind, sizeof(a.kind) - 1);
	return a;
}

static const struct links_config flannel = { .bridge = "cni0",
					     .overlay = "flannel.1",
					     .node_devices = "" };

Test(links, bridge_and_overlay_by_name)
{
	struct link_attrs br = mk(5, "cni0", "bridge", 0);
	struct link_attrs vx = mk(4, "flannel.1", "vxlan", 0);

	cr_assert_eq(links__classify(&br, &flannel, 5, false), LAYER_BRIDGE);
	cr_assert_eq(links__classify(&vx, &flannel, 5, false), LAYER_OVERLAY);
}

Test(links, veth_is_pod_only_when_enslaved_to_the_bridge)
{
	struct link_attrs port = mk(9, "veth3f2a1b0c", "veth", 5);
	struct link_attrs loose = mk(10, "veth0000aaaa", "veth", 0);
	struct link_attrs other = mk(11, "veth1111bbbb", "veth", 7);
	struct link_attrs tap = mk(12, "tap0", "tun", 5);

	cr_assert_eq(links__classify(&port, &flannel, 5, false), LAYER_POD);
	cr_assert_eq(links__classify(&loose, &flannel, 5, false), LAYER_NONE);
	cr_assert_eq(links__classify(&other, &flannel, 5, false), LAYER_NONE);
	cr_assert_eq(links__classify(&tap, &flannel, 5, false), LAYER_NONE);
	/* No bridge yet: nothing is a pod port. */
	cr_assert_eq(links__classify(&loose, &flannel, 0, false), LAYER_NONE);
}

Test(links, node_device_defaults_to_default_route_devices)
{
	struct link_attrs eth = mk(2, "eth0", "", 0);
	struct link_attrs lo = mk(1, "lo", "", 0);

	cr_assert_eq(links__classify(&eth, &flannel, 5, true), LAYER_NODE);
	cr_assert_eq(links__classify(&eth, &flannel, 5, false), LAYER_NONE);
	cr_assert_eq(links__classify(&lo, &flannel, 5, true), LAYER_NONE);
}

Test(links, node_device_flag_overrides_routes)
{
	struct links_config cfg = flannel;
	struct link_attrs enp = mk(2, "enp39s0", "", 0);
	struct link_attrs eth = mk(3, "eth0", "", 0);
	struct link_attrs bond = mk(4, "bond0", "bond", 0);

	cfg.node_devices = "enp39s0,bond0";
	cr_assert_eq(links__classify(&enp, &cfg, 5, false), LAYER_NODE);
	cr_assert_eq(links__classify(&bond, &cfg, 5, false), LAYER_NODE);
	cr_assert_eq(links__classify(&eth, &cfg, 5, true), LAYER_NONE);
}

Test(links, name_list_matches_whole_names_only)
{
	cr_assert(links__name_in_list("eth0,eth1", "eth1"));
	cr_assert(links__name_in_list("eth0", "eth0"));
	cr_assert_not(links__name_in_list("eth0,eth1", "eth"));
	cr_assert_not(links__name_in_list("eth10", "eth1"));
	cr_assert_not(links__name_in_list("", "eth0"));
	cr_assert_not(links__name_in_list(NULL, "eth0"));
}

Test(links, empty_names_in_config_never_match)
{
	struct links_config cfg = { .bridge = "", .overlay = "", .node_devices = "" };
	struct link_attrs a = mk(3, "", "veth", 0);

	cr_assert_eq(links__classify(&a, &cfg, 0, false), LAYER_NONE);
}

Test(links, layer_names)
{
	cr_assert_str_eq(links__layer_name(LAYER_NODE), "node");
	cr_assert_str_eq(links__layer_name(LAYER_BRIDGE), "bridge");
	cr_assert_str_eq(links__layer_name(LAYER_OVERLAY), "overlay");
	cr_assert_str_eq(links__layer_name(LAYER_POD), "pod");
	cr_assert_str_eq(links__layer_name(LAYER_MAX), "none");
}
