// SPDX-License-Identifier: Apache-2.0
/* bpf/netpath.bpf.c on synthetic frames through BPF_PROG_TEST_RUN: exact packets, bytes and GSO
 * segments per {ifindex, direction}, the TC_ACT_UNSPEC verdict, untouched frames, and the
 * map-full error counter.
 *
 * What the kernel's test_run (net/bpf/test_run.c, bpf_prog_test_run_skb) does with a tc program:
 * it builds a linear skb from data_in (at least ETH_HLEN = 14 bytes; at most 3712 on x86-64, a
 * page minus headroom and skb_shared_info), sets skb->dev to the loopback device of the caller's
 * network namespace (ifindex 1) unless ctx_in->ifindex > 1 names another device of that
 * namespace (-ENODEV if none), and accepts in ctx_in only mark, priority, ingress_ifindex,
 * ifindex, cb, tstamp, wire_len (>= frame length, <= 64 KiB), gso_segs (<= 65535), gso_size and
 * hwtstamp; any other non-zero field is -EINVAL. skb->len is the frame length including the
 * Ethernet header, as at a real tc hook. A GSO skb is therefore simulated by a frame of a few
 * segments plus gso_segs/gso_size; nothing checks that they agree with the length. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "harness.h"
#include "netpath.skel.h"

#define LO_IFINDEX 1 /* the loopback device is always ifindex 1 in a network namespace */

static struct netpath_bpf *skel;

/* --- frames (builders in harness.c) -------------------------------------------------------- */

/* 14 + 20 + 8 + payload */
static void ipv4_udp(struct np_frame *f, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IP);
	np_frame_ipv4(f, IPPROTO_UDP, "10.244.0.1", "10.244.1.2", sizeof(struct udphdr) + payload,
		      0, 0);
	np_frame_udp(f, 40000, 5201, payload);
}

/* 14 + 40 + 20 + payload */
static void ipv6_tcp(struct np_frame *f, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IPV6);
	np_frame_ipv6(f, IPPROTO_TCP, "fd00::1", "fd00::2", sizeof(struct tcphdr) + payload);
	np_frame_tcp(f, 40000, 443, payload);
}

/* 14 + 28: who-has 10.244.0.1 tell 10.244.0.2, as sent (veths do not pad to 60 bytes) */
static void arp_request(struct np_frame *f)
{
	static const uint8_t sha[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct ether_arp arp = { 0 };
	uint32_t spa = htonl(0x0af40002), tpa = htonl(0x0af40001);

	np_frame_eth(f, ETHERTYPE_ARP);
	arp.arp_hrd = htons(ARPHRD_ETHER);
	arp.arp_pro = htons(ETHERTYPE_IP);
	arp.arp_hln = ETH_ALEN;
	arp.arp_pln = 4;
	arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(arp.arp_sha, sha, ETH_ALEN);
	memcpy(arp.arp_spa, &spa, 4);
	memcpy(arp.arp_tpa, &tpa, 4);
	np_frame_append(f, &arp, sizeof(arp));
}

/* 14 + 4 (802.1Q tag, VID 100) + 20 + 8 + payload: the tag is in the frame, not offloaded */
static void vlan_ipv4_udp(struct np_frame *f, uint16_t payload)
{
	uint16_t tag[2] = { htons(100), htons(ETHERTYPE_IP) };

	np_frame_eth(f, ETHERTYPE_VLAN);
	np_frame_append(f, tag, sizeof(tag));
	np_frame_ipv4(f, IPPROTO_UDP, "10.244.0.1", "10.244.1.2", sizeof(struct udphdr) + payload,
		      0, 0);
	np_frame_udp(f, 40000, 5201, payload);
}

/* Ethernet header only, local experimental ethertype: the smallest frame test_run accepts. */
static void eth_only(struct np_frame *f, uint32_t len)
{
	np_frame_eth(f, 0x88b5);
	f->len = len; /* lets a test shorten it below ETH_HLEN */
}

/* A TCP GSO skb carrying segs * mss payload bytes: 14 + 20 + 20 + segs * mss */
static void ipv4_tcp_gso(struct np_frame *f, uint32_t mss, uint32_t segs)
{
	np_frame_eth(f, ETHERTYPE_IP);
	np_frame_ipv4(f, IPPROTO_TCP, "10.244.0.1", "10.244.1.2",
		      (uint16_t)(sizeof(struct tcphdr) + mss * segs), 0, 0);
	np_frame_tcp(f, 40000, 443, mss * segs);
}

/* --- running and checking ------------------------------------------------------------------ */

static void expect_counts(uint32_t ifindex, uint8_t dir, uint64_t packets, uint64_t bytes,
			  uint64_t segs)
{
	struct np_if_value v;
	int err = np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), ifindex, dir, &v);

	cr_assert(err == 0, "no np_if_stats entry for {%u, %u}: %d", ifindex, dir, err);
	cr_expect(v.packets == packets, "{%u,%u} packets %llu, want %llu", ifindex, dir,
		  (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect(v.bytes == bytes, "{%u,%u} bytes %llu, want %llu", ifindex, dir,
		  (unsigned long long)v.bytes, (unsigned long long)bytes);
	cr_expect(v.gso_segs == segs, "{%u,%u} gso_segs %llu, want %llu", ifindex, dir,
		  (unsigned long long)v.gso_segs, (unsigned long long)segs);
}

/* Asserts the exact key set of np_if_stats (padding included: it is part of the hash key). */
static void expect_keys(const struct np_if_key *want, size_t n)
{
	struct np_if_key got[8];
	size_t i, j, cnt = np_test_if_keys(bpf_map__fd(skel->maps.np_if_stats), got, 8);

	cr_assert(cnt == n, "np_if_stats has %zu keys, want %zu", cnt, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < cnt; j++)
			if (memcmp(&got[j], &want[i], sizeof(want[i])) == 0)
				break;
		cr_assert(j < cnt, "key {%u, %u} missing", want[i].ifindex, want[i].direction);
	}
}

static void expect_no_errors(void)
{
	uint32_t i;

	for (i = 0; i < NP_ERR_MAX; i++)
		cr_expect(np_test_err_sum(bpf_map__fd(skel->maps.np_errors), i) == 0,
			  "np_errors[%u] != 0", i);
}

static void setup(void)
{
	np_test_private_netns();
	cr_assert(if_nametoindex("lo") == LO_IFINDEX);
	skel = np_test_load_netpath(0);
}

static void setup_full(void)
{
	np_test_private_netns();
	skel = np_test_load_netpath(1);
}

static void teardown(void)
{
	netpath_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(test_run, .init = setup, .fini = teardown, .timeout = 30);

Test(test_run, ipv4_udp_ingress)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	struct np_frame f;
	struct np_run r;

	ipv4_udp(&f, 100);
	cr_assert_eq(f.len, 142);
	np_test_run_ok(skel->progs.np_ingress, &f, 1000, NULL, &r);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 1000, 142000, 1000);
	expect_no_errors();
}

Test(test_run, ipv6_tcp_egress)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_EGRESS } };
	struct np_frame f;
	struct np_run r;

	ipv6_tcp(&f, 64);
	cr_assert_eq(f.len, 138);
	np_test_run_ok(skel->progs.np_egress, &f, 333, NULL, &r);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_EGRESS, 333, 333 * 138, 333);
	expect_no_errors();
}

Test(test_run, arp_ingress)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	struct np_frame f;
	struct np_run r;

	arp_request(&f);
	cr_assert_eq(f.len, 42);
	np_test_run_ok(skel->progs.np_ingress, &f, 50, NULL, &r);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 50, 2100, 50);
	expect_no_errors();
}

Test(test_run, vlan_tagged_egress)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_EGRESS } };
	struct np_frame f;
	struct np_run r;

	vlan_ipv4_udp(&f, 32);
	cr_assert_eq(f.len, 78);
	np_test_run_ok(skel->progs.np_egress, &f, 20, NULL, &r);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_EGRESS, 20, 1560, 20);
	expect_no_errors();
}

Test(test_run, minimal_frame)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	struct np_frame f;
	struct np_run r;

	eth_only(&f, ETH_HLEN);
	np_test_run_ok(skel->progs.np_ingress, &f, 7, NULL, &r);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 7, 98, 7);

	/* Below ETH_HLEN the kernel refuses the run: the program never sees a runt. */
	eth_only(&f, ETH_HLEN - 1);
	np_test_run(skel->progs.np_ingress, &f, 1, NULL, &r);
	cr_assert_eq(r.err, -EINVAL);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 7, 98, 7);
	expect_no_errors();
}

/* A GSO skb counts once in packets, its full length in bytes, and gso_segs wire segments. */
Test(test_run, gso_super_packet)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	struct __sk_buff ctx = { .gso_segs = 2, .gso_size = 1448 };
	struct np_frame f;
	struct np_run r;

	ipv4_tcp_gso(&f, 1448, 2);
	cr_assert_eq(f.len, 2950);
	np_test_run_ok(skel->progs.np_ingress, &f, 100, &ctx, &r);
	cr_expect_eq(r.ctx_out.gso_segs, 2);
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 100, 295000, 200);
	expect_no_errors();
}

/* GSO and non-GSO skbs of one device and direction add up in one entry; the two directions of
 * one device are separate keys. */
Test(test_run, mixed_frames_and_directions)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS },
				    { .ifindex = LO_IFINDEX, .direction = NP_DIR_EGRESS } };
	struct __sk_buff gso = { .gso_segs = 44, .gso_size = 64 };
	struct np_frame f;
	struct np_run r;

	ipv4_udp(&f, 100); /* 142 */
	np_test_run_ok(skel->progs.np_ingress, &f, 10, NULL, &r);
	arp_request(&f); /* 42 */
	np_test_run_ok(skel->progs.np_ingress, &f, 3, NULL, &r);
	ipv4_tcp_gso(&f, 64, 44); /* 14 + 20 + 20 + 2816 = 2870 */
	np_test_run_ok(skel->progs.np_ingress, &f, 2, &gso, &r);
	ipv6_tcp(&f, 64); /* 138 */
	np_test_run_ok(skel->progs.np_egress, &f, 4, NULL, &r);

	expect_keys(keys, 2);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 15, 10 * 142 + 3 * 42 + 2 * 2870,
		      10 + 3 + 2 * 44);
	expect_counts(LO_IFINDEX, NP_DIR_EGRESS, 4, 4 * 138, 4);
	expect_no_errors();
}

/* ctx_in->ifindex > 1 makes test_run use that device of the caller's namespace as skb->dev;
 * 0 and 1 both mean loopback. */
Test(test_run, ctx_ifindex)
{
	struct __sk_buff ctx = { 0 };
	struct np_if_key keys[3];
	uint32_t a;
	struct np_frame f;
	struct np_run r;

	np_test_sh("ip link add name np_a type veth peer name np_b");
	a = if_nametoindex("np_a");
	cr_assert(a > LO_IFINDEX);

	ipv4_udp(&f, 100);
	ctx.ifindex = a;
	np_test_run_ok(skel->progs.np_ingress, &f, 5, &ctx, &r);
	cr_expect_eq(r.ctx_out.ifindex, a);
	np_test_run_ok(skel->progs.np_egress, &f, 6, &ctx, &r);
	ctx.ifindex = 0;
	np_test_run_ok(skel->progs.np_ingress, &f, 8, &ctx, &r);
	cr_expect_eq(r.ctx_out.ifindex, LO_IFINDEX);
	ctx.ifindex = LO_IFINDEX;
	np_test_run_ok(skel->progs.np_ingress, &f, 9, &ctx, &r);

	keys[0] = (struct np_if_key){ .ifindex = a, .direction = NP_DIR_INGRESS };
	keys[1] = (struct np_if_key){ .ifindex = a, .direction = NP_DIR_EGRESS };
	keys[2] = (struct np_if_key){ .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS };
	expect_keys(keys, 3);
	expect_counts(a, NP_DIR_INGRESS, 5, 5 * 142, 5);
	expect_counts(a, NP_DIR_EGRESS, 6, 6 * 142, 6);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 17, 17 * 142, 17);
	expect_no_errors();
}

/* The ctx fields test_run refuses; the program must not have run for any of them. */
Test(test_run, ctx_rejected)
{
	struct __sk_buff ctx;
	struct np_frame f;
	struct np_run r;

	ipv4_udp(&f, 100);

	ctx = (struct __sk_buff){ .ifindex = 4242 }; /* no such device here */
	np_test_run(skel->progs.np_ingress, &f, 1, &ctx, &r);
	cr_expect_eq(r.err, -ENODEV);

	ctx = (struct __sk_buff){ .len = 142 }; /* read-only for test_run */
	np_test_run(skel->progs.np_ingress, &f, 1, &ctx, &r);
	cr_expect_eq(r.err, -EINVAL);

	ctx = (struct __sk_buff){ .protocol = htons(ETHERTYPE_IP) };
	np_test_run(skel->progs.np_ingress, &f, 1, &ctx, &r);
	cr_expect_eq(r.err, -EINVAL);

	ctx = (struct __sk_buff){ .gso_segs = 65536 }; /* > GSO_MAX_SEGS */
	np_test_run(skel->progs.np_ingress, &f, 1, &ctx, &r);
	cr_expect_eq(r.err, -EINVAL);

	ctx = (struct __sk_buff){ .wire_len = 100 }; /* shorter than the frame */
	np_test_run(skel->progs.np_ingress, &f, 1, &ctx, &r);
	cr_expect_eq(r.err, -EINVAL);

	expect_keys(NULL, 0);
	expect_no_errors();
}

/* Runs pinned to each allowed CPU in turn: every CPU's slot holds exactly its own runs and the
 * harness's sum over possible CPUs adds them up (a summing bug would hide on one CPU). */
Test(test_run, percpu_slots_summed)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_key key = { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS };
	struct np_if_value slots[CPU_SETSIZE];
	cpu_set_t allowed, one;
	uint64_t used = 0;
	struct np_frame f;
	struct np_run r;
	int cpu;

	cr_assert(ncpu > 0 && ncpu <= CPU_SETSIZE);
	cr_assert(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
	ipv4_udp(&f, 100);
	for (cpu = 0; cpu < ncpu; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		cr_assert(sched_setaffinity(0, sizeof(one), &one) == 0, "pin to CPU %d", cpu);
		np_test_run_ok(skel->progs.np_ingress, &f, 10 + cpu, NULL, &r);
		used += 10 + cpu;
	}
	cr_assert(sched_setaffinity(0, sizeof(allowed), &allowed) == 0);

	cr_assert(bpf_map_lookup_elem(bpf_map__fd(skel->maps.np_if_stats), &key, slots) == 0);
	for (cpu = 0; cpu < ncpu; cpu++) {
		uint64_t want = CPU_ISSET(cpu, &allowed) ? 10 + cpu : 0;

		cr_expect_eq(slots[cpu].packets, want, "CPU %d slot: %llu packets, want %llu", cpu,
			     (unsigned long long)slots[cpu].packets, (unsigned long long)want);
	}
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, used, used * 142, used);
	expect_no_errors();
}

TestSuite(map_full, .init = setup_full, .fini = teardown, .timeout = 30);

/* np_if_stats with room for one key: a second {ifindex, direction} is not counted in the map but
 * in np_errors[NP_ERR_IF_STATS_FULL], once per packet, and the packet still passes untouched. */
Test(map_full, new_key_counts_error)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	struct __sk_buff ctx = { 0 };
	int err_fd = bpf_map__fd(skel->maps.np_errors);
	struct np_frame f;
	struct np_run r;
	uint32_t i;

	cr_assert_eq(bpf_map__max_entries(skel->maps.np_if_stats), 1);
	np_test_sh("ip link add name np_a type veth peer name np_b");
	ipv4_udp(&f, 100);

	np_test_run_ok(skel->progs.np_ingress, &f, 10, NULL, &r);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 10, 1420, 10);
	cr_assert_eq(np_test_err_sum(err_fd, NP_ERR_IF_STATS_FULL), 0);

	ctx.ifindex = if_nametoindex("np_a"); /* a second device */
	np_test_run_ok(skel->progs.np_ingress, &f, 25, &ctx, &r);
	cr_expect_eq(np_test_err_sum(err_fd, NP_ERR_IF_STATS_FULL), 25);

	np_test_run_ok(skel->progs.np_egress, &f, 4, NULL, &r); /* same device, other direction */
	cr_expect_eq(np_test_err_sum(err_fd, NP_ERR_IF_STATS_FULL), 29);

	np_test_run_ok(skel->progs.np_ingress, &f, 3, NULL, &r); /* the existing key still counts */
	expect_keys(keys, 1);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 13, 13 * 142, 13);
	for (i = NP_ERR_IF_STATS_FULL + 1; i < NP_ERR_MAX; i++)
		cr_expect_eq(np_test_err_sum(err_fd, i), 0);
}

/* --- counter slots ---------------------------------------------------------------------------- */

#define SLOTS 8

static void setup_slots(void)
{
	np_test_private_netns();
	skel = np_test_load_netpath_slots(0, SLOTS);
}

/* Labels slot pos with ifindex in every CPU's region, as the agent does. */
static void label_slot(uint32_t pos, uint32_t ifindex)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_slot_value v = { .ifindex = ifindex };

	for (int c = 0; c < ncpu; c++) {
		uint32_t key = (uint32_t)c * SLOTS + pos;

		cr_assert(bpf_map_update_elem(bpf_map__fd(skel->maps.np_if_slots), &key, &v,
					      BPF_ANY) == 0);
	}
}

/* One direction of slot pos summed over the CPU regions. */
static struct np_if_value slot_sum(uint32_t pos, uint8_t dir)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_value sum = { 0 };

	for (int c = 0; c < ncpu; c++) {
		uint32_t key = (uint32_t)c * SLOTS + pos;
		struct np_if_slot_value v;

		cr_assert(bpf_map_lookup_elem(bpf_map__fd(skel->maps.np_if_slots), &key, &v) == 0);
		sum.packets += v.stats[dir].packets;
		sum.bytes += v.stats[dir].bytes;
		sum.gso_segs += v.stats[dir].gso_segs;
		for (int p = 0; p < NP_PATH_MAX; p++)
			sum.path[p].packets += v.stats[dir].path[p].packets;
	}
	return sum;
}

TestSuite(slots, .init = setup_slots, .fini = teardown, .timeout = 30);

/* A device with a slot counts there, both directions and its path classes, not in the hash. */
Test(slots, counts_in_the_slot)
{
	struct np_if_value v;
	struct np_frame f;
	struct np_run r;

	label_slot(LO_IFINDEX, LO_IFINDEX);
	ipv4_udp(&f, 100); /* 142 bytes; no prefixes configured: path external */
	np_test_run_ok(skel->progs.np_pod_ingress, &f, 10, NULL, &r);
	np_test_run_ok(skel->progs.np_egress, &f, 3, NULL, &r);
	v = slot_sum(LO_IFINDEX, NP_DIR_INGRESS);
	cr_expect_eq(v.packets, 10);
	cr_expect_eq(v.bytes, 1420);
	cr_expect_eq(v.gso_segs, 10);
	cr_expect_eq(v.path[NP_PATH_EXTERNAL].packets, 10);
	v = slot_sum(LO_IFINDEX, NP_DIR_EGRESS);
	cr_expect_eq(v.packets, 3);
	cr_expect_eq(v.bytes, 426);
	expect_keys(NULL, 0);
	expect_no_errors();
}

/* The programs look at the ifindex's slot and the three after it (modulo the slot count): a
 * label four slots on is not found, and the packet counts in the hash. */
Test(slots, probes_then_hash)
{
	struct np_if_key keys[] = { { .ifindex = LO_IFINDEX, .direction = NP_DIR_INGRESS } };
	uint32_t last = (LO_IFINDEX + NP_IF_SLOT_PROBES - 1) % SLOTS;
	struct np_frame f;
	struct np_run r;

	label_slot(LO_IFINDEX, LO_IFINDEX + SLOTS); /* same remainder, another device */
	label_slot(last, LO_IFINDEX);
	ipv4_udp(&f, 100);
	np_test_run_ok(skel->progs.np_ingress, &f, 5, NULL, &r);
	cr_expect_eq(slot_sum(last, NP_DIR_INGRESS).packets, 5);
	cr_expect_eq(slot_sum(LO_IFINDEX, NP_DIR_INGRESS).packets, 0);
	expect_keys(NULL, 0);

	label_slot(last, LO_IFINDEX + 7);				  /* moved away */
	label_slot((LO_IFINDEX + NP_IF_SLOT_PROBES) % SLOTS, LO_IFINDEX); /* out of reach */
	np_test_run_ok(skel->progs.np_ingress, &f, 4, NULL, &r);
	cr_expect_eq(slot_sum((LO_IFINDEX + NP_IF_SLOT_PROBES) % SLOTS, NP_DIR_INGRESS).packets, 0);
	expect_counts(LO_IFINDEX, NP_DIR_INGRESS, 4, 568, 4);
	expect_keys(keys, 1);
}
