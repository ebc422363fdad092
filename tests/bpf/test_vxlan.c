// SPDX-License-Identifier: Apache-2.0
/* VXLAN accounting on the node device: np_node_ingress / np_node_egress on synthetic outer frames
 * through BPF_PROG_TEST_RUN. Asserts exactly which np_if_stats entries counted VXLAN frames, with
 * exact packets and bytes: only UDP to the configured port counts, over IPv4 and IPv6, in the
 * direction of the hook, with the port the programs were loaded with (0: not counted). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "netpath.skel.h"

#define LO_IFINDEX 1
#define NODE4 "192.168.50.2"
#define PEER4 "192.168.50.3"
#define NODE6 "fd00:192:168:50::2"
#define PEER6 "fd00:192:168:50::3"
#define MAX_KEYS 8

static struct netpath_bpf *skel;

/* The port and range are fixed at load: new ones are a new load, with new (zero) counters. */
static void load_config(uint16_t vxlan_port, uint16_t np_min, uint16_t np_max)
{
	struct np_test_load o = { .vxlan_port = vxlan_port,
				  .nodeport_min = np_min,
				  .nodeport_max = np_max };

	netpath_bpf__destroy(skel);
	skel = np_test_load_netpath_with(&o);
}

static void setup(void)
{
	np_test_private_netns();
	load_config(NP_VXLAN_PORT_DEFAULT, 0, 0);
}

static void teardown(void)
{
	netpath_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(vxlan, .init = setup, .fini = teardown, .timeout = 30);

/* An outer UDP frame: 14 + 20 (or 40) + 8 + payload bytes. */
static uint32_t outer_udp(struct np_frame *f, bool v6, bool tx, uint16_t sport, uint16_t dport,
			  uint16_t payload)
{
	const char *src = v6 ? (tx ? NODE6 : PEER6) : (tx ? NODE4 : PEER4);
	const char *dst = v6 ? (tx ? PEER6 : NODE6) : (tx ? PEER4 : NODE4);

	if (v6) {
		np_frame_eth(f, ETHERTYPE_IPV6);
		np_frame_ipv6(f, IPPROTO_UDP, src, dst, sizeof(struct udphdr) + payload);
	} else {
		np_frame_eth(f, ETHERTYPE_IP);
		np_frame_ipv4(f, IPPROTO_UDP, src, dst, sizeof(struct udphdr) + payload, 0, 0);
	}
	np_frame_udp(f, sport, dport, payload);
	return f->len;
}

static const struct bpf_program *node_prog(uint8_t dir)
{
	return dir == NP_DIR_INGRESS ? skel->progs.np_node_ingress : skel->progs.np_node_egress;
}

/* n frames through the node program of dir (on lo); returns the frame length. */
static uint32_t run_udp(uint8_t dir, bool v6, uint16_t sport, uint16_t dport, uint16_t payload,
			uint32_t n)
{
	struct np_frame f;
	struct np_run r;
	uint32_t len = outer_udp(&f, v6, dir == NP_DIR_EGRESS, sport, dport, payload);

	np_test_run_ok(node_prog(dir), &f, n, NULL, &r);
	return len;
}

struct want_vxlan {
	uint8_t dir;
	uint64_t packets, bytes;
};

/* Exactly these np_if_stats entries (on lo) counted VXLAN frames, with exactly these values. */
static void expect_vxlan(const struct want_vxlan *want, size_t n)
{
	int fd = bpf_map__fd(skel->maps.np_if_stats);
	struct np_if_key keys[MAX_KEYS];
	size_t nkeys = np_test_if_keys(fd, keys, MAX_KEYS), cnt = 0;

	cr_assert(nkeys <= MAX_KEYS);
	for (size_t i = 0; i < nkeys; i++) {
		struct np_if_value v;

		cr_assert(np_test_if_sum(fd, keys[i].ifindex, keys[i].direction, &v) == 0);
		if (v.vxlan.packets || v.vxlan.bytes)
			cnt++;
	}
	cr_assert(cnt == n, "%zu entries counted VXLAN frames, want %zu", cnt, n);
	for (size_t i = 0; i < n; i++) {
		struct np_if_value v;
		int err = np_test_if_sum(fd, LO_IFINDEX, want[i].dir, &v);

		cr_assert(err == 0, "no np_if_stats entry {lo, %u}", want[i].dir);
		cr_expect_eq(v.vxlan.packets, want[i].packets, "dir %u: %llu packets, want %llu",
			     want[i].dir, (unsigned long long)v.vxlan.packets,
			     (unsigned long long)want[i].packets);
		cr_expect_eq(v.vxlan.bytes, want[i].bytes, "dir %u: %llu bytes, want %llu",
			     want[i].dir, (unsigned long long)v.vxlan.bytes,
			     (unsigned long long)want[i].bytes);
	}
	for (uint32_t i = 0; i < NP_ERR_MAX; i++)
		cr_expect_eq(np_test_err_sum(bpf_map__fd(skel->maps.np_errors), i), 0,
			     "np_errors[%u] != 0", i);
}

static void expect_if(uint8_t dir, uint64_t packets)
{
	struct np_if_value v;

	cr_assert(np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), LO_IFINDEX, dir, &v) == 0);
	cr_expect_eq(v.packets, packets, "np_if_stats dir %u: %llu packets, want %llu", dir,
		     (unsigned long long)v.packets, (unsigned long long)packets);
}

/* Encapsulated pod traffic both ways over IPv4 and IPv6: 50 bytes of outer headers (70 over
 * IPv6) around a 1400-byte inner frame; receive on ingress, transmit on egress. */
Test(vxlan, ipv4_and_ipv6_both_directions)
{
	uint32_t tx4 = run_udp(NP_DIR_EGRESS, false, 51234, 8472, 8 + 1400, 7);
	uint32_t tx6 = run_udp(NP_DIR_EGRESS, true, 40001, 8472, 8 + 1400, 5);
	uint32_t rx4 = run_udp(NP_DIR_INGRESS, false, 33333, 8472, 8 + 100, 11);
	uint32_t rx6 = run_udp(NP_DIR_INGRESS, true, 33334, 8472, 8 + 200, 3);

	cr_assert_eq(tx4, 14 + 20 + 8 + 8 + 1400);
	cr_assert_eq(tx6, 14 + 40 + 8 + 8 + 1400);
	struct want_vxlan want[] = {
		{ NP_DIR_EGRESS, 12, 7 * tx4 + 5 * tx6 },
		{ NP_DIR_INGRESS, 14, 11 * rx4 + 3 * rx6 },
	};
	expect_vxlan(want, 2);
	expect_if(NP_DIR_EGRESS, 12);
	expect_if(NP_DIR_INGRESS, 14);
}

/* Not VXLAN: another UDP port (IANA's 4789), the VXLAN port as source only, TCP to the port, a
 * non-first fragment of a datagram to it, a truncated header, ARP-like non-IP. np_if_stats
 * still counts them all. */
Test(vxlan, only_udp_to_the_port)
{
	struct np_frame f;
	struct np_run r;
	uint32_t others = 0;

	run_udp(NP_DIR_EGRESS, false, 51234, 4789, 100, 2);
	run_udp(NP_DIR_EGRESS, false, 8472, 40000, 100, 3);
	run_udp(NP_DIR_INGRESS, true, 8472, 40000, 100, 4);
	others += 2 + 3;

	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_TCP, NODE4, PEER4, 20 + 10, 0, 0);
	np_frame_tcp(&f, 40000, 8472, 10);
	np_test_run_ok(skel->progs.np_node_egress, &f, 5, NULL, &r);
	others += 5;

	/* Offset 185 (x 8 bytes): the "ports" are payload. */
	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_UDP, NODE4, PEER4, 8 + 100, 0, 185);
	np_frame_udp(&f, 51234, 8472, 100);
	np_test_run_ok(skel->progs.np_node_egress, &f, 6, NULL, &r);
	others += 6;

	/* Cut inside the UDP header, before the destination port. */
	outer_udp(&f, false, true, 51234, 8472, 0);
	f.len = 14 + 20 + 2;
	np_test_run_ok(skel->progs.np_node_egress, &f, 1, NULL, &r);
	others += 1;

	np_frame_eth(&f, 0x88b5);
	memset(np_frame_put(&f, 46), 0, 46);
	np_test_run_ok(skel->progs.np_node_egress, &f, 2, NULL, &r);
	others += 2;

	/* One real one, so that an empty map is not the whole story. */
	uint32_t len = run_udp(NP_DIR_EGRESS, false, 51234, 8472, 50, 1);
	struct want_vxlan want[] = { { NP_DIR_EGRESS, 1, len } };

	expect_vxlan(want, 1);
	expect_if(NP_DIR_EGRESS, others + 1);
	expect_if(NP_DIR_INGRESS, 4);
}

/* Another port counts that port only; port 0 counts nothing, in either direction. */
Test(vxlan, other_port_and_zero_disables)
{
	uint32_t len;

	load_config(4789, 0, 0);
	run_udp(NP_DIR_EGRESS, false, 1, 8472, 20, 3);
	len = run_udp(NP_DIR_EGRESS, false, 1, 4789, 30, 4);
	{
		struct want_vxlan want[] = { { NP_DIR_EGRESS, 4, 4 * len } };

		expect_vxlan(want, 1);
		expect_if(NP_DIR_EGRESS, 3 + 4);
	}

	load_config(0, 0, 0);
	run_udp(NP_DIR_EGRESS, false, 1, 4789, 40, 5);
	run_udp(NP_DIR_EGRESS, false, 1, 8472, 40, 5);
	run_udp(NP_DIR_INGRESS, true, 1, 8472, 40, 6);
	expect_vxlan(NULL, 0);
	expect_if(NP_DIR_EGRESS, 5 + 5);
	expect_if(NP_DIR_INGRESS, 6);
}

/* An object loaded without the agent's constants (by another tool) counts no VXLAN frames: its
 * port is the tag itself, above any port. */
Test(vxlan, unpatched_object_counts_nothing)
{
	struct np_test_load o = { .unpatched = true };

	netpath_bpf__destroy(skel);
	skel = np_test_load_netpath_with(&o);
	run_udp(NP_DIR_EGRESS, false, 1, 8472, 20, 3);
	run_udp(NP_DIR_INGRESS, false, 1, 8472, 20, 2);
	expect_vxlan(NULL, 0);
	expect_if(NP_DIR_EGRESS, 3);
	expect_if(NP_DIR_INGRESS, 2);
}

/* A NodePort range that contains the VXLAN port: both counters see the inbound datagram. Only
 * the node device's programs count VXLAN: plain and pod programs do not. */
Test(vxlan, beside_nodeport_and_only_on_node_programs)
{
	uint32_t len;
	struct np_frame f;
	struct np_run r;
	uint64_t sum[2];

	load_config(NP_VXLAN_PORT_DEFAULT, 8000, 9000);
	len = run_udp(NP_DIR_INGRESS, false, 5, 8472, 64, 9);

	outer_udp(&f, false, true, 5, 8472, 64);
	np_test_run_ok(skel->progs.np_egress, &f, 4, NULL, &r);
	np_test_run_ok(skel->progs.np_ingress, &f, 4, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_egress, &f, 4, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_ingress, &f, 4, NULL, &r);

	struct want_vxlan want[] = { { NP_DIR_INGRESS, 9, 9 * len } };

	expect_vxlan(want, 1);
	cr_assert(np_test_percpu_sum(bpf_map__fd(skel->maps.np_nodeport),
				     &(uint32_t){ NP_NODEPORT_UDP }, sum, 2) == 0);
	cr_expect_eq(sum[0], 9);
	cr_expect_eq(sum[1], 9 * len);
}
