// SPDX-License-Identifier: Apache-2.0
/* Path classes of pod traffic: np_pod_ingress / np_pod_egress on synthetic frames through
 * BPF_PROG_TEST_RUN, with np_cidr4 / np_cidr6 filled as the agent fills them on a flannel node.
 * Asserts the exact set of path classes that counted ({ifindex, direction, path}: the path slots
 * of np_if_stats's values) and exact packets and bytes per class, and that the same values
 * count every frame per device.
 *
 * The programs sit on the host side of the pod's veth: ingress there is the pod sending (the peer
 * is the destination), egress is the pod receiving (the peer is the source). Every frame below
 * puts the pod's own address (10.244.1.5, fd00:10:244:1::5, class same_node) on the other side,
 * so a program reading the wrong address would put everything into same_node. Frames of one test
 * differ in size per class, so bytes in the wrong key show too.
 *
 * Every test runs twice: suite paths with only the tries filled (np_class4 empty: the IPv4 trie
 * decides), suite paths_masks with np_class4 rebuilt from the IPv4 trie after each change, as the
 * agent writes it (loader__class4_build, the other slot, then np_class4[NP_CLASS4_ACTIVE]), so the
 * programs classify IPv4 by masks. Both must give the same counts. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "loader.h"
#include "netpath.skel.h"

#define LO_IFINDEX 1
#define POD4 "10.244.1.5"
#define POD6 "fd00:10:244:1::5"
#define MAX_KEYS 32

static struct netpath_bpf *skel;
static bool g_masks; /* suite paths_masks: keep np_class4 in step with np_cidr4 */

/* Defines the test in both suites. */
#define PATHS_TEST(name)               \
	static void name##_body(void); \
	Test(paths, name)              \
	{                              \
		name##_body();         \
	}                              \
	Test(paths_masks, name)        \
	{                              \
		name##_body();         \
	}                              \
	static void name##_body(void)

/* np_class4 from the IPv4 trie's content, into the slot the programs do not read, then switched
 * to: what the agent does after each change of the prefixes. */
static void sync_class4(void)
{
	struct np_cidr4_key keys[64], *prev = NULL, next;
	struct np_cidr_value vals[64];
	int fd4 = bpf_map__fd(skel->maps.np_cidr4), fdc = bpf_map__fd(skel->maps.np_class4);
	struct np_class4 t, cur = { 0 };
	size_t n = 0;
	uint32_t active = NP_CLASS4_ACTIVE, slot;

	while (bpf_map_get_next_key(fd4, prev, &next) == 0) {
		cr_assert(n < 64);
		keys[n] = next;
		cr_assert(bpf_map_lookup_elem(fd4, &keys[n], &vals[n]) == 0);
		prev = &keys[n++];
	}
	loader__class4_build(keys, vals, n, &t);
	cr_assert_eq(t.n, n <= NP_CLASS4_MAX ? n : 0, "np_class4 holds %u of %zu prefixes", t.n, n);
	cr_assert(bpf_map_lookup_elem(fdc, &active, &cur) == 0);
	slot = cur.n ? 0 : 1;
	cr_assert(bpf_map_update_elem(fdc, &slot, &t, BPF_ANY) == 0);
	cur.n = slot;
	cr_assert(bpf_map_update_elem(fdc, &active, &cur, BPF_ANY) == 0);
}

/* --- tries ---------------------------------------------------------------------------------- */

static void cidr_update(const char *addr, uint32_t prefixlen, uint32_t path)
{
	struct np_cidr_value v = { .path = path };
	int err;

	if (strchr(addr, ':')) {
		struct np_cidr6_key k = { .prefixlen = prefixlen };

		cr_assert(inet_pton(AF_INET6, addr, k.addr) == 1, "bad address %s", addr);
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.np_cidr6), &k, &v, BPF_ANY);
	} else {
		struct np_cidr4_key k = { .prefixlen = prefixlen };

		cr_assert(inet_pton(AF_INET, addr, k.addr) == 1, "bad address %s", addr);
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.np_cidr4), &k, &v, BPF_ANY);
	}
	cr_assert(err == 0, "update %s/%u: %s", addr, prefixlen, strerror(errno));
	if (g_masks)
		sync_class4();
}

static void cidr_delete(const char *addr, uint32_t prefixlen)
{
	int err;

	if (strchr(addr, ':')) {
		struct np_cidr6_key k = { .prefixlen = prefixlen };

		cr_assert(inet_pton(AF_INET6, addr, k.addr) == 1);
		err = bpf_map_delete_elem(bpf_map__fd(skel->maps.np_cidr6), &k);
	} else {
		struct np_cidr4_key k = { .prefixlen = prefixlen };

		cr_assert(inet_pton(AF_INET, addr, k.addr) == 1);
		err = bpf_map_delete_elem(bpf_map__fd(skel->maps.np_cidr4), &k);
	}
	cr_assert(err == 0, "delete %s/%u: %s", addr, prefixlen, strerror(errno));
	if (g_masks)
		sync_class4();
}

/* What the agent derives for a flannel node whose pod CIDR is 10.244.1.0/24: flanneld's
 * FLANNEL_NETWORK and FLANNEL_SUBNET, the service CIDR flag, and the node's own addresses (cni0
 * gateway, flannel.1, the NIC) as host routes. The same shape for IPv6. */
static void fill_flannel_node(void)
{
	cidr_update("10.244.0.0", 16, NP_PATH_CROSS_NODE);
	cidr_update("10.244.1.0", 24, NP_PATH_SAME_NODE);
	cidr_update("10.96.0.0", 12, NP_PATH_SERVICE);
	cidr_update("10.244.1.1", 32, NP_PATH_HOST);   /* cni0 */
	cidr_update("10.244.1.0", 32, NP_PATH_HOST);   /* flannel.1 */
	cidr_update("192.168.50.2", 32, NP_PATH_HOST); /* node NIC */

	cidr_update("fd00:10:244::", 56, NP_PATH_CROSS_NODE);
	cidr_update("fd00:10:244:1::", 64, NP_PATH_SAME_NODE);
	cidr_update("fd00:10:96::", 112, NP_PATH_SERVICE);
	cidr_update("fd00:10:244:1::1", 128, NP_PATH_HOST);
	cidr_update("fd00:192:168:50::2", 128, NP_PATH_HOST);
}

/* --- frames --------------------------------------------------------------------------------- */

/* 14 + 20 + 8 + payload */
static uint32_t udp4(struct np_frame *f, const char *src, const char *dst, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IP);
	np_frame_ipv4(f, IPPROTO_UDP, src, dst, sizeof(struct udphdr) + payload, 0, 0);
	np_frame_udp(f, 40000, 53, payload);
	return f->len;
}

/* 14 + 40 + 8 + payload */
static uint32_t udp6(struct np_frame *f, const char *src, const char *dst, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IPV6);
	np_frame_ipv6(f, IPPROTO_UDP, src, dst, sizeof(struct udphdr) + payload);
	np_frame_udp(f, 40000, 53, payload);
	return f->len;
}

/* The pod talks to peer: on ingress the pod sends (pod -> peer), on egress it receives. */
static uint32_t pod_udp(struct np_frame *f, uint8_t dir, const char *peer, uint16_t payload)
{
	bool v6 = strchr(peer, ':') != NULL;
	const char *pod = v6 ? POD6 : POD4;
	const char *src = dir == NP_DIR_INGRESS ? pod : peer;
	const char *dst = dir == NP_DIR_INGRESS ? peer : pod;

	return v6 ? udp6(f, src, dst, payload) : udp4(f, src, dst, payload);
}

/* 14 + 28: who-has 10.244.1.1 tell 10.244.1.5 */
static void arp_request(struct np_frame *f)
{
	struct ether_arp arp = { 0 };
	uint32_t spa, tpa;

	np_frame_eth(f, ETHERTYPE_ARP);
	inet_pton(AF_INET, POD4, &spa);
	inet_pton(AF_INET, "10.244.1.1", &tpa);
	arp.arp_hrd = htons(ARPHRD_ETHER);
	arp.arp_pro = htons(ETHERTYPE_IP);
	arp.arp_hln = ETH_ALEN;
	arp.arp_pln = 4;
	arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(arp.arp_spa, &spa, 4);
	memcpy(arp.arp_tpa, &tpa, 4);
	np_frame_append(f, &arp, sizeof(arp));
}

/* --- running and checking ------------------------------------------------------------------- */

static const struct bpf_program *pod_prog(uint8_t dir)
{
	return dir == NP_DIR_INGRESS ? skel->progs.np_pod_ingress : skel->progs.np_pod_egress;
}

/* Sends n copies of a pod <-> peer frame through the pod program of dir on ifindex (0: lo). */
static uint32_t send_peer(uint32_t ifindex, uint8_t dir, const char *peer, uint16_t payload,
			  uint32_t n)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	struct np_frame f;
	struct np_run r;
	uint32_t len = pod_udp(&f, dir, peer, payload);

	np_test_run_ok(pod_prog(dir), &f, n, ifindex ? &ctx : NULL, &r);
	return len;
}

struct want_path {
	uint32_t ifindex;
	uint8_t dir;
	uint8_t path;
	uint64_t packets, bytes;
};

static void expect_path(const struct want_path *w)
{
	struct np_if_value v;
	int err = np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), w->ifindex, w->dir, &v);

	cr_assert(err == 0, "no np_if_stats entry {%u, %u}: %d", w->ifindex, w->dir, err);
	cr_expect_eq(v.path[w->path].packets, w->packets, "{%u,%u,%u} packets %llu, want %llu",
		     w->ifindex, w->dir, w->path, (unsigned long long)v.path[w->path].packets,
		     (unsigned long long)w->packets);
	cr_expect_eq(v.path[w->path].bytes, w->bytes, "{%u,%u,%u} bytes %llu, want %llu",
		     w->ifindex, w->dir, w->path, (unsigned long long)v.path[w->path].bytes,
		     (unsigned long long)w->bytes);
}

/* Exactly these path classes counted (every other slot of every entry is zero), with exactly
 * these values. */
static void expect_paths(const struct want_path *want, size_t n)
{
	struct np_test_path_slot got[MAX_KEYS];
	size_t i, j, cnt;

	cnt = np_test_path_slots(bpf_map__fd(skel->maps.np_if_stats), got, MAX_KEYS);
	cr_assert(cnt == n, "%zu path classes counted, want %zu", cnt, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < cnt; j++)
			if (got[j].ifindex == want[i].ifindex && got[j].direction == want[i].dir &&
			    got[j].path == want[i].path)
				break;
		cr_assert(j < cnt, "path class {%u, %u, %u} missing", want[i].ifindex, want[i].dir,
			  want[i].path);
		expect_path(&want[i]);
	}
}

static void expect_if(uint32_t ifindex, uint8_t dir, uint64_t packets, uint64_t bytes)
{
	struct np_if_value v;
	int err = np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), ifindex, dir, &v);

	cr_assert(err == 0, "no np_if_stats entry {%u, %u}: %d", ifindex, dir, err);
	cr_expect_eq(v.packets, packets, "{%u,%u} packets %llu, want %llu", ifindex, dir,
		     (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect_eq(v.bytes, bytes, "{%u,%u} bytes %llu, want %llu", ifindex, dir,
		     (unsigned long long)v.bytes, (unsigned long long)bytes);
	cr_expect_eq(v.gso_segs, packets);
}

/* A veth hands frames to its peer's backlog: the peer's ingress counts them a little later. */
static void wait_if_packets(uint32_t ifindex, uint8_t dir, uint64_t packets)
{
	struct timespec tick = { .tv_nsec = 1000000 };
	struct np_if_value v = { 0 };

	for (int i = 0; i < 2000; i++) {
		if (np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), ifindex, dir, &v) == 0 &&
		    v.packets >= packets)
			break;
		nanosleep(&tick, NULL);
	}
	cr_assert_geq(v.packets, packets, "{%u,%u} saw %llu packets, want %llu", ifindex, dir,
		      (unsigned long long)v.packets, (unsigned long long)packets);
}

static void expect_no_errors(void)
{
	for (uint32_t i = 0; i < NP_ERR_MAX; i++)
		cr_expect_eq(np_test_err_sum(bpf_map__fd(skel->maps.np_errors), i), 0,
			     "np_errors[%u] != 0", i);
}

/* One frame size per class and count per class, so that a packet or byte in the wrong key shows. */
struct class_case {
	const char *peer;
	uint8_t path;
	uint16_t payload;
	uint32_t n;
};

static void run_classes(uint8_t dir, const struct class_case *cases, size_t n)
{
	struct want_path want[MAX_KEYS];
	uint64_t packets = 0, bytes = 0;
	size_t nwant = 0;

	cr_assert(n <= MAX_KEYS);
	for (size_t i = 0; i < n; i++) {
		uint32_t len = send_peer(0, dir, cases[i].peer, cases[i].payload, cases[i].n);
		size_t j;

		packets += cases[i].n;
		bytes += (uint64_t)cases[i].n * len;
		for (j = 0; j < nwant; j++)
			if (want[j].path == cases[i].path)
				break;
		if (j == nwant)
			want[nwant++] = (struct want_path){ .ifindex = LO_IFINDEX,
							    .dir = dir,
							    .path = cases[i].path };
		want[j].packets += cases[i].n;
		want[j].bytes += (uint64_t)cases[i].n * len;
	}
	expect_paths(want, nwant);
	expect_if(LO_IFINDEX, dir, packets, bytes);
	expect_no_errors();
}

static void setup(void)
{
	np_test_private_netns();
	skel = np_test_load_netpath(0);
	fill_flannel_node();
}

static void setup_masks(void)
{
	g_masks = true;
	setup();
}

static void setup_empty(void)
{
	np_test_private_netns();
	skel = np_test_load_netpath(0);
}

static void teardown(void)
{
	netpath_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(paths, .init = setup, .fini = teardown, .timeout = 30);
TestSuite(paths_masks, .init = setup_masks, .fini = teardown, .timeout = 30);

static const struct class_case ipv4_classes[] = {
	{ "10.244.1.7", NP_PATH_SAME_NODE, 10, 3 },
	{ "10.244.2.9", NP_PATH_CROSS_NODE, 20, 4 },
	{ "10.96.0.10", NP_PATH_SERVICE, 30, 5 },
	{ "192.168.50.2", NP_PATH_HOST, 40, 6 },
	{ "8.8.8.8", NP_PATH_EXTERNAL, 50, 7 },
	{ "169.254.169.254", NP_PATH_LINK_LOCAL, 60, 8 },
};

static const struct class_case ipv6_classes[] = {
	{ "fd00:10:244:1::7", NP_PATH_SAME_NODE, 10, 3 },
	{ "fd00:10:244:2::9", NP_PATH_CROSS_NODE, 20, 4 },
	{ "fd00:10:96::a", NP_PATH_SERVICE, 30, 5 },
	{ "fd00:192:168:50::2", NP_PATH_HOST, 40, 6 },
	{ "2001:4860:4860::8888", NP_PATH_EXTERNAL, 50, 7 },
	{ "fe80::1", NP_PATH_LINK_LOCAL, 60, 8 },
};

PATHS_TEST(ipv4_pod_sends_each_class)
{
	run_classes(NP_DIR_INGRESS, ipv4_classes, 6);
}

PATHS_TEST(ipv4_pod_receives_each_class)
{
	run_classes(NP_DIR_EGRESS, ipv4_classes, 6);
}

PATHS_TEST(ipv6_pod_sends_each_class)
{
	run_classes(NP_DIR_INGRESS, ipv6_classes, 6);
}

PATHS_TEST(ipv6_pod_receives_each_class)
{
	run_classes(NP_DIR_EGRESS, ipv6_classes, 6);
}

/* Both directions and both families on one veth add up per key, and two veths do not mix. */
PATHS_TEST(directions_and_interfaces_are_separate_keys)
{
	uint32_t a, b, l4, l6, l4b;

	np_test_sh("ip link add name np_a type veth peer name np_b");
	a = if_nametoindex("np_a");
	b = if_nametoindex("np_b");
	cr_assert(a > LO_IFINDEX && b > LO_IFINDEX);

	l4 = send_peer(a, NP_DIR_INGRESS, "10.244.2.9", 100, 11);
	l6 = send_peer(a, NP_DIR_INGRESS, "fd00:10:244:2::9", 100, 12);
	send_peer(a, NP_DIR_EGRESS, "10.244.2.9", 100, 13);
	l4b = send_peer(b, NP_DIR_EGRESS, "10.244.2.9", 200, 14);
	cr_assert_eq(l4, 142);
	cr_assert_eq(l6, 162);
	cr_assert_eq(l4b, 242);

	struct want_path want[] = {
		{ a, NP_DIR_INGRESS, NP_PATH_CROSS_NODE, 23, 11 * 142 + 12 * 162 },
		{ a, NP_DIR_EGRESS, NP_PATH_CROSS_NODE, 13, 13 * 142 },
		{ b, NP_DIR_EGRESS, NP_PATH_CROSS_NODE, 14, 14 * 242 },
	};
	expect_paths(want, 3);
	expect_if(a, NP_DIR_INGRESS, 23, 11 * 142 + 12 * 162);
	expect_if(a, NP_DIR_EGRESS, 13, 13 * 142);
	expect_if(b, NP_DIR_EGRESS, 14, 14 * 242);
	expect_no_errors();
}

/* The cni0 gateway (10.244.1.1) and flannel.1 (10.244.1.0) lie inside this node's pod CIDR: the
 * /32 host routes win over the /24, and the /24 over the cluster /16. */
PATHS_TEST(longest_prefix_wins)
{
	static const struct class_case cases[] = {
		{ "10.244.1.1", NP_PATH_HOST, 10, 2 }, /* cni0, inside 10.244.1.0/24 */
		{ "10.244.1.0", NP_PATH_HOST, 10, 3 }, /* flannel.1, the /24's network address */
		{ "10.244.1.2", NP_PATH_SAME_NODE, 20, 4 }, /* next to the gateway */
		{ "10.244.1.255", NP_PATH_SAME_NODE, 20, 1 },
		{ "10.244.0.1", NP_PATH_CROSS_NODE, 30, 5 }, /* another node's gateway */
		{ "10.244.2.0", NP_PATH_CROSS_NODE, 30, 1 },
		{ "fd00:10:244:1::1", NP_PATH_HOST, 40, 6 },
		{ "fd00:10:244:1::2", NP_PATH_SAME_NODE, 50, 7 },
		{ "fd00:10:244:1:ffff:ffff:ffff:ffff", NP_PATH_SAME_NODE, 50, 1 },
		{ "fd00:10:244:ff::1", NP_PATH_CROSS_NODE, 60, 8 }, /* last /64 of the /56 */
	};

	run_classes(NP_DIR_INGRESS, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The first and last addresses of each prefix are in it, their neighbours outside are not. */
PATHS_TEST(prefix_edges)
{
	static const struct class_case cases[] = {
		{ "10.244.0.0", NP_PATH_CROSS_NODE, 1, 1 },
		{ "10.244.255.255", NP_PATH_CROSS_NODE, 1, 2 },
		{ "10.243.255.255", NP_PATH_EXTERNAL, 2, 3 },
		{ "10.245.0.0", NP_PATH_EXTERNAL, 2, 4 },
		{ "10.96.0.0", NP_PATH_SERVICE, 3, 5 },
		{ "10.111.255.255", NP_PATH_SERVICE, 3, 6 },
		{ "10.95.255.255", NP_PATH_EXTERNAL, 2, 7 },
		{ "10.112.0.0", NP_PATH_EXTERNAL, 2, 8 },
		{ "192.168.50.1", NP_PATH_EXTERNAL, 2, 9 },
		{ "192.168.50.3", NP_PATH_EXTERNAL, 2, 10 },
		{ "fd00:10:244::", NP_PATH_CROSS_NODE, 1, 11 },
		{ "fd00:10:244:ff:ffff:ffff:ffff:ffff", NP_PATH_CROSS_NODE, 1, 12 },
		{ "fd00:10:244:100::", NP_PATH_EXTERNAL, 2, 13 },
		{ "fd00:10:243:ffff:ffff:ffff:ffff:ffff", NP_PATH_EXTERNAL, 2, 14 },
		{ "fd00:10:96::ffff", NP_PATH_SERVICE, 3, 15 },
		{ "fd00:10:96::1:0", NP_PATH_EXTERNAL, 2, 16 },
		{ "::", NP_PATH_LINK_LOCAL, 4, 17 }, /* unspecified: DAD, DHCP */
		{ "0.0.0.0", NP_PATH_LINK_LOCAL, 4, 18 },
		{ "255.255.255.255", NP_PATH_LINK_LOCAL, 4, 19 },
	};

	run_classes(NP_DIR_EGRESS, cases, sizeof(cases) / sizeof(cases[0]));
}

/* IPv4 link-local, multicast, limited broadcast and 0.0.0.0 are link_local with no prefix in the
 * trie; their neighbours outside are not. The pod subnet's directed broadcast is link_local once
 * the agent adds it as a /32 (it wins over the /24), and only that address. */
static const struct class_case link_local4[] = {
	{ "169.254.0.0", NP_PATH_LINK_LOCAL, 1, 1 },
	{ "169.254.255.255", NP_PATH_LINK_LOCAL, 1, 2 },
	{ "169.253.255.255", NP_PATH_EXTERNAL, 2, 3 },
	{ "169.255.0.0", NP_PATH_EXTERNAL, 2, 4 },
	{ "224.0.0.0", NP_PATH_LINK_LOCAL, 1, 5 },
	{ "224.0.0.251", NP_PATH_LINK_LOCAL, 1, 6 }, /* mDNS */
	{ "239.255.255.255", NP_PATH_LINK_LOCAL, 1, 7 },
	{ "223.255.255.255", NP_PATH_EXTERNAL, 2, 8 },
	{ "240.0.0.0", NP_PATH_EXTERNAL, 2, 9 },
	{ "255.255.255.254", NP_PATH_EXTERNAL, 2, 10 },
	{ "255.255.255.255", NP_PATH_LINK_LOCAL, 1, 11 },
	{ "10.244.1.255", NP_PATH_LINK_LOCAL, 1, 12 }, /* the pod /24's broadcast */
	{ "10.244.1.254", NP_PATH_SAME_NODE, 3, 13 },
	{ "10.244.2.255", NP_PATH_CROSS_NODE, 4, 14 }, /* another node's subnet: not ours to add */
	{ "0.0.0.0", NP_PATH_LINK_LOCAL, 1, 15 },      /* DHCP discover's source */
	{ "0.0.0.1", NP_PATH_EXTERNAL, 2, 16 },
};

PATHS_TEST(ipv4_link_local_pod_sends)
{
	cidr_update("10.244.1.255", 32, NP_PATH_LINK_LOCAL);
	run_classes(NP_DIR_INGRESS, link_local4, sizeof(link_local4) / sizeof(link_local4[0]));
}

PATHS_TEST(ipv4_link_local_pod_receives)
{
	cidr_update("10.244.1.255", 32, NP_PATH_LINK_LOCAL);
	run_classes(NP_DIR_EGRESS, link_local4, sizeof(link_local4) / sizeof(link_local4[0]));
}

/* IPv6 fe80::/10 and ff00::/8 (neighbour discovery, MLD), the unspecified address, and their
 * neighbours outside. */
static const struct class_case link_local6[] = {
	{ "fe80::", NP_PATH_LINK_LOCAL, 1, 1 },
	{ "fe80::1", NP_PATH_LINK_LOCAL, 1, 2 },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NP_PATH_LINK_LOCAL, 1, 3 },
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NP_PATH_EXTERNAL, 2, 4 },
	{ "fec0::1", NP_PATH_EXTERNAL, 2, 5 },
	{ "ff00::", NP_PATH_LINK_LOCAL, 1, 6 },
	{ "ff02::1", NP_PATH_LINK_LOCAL, 1, 7 },
	{ "ff02::1:ff00:5", NP_PATH_LINK_LOCAL, 1, 8 }, /* solicited-node */
	{ "ff02::16", NP_PATH_LINK_LOCAL, 1, 9 },	/* MLDv2 reports */
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NP_PATH_LINK_LOCAL, 1, 10 },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NP_PATH_EXTERNAL, 2, 11 },
	{ "fd00:10:244:1::7", NP_PATH_SAME_NODE, 3, 12 },
	{ "::", NP_PATH_LINK_LOCAL, 1, 13 }, /* DAD and early MLD reports' source */
	{ "::1", NP_PATH_EXTERNAL, 2, 14 },
	{ "::100:0:0:0", NP_PATH_EXTERNAL, 2, 15 },
};

PATHS_TEST(ipv6_link_local_pod_sends)
{
	run_classes(NP_DIR_INGRESS, link_local6, sizeof(link_local6) / sizeof(link_local6[0]));
}

PATHS_TEST(ipv6_link_local_pod_receives)
{
	run_classes(NP_DIR_EGRESS, link_local6, sizeof(link_local6) / sizeof(link_local6[0]));
}

/* The fixed ranges win over any prefix the agent adds: a cluster CIDR that overlaps them (a
 * misconfiguration) cannot turn neighbour discovery into cross_node traffic. */
PATHS_TEST(link_local_wins_over_tries)
{
	static const struct class_case cases[] = {
		{ "169.254.1.1", NP_PATH_LINK_LOCAL, 1, 3 },
		{ "fe80::2", NP_PATH_LINK_LOCAL, 1, 4 },
		{ "169.255.0.1", NP_PATH_CROSS_NODE, 2, 5 },
	};

	cidr_update("169.254.0.0", 15, NP_PATH_CROSS_NODE);
	cidr_update("fe80::", 16, NP_PATH_CROSS_NODE);
	run_classes(NP_DIR_INGRESS, cases, sizeof(cases) / sizeof(cases[0]));
}

/* ARP has no IP peer: no path entry in either direction, but the frames are counted per device. */
PATHS_TEST(arp_counts_only_per_device)
{
	struct np_frame f;
	struct np_run r;

	arp_request(&f);
	cr_assert_eq(f.len, 42);
	np_test_run_ok(skel->progs.np_pod_ingress, &f, 9, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_egress, &f, 4, NULL, &r);
	expect_paths(NULL, 0);
	expect_if(LO_IFINDEX, NP_DIR_INGRESS, 9, 9 * 42);
	expect_if(LO_IFINDEX, NP_DIR_EGRESS, 4, 4 * 42);
	expect_no_errors();
}

/* A frame that says IPv4 or IPv6 but is cut inside the network header has no peer address. The
 * kernel's test_run refuses such frames (-EINVAL for IPv4 frames under 34 bytes and IPv6 under 54,
 * measured on 6.18), but a pod can send them through a packet socket and the bridge forwards them
 * to other pods' veths. So they go through a real veth pair here: np_pod_egress on np_b (the frame
 * leaves it: the pod receives, peer = source) and np_pod_ingress on np_a (peer = destination).
 * Every length from the bare Ethernet header to one byte short of the network header must give
 * no path entry on either side while each frame counts per device; one complete frame afterwards
 * shows that the same set-up does make path entries. */
static void truncated_frames(uint16_t ethertype, uint32_t hdr_len)
{
	uint64_t packets = 0, bytes = 0;
	uint32_t a, b, len, full_len;
	struct np_frame full;
	int links[2];

	if (ethertype == ETHERTYPE_IP)
		full_len = udp4(&full, "10.244.2.9", "10.244.2.9", 0);
	else
		full_len = udp6(&full, "fd00:10:244:2::9", "fd00:10:244:2::9", 0);
	np_test_sh("ip link add name np_a type veth peer name np_b");
	np_test_sh("ip link set dev np_a up && ip link set dev np_b up");
	a = if_nametoindex("np_a");
	b = if_nametoindex("np_b");
	cr_assert(a && b);
	links[0] = np_test_tcx_attach(skel->progs.np_pod_egress, b, NP_BPF_TCX_EGRESS);
	links[1] = np_test_tcx_attach(skel->progs.np_pod_ingress, a, NP_BPF_TCX_INGRESS);

	for (len = ETH_HLEN; len < ETH_HLEN + hdr_len; len++) {
		np_test_send_raw(b, full.data, len, 1);
		packets++;
		bytes += len;
	}
	wait_if_packets(a, NP_DIR_INGRESS, packets);
	expect_if(b, NP_DIR_EGRESS, packets, bytes);
	expect_if(a, NP_DIR_INGRESS, packets, bytes);
	{
		struct np_test_path_slot got[MAX_KEYS];
		size_t n = np_test_path_slots(bpf_map__fd(skel->maps.np_if_stats), got, MAX_KEYS);

		for (size_t i = 0; i < n && i < MAX_KEYS; i++)
			cr_expect(
			    false,
			    "path class {%u, %u, %u} = %llu packets, %llu bytes from truncated "
			    "%s headers",
			    got[i].ifindex, got[i].direction, got[i].path,
			    (unsigned long long)got[i].packets, (unsigned long long)got[i].bytes,
			    ethertype == ETHERTYPE_IP ? "IPv4" : "IPv6");
		cr_assert_eq(n, 0);
	}

	np_test_send_raw(b, full.data, full_len, 1);
	wait_if_packets(a, NP_DIR_INGRESS, packets + 1);
	struct want_path want[] = {
		{ b, NP_DIR_EGRESS, NP_PATH_CROSS_NODE, 1, full_len },
		{ a, NP_DIR_INGRESS, NP_PATH_CROSS_NODE, 1, full_len },
	};
	expect_paths(want, 2);
	expect_no_errors();
	close(links[0]);
	close(links[1]);
}

PATHS_TEST(truncated_ipv4_header_has_no_path)
{
	truncated_frames(ETHERTYPE_IP, 20);
}

PATHS_TEST(truncated_ipv6_header_has_no_path)
{
	truncated_frames(ETHERTYPE_IPV6, 40);
}

/* An IP ethertype in front of a header that is not one (wrong version, IPv4 ihl below 5) is no
 * IP packet for the kernel either: no path entry, still counted per device. */
PATHS_TEST(malformed_ip_header_has_no_path)
{
	static const uint8_t bad_v4[] = { 0x65 /* version 6 */, 0x44 /* ihl 4 */,
					  0x05 /* version 0 */ };
	struct np_frame f;
	struct np_run r;
	size_t i;

	for (i = 0; i < sizeof(bad_v4); i++) {
		pod_udp(&f, NP_DIR_INGRESS, "10.244.2.9", 0);
		f.data[ETH_HLEN] = bad_v4[i];
		np_test_run_ok(skel->progs.np_pod_ingress, &f, 1, NULL, &r);
		np_test_run_ok(skel->progs.np_pod_egress, &f, 1, NULL, &r);
	}
	pod_udp(&f, NP_DIR_INGRESS, "fd00:10:244:2::9", 0);
	f.data[ETH_HLEN] = 0x40; /* version 4 in an IPv6 frame */
	np_test_run_ok(skel->progs.np_pod_ingress, &f, 1, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_egress, &f, 1, NULL, &r);

	expect_paths(NULL, 0);
	expect_if(LO_IFINDEX, NP_DIR_INGRESS, 4, 3 * 42 + 62);
	expect_if(LO_IFINDEX, NP_DIR_EGRESS, 4, 3 * 42 + 62);
}

/* The plain device programs never count by path, whatever the frame. */
PATHS_TEST(plain_programs_have_no_paths)
{
	struct np_frame f;
	struct np_run r;

	pod_udp(&f, NP_DIR_INGRESS, "10.244.2.9", 100);
	np_test_run_ok(skel->progs.np_ingress, &f, 3, NULL, &r);
	np_test_run_ok(skel->progs.np_egress, &f, 3, NULL, &r);
	np_test_run_ok(skel->progs.np_node_ingress, &f, 3, NULL, &r);
	expect_paths(NULL, 0);
	expect_if(LO_IFINDEX, NP_DIR_INGRESS, 6, 6 * 142);
	expect_if(LO_IFINDEX, NP_DIR_EGRESS, 3, 3 * 142);
}

/* The agent rewrites the tries when subnet.env, the service CIDR flag or the node's addresses
 * change; the loaded programs classify by the new content from the next packet on. */
PATHS_TEST(tries_change_without_reload)
{
	uint32_t len = send_peer(0, NP_DIR_INGRESS, "10.200.0.1", 0, 2);

	cr_assert_eq(len, 42);
	send_peer(0, NP_DIR_INGRESS, "10.96.0.10", 0, 3);
	send_peer(0, NP_DIR_INGRESS, "fd00:10:97::1", 0, 4);

	/* Service CIDR flag changed to 10.200.0.0/16; a new IPv6 node address appears. */
	cidr_delete("10.96.0.0", 12);
	cidr_update("10.200.0.0", 16, NP_PATH_SERVICE);
	cidr_update("fd00:10:97::1", 128, NP_PATH_HOST);
	send_peer(0, NP_DIR_INGRESS, "10.200.0.1", 0, 5);
	send_peer(0, NP_DIR_INGRESS, "10.96.0.10", 0, 6);
	send_peer(0, NP_DIR_INGRESS, "fd00:10:97::1", 0, 7);

	/* An existing prefix changes class in place (BPF_ANY on the same key). */
	cidr_update("10.200.0.0", 16, NP_PATH_CROSS_NODE);
	send_peer(0, NP_DIR_INGRESS, "10.200.0.1", 0, 8);

	struct want_path want[] = {
		/* before: 10.200.0.1 x2, fd00:10:97::1 x4 (62 bytes); after: 10.96.0.10 x6 */
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_EXTERNAL, 2 + 4 + 6, (2 + 6) * 42 + 4 * 62 },
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_SERVICE, 3 + 5, (3 + 5) * 42 },
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_HOST, 7, 7 * 62 },
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_CROSS_NODE, 8, 8 * 42 },
	};
	expect_paths(want, 4);
	expect_no_errors();
}

/* A trie value the programs do not know (a newer agent's class, a corrupted entry) must not make
 * a key outside the enum: the peer counts as external. */
PATHS_TEST(unknown_class_is_external)
{
	cidr_update("10.244.2.0", 24, NP_PATH_MAX);
	cidr_update("fd00:10:244:2::", 64, 0xffffffffu);
	send_peer(0, NP_DIR_INGRESS, "10.244.2.9", 0, 3);
	send_peer(0, NP_DIR_INGRESS, "fd00:10:244:2::9", 0, 4);

	struct want_path want[] = {
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_EXTERNAL, 7, 3 * 42 + 4 * 62 },
	};
	expect_paths(want, 1);
}

TestSuite(paths_empty, .init = setup_empty, .fini = teardown, .timeout = 30);

/* Before the agent has pushed any prefix, every IP peer is external (nothing is lost). */
Test(paths_empty, no_prefixes_everything_external)
{
	static const struct class_case cases[] = {
		{ "10.244.1.7", NP_PATH_EXTERNAL, 10, 3 },
		{ "10.96.0.10", NP_PATH_EXTERNAL, 10, 4 },
		{ "fd00:10:244:1::7", NP_PATH_EXTERNAL, 10, 5 },
	};

	run_classes(NP_DIR_EGRESS, cases, 3);
}

/* More IPv4 prefixes than np_class4 holds (a node with many addresses): the table is left empty
 * and the trie classifies, with the same answers. */
Test(paths_masks, more_prefixes_than_masks_use_the_trie)
{
	char addr[32];

	for (int i = 0; i < NP_CLASS4_MAX; i++) {
		snprintf(addr, sizeof(addr), "192.168.60.%d", i + 1);
		cidr_update(addr, 32, NP_PATH_HOST);
	}
	run_classes(NP_DIR_INGRESS, ipv4_classes, 6);
	send_peer(0, NP_DIR_INGRESS, "192.168.60.16", 0, 3);
	send_peer(0, NP_DIR_INGRESS, "192.168.60.17", 0, 2);
	expect_path(&(struct want_path){ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_HOST, 6 + 3,
					 6 * (40 + 42) + 3 * 42 });
	expect_path(&(struct want_path){ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_EXTERNAL, 7 + 2,
					 7 * (50 + 42) + 2 * 42 });
}

/* The table as the loader builds it: masks longest prefix first, host bits cleared, one entry
 * per prefix with the value written last (as the trie keeps it), empty when it does not fit. */
Test(class4, build_orders_and_dedups)
{
	struct np_cidr4_key k[4] = {
		{ .prefixlen = 16, .addr = { 10, 244, 0, 0 } },
		{ .prefixlen = 32, .addr = { 10, 244, 1, 1 } },
		{ .prefixlen = 24, .addr = { 10, 244, 1, 7 } },
		{ .prefixlen = 24, .addr = { 10, 244, 1, 0 } },
	};
	struct np_cidr_value v[4] = {
		{ NP_PATH_CROSS_NODE }, { NP_PATH_HOST }, { NP_PATH_SERVICE }, { NP_PATH_SAME_NODE }
	};
	struct np_cidr4_key many[NP_CLASS4_MAX + 1];
	struct np_cidr_value mv[NP_CLASS4_MAX + 1];
	struct np_class4 t;

	loader__class4_build(k, v, 4, &t);
	cr_assert_eq(t.n, 3);
	cr_expect_eq(t.e[0].prefixlen, 32);
	cr_expect_eq(t.e[0].addr, htonl(0x0af40101));
	cr_expect_eq(t.e[0].mask, htonl(0xffffffff));
	cr_expect_eq(t.e[0].path, NP_PATH_HOST);
	cr_expect_eq(t.e[1].prefixlen, 24);
	cr_expect_eq(t.e[1].addr, htonl(0x0af40100));
	cr_expect_eq(t.e[1].mask, htonl(0xffffff00));
	cr_expect_eq(t.e[1].path, NP_PATH_SAME_NODE);
	cr_expect_eq(t.e[2].prefixlen, 16);
	cr_expect_eq(t.e[2].mask, htonl(0xffff0000));
	cr_expect_eq(t.e[2].path, NP_PATH_CROSS_NODE);

	for (int i = 0; i <= NP_CLASS4_MAX; i++) {
		many[i] =
		    (struct np_cidr4_key){ .prefixlen = 32, .addr = { 10, 0, 0, (uint8_t)i } };
		mv[i].path = NP_PATH_HOST;
	}
	loader__class4_build(many, mv, NP_CLASS4_MAX, &t);
	cr_expect_eq(t.n, NP_CLASS4_MAX);
	loader__class4_build(many, mv, NP_CLASS4_MAX + 1, &t);
	cr_expect_eq(t.n, 0);
	loader__class4_build(NULL, NULL, 0, &t);
	cr_expect_eq(t.n, 0);
}

/* With the table in use, it alone classifies IPv4 (a table that disagrees with the trie wins),
 * from the slot np_class4[NP_CLASS4_ACTIVE] names. */
Test(paths_masks, table_decides_ipv4)
{
	struct np_cidr4_key k = { .prefixlen = 24, .addr = { 10, 244, 2, 0 } };
	struct np_cidr_value v = { NP_PATH_SERVICE };
	struct np_class4 t, cur = { 0 };
	uint32_t active = NP_CLASS4_ACTIVE, other;

	cr_assert(bpf_map_lookup_elem(bpf_map__fd(skel->maps.np_class4), &active, &cur) == 0);
	loader__class4_build(&k, &v, 1, &t);
	other = cur.n ? 0 : 1;
	/* the slot not in use: no effect */
	cr_assert(bpf_map_update_elem(bpf_map__fd(skel->maps.np_class4), &other, &t, BPF_ANY) == 0);
	send_peer(0, NP_DIR_INGRESS, "10.244.2.9", 0, 2);
	other = cur.n;
	cr_assert(bpf_map_update_elem(bpf_map__fd(skel->maps.np_class4), &other, &t, BPF_ANY) == 0);
	send_peer(0, NP_DIR_INGRESS, "10.244.2.9", 0, 3);
	send_peer(0, NP_DIR_INGRESS, "10.244.1.7", 0, 4); /* same_node in the trie, not the table */

	struct want_path want[] = {
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_CROSS_NODE, 2, 2 * 42 },
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_SERVICE, 3, 3 * 42 },
		{ LO_IFINDEX, NP_DIR_INGRESS, NP_PATH_EXTERNAL, 4, 4 * 42 },
	};
	expect_paths(want, 3);
	expect_no_errors();
}
