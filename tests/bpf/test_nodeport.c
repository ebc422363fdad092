// SPDX-License-Identifier: Apache-2.0
/* NodePort counting of np_node_ingress on synthetic frames through BPF_PROG_TEST_RUN: inbound TCP
 * and UDP whose destination port lies in the range the programs were loaded with count into
 * np_nodeport[NP_NODEPORT_TCP / UDP] (packets, bytes = skb->len), everything else does not, and
 * every frame still counts in np_if_stats. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "netpath.skel.h"

#define LO_IFINDEX 1
#define CLIENT4 "192.168.50.7"
#define NODE4 "192.168.50.2"
#define CLIENT6 "fd00:192:168:50::7"
#define NODE6 "fd00:192:168:50::2"
#define IP_MF 0x2000

static struct netpath_bpf *skel;

/* The range is fixed at load: a new one is a new load, with new (zero) counters. */
static void load_range(uint16_t min, uint16_t max)
{
	struct np_test_load o = { .nodeport_min = min, .nodeport_max = max };

	netpath_bpf__destroy(skel);
	skel = np_test_load_netpath_with(&o);
}

/* 14 + 20 + 4 * opt_words + 20 + payload */
static uint32_t tcp4(struct np_frame *f, uint16_t dport, uint16_t payload, uint8_t opt_words)
{
	np_frame_eth(f, ETHERTYPE_IP);
	np_frame_ipv4(f, IPPROTO_TCP, CLIENT4, NODE4, sizeof(struct tcphdr) + payload, opt_words,
		      0);
	np_frame_tcp(f, 45000, dport, payload);
	return f->len;
}

/* 14 + 20 + 8 + payload */
static uint32_t udp4(struct np_frame *f, uint16_t sport, uint16_t dport, uint16_t payload,
		     uint16_t frag_off)
{
	np_frame_eth(f, ETHERTYPE_IP);
	np_frame_ipv4(f, IPPROTO_UDP, CLIENT4, NODE4, sizeof(struct udphdr) + payload, 0, frag_off);
	np_frame_udp(f, sport, dport, payload);
	return f->len;
}

/* 14 + 40 + 20 + payload */
static uint32_t tcp6(struct np_frame *f, uint16_t dport, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IPV6);
	np_frame_ipv6(f, IPPROTO_TCP, CLIENT6, NODE6, sizeof(struct tcphdr) + payload);
	np_frame_tcp(f, 45000, dport, payload);
	return f->len;
}

/* 14 + 40 + 8 + payload */
static uint32_t udp6(struct np_frame *f, uint16_t dport, uint16_t payload)
{
	np_frame_eth(f, ETHERTYPE_IPV6);
	np_frame_ipv6(f, IPPROTO_UDP, CLIENT6, NODE6, sizeof(struct udphdr) + payload);
	np_frame_udp(f, 45000, dport, payload);
	return f->len;
}

static void run(const struct np_frame *f, uint32_t n)
{
	struct np_run r;

	np_test_run_ok(skel->progs.np_node_ingress, f, n, NULL, &r);
}

static void expect_nodeport(uint32_t proto, uint64_t packets, uint64_t bytes)
{
	uint64_t sum[2];
	int err = np_test_percpu_sum(bpf_map__fd(skel->maps.np_nodeport), &proto, sum, 2);

	cr_assert(err == 0, "np_nodeport[%u]: %d", proto, err);
	cr_expect_eq(sum[0], packets, "np_nodeport[%s] packets %llu, want %llu",
		     proto == NP_NODEPORT_TCP ? "tcp" : "udp", (unsigned long long)sum[0],
		     (unsigned long long)packets);
	cr_expect_eq(sum[1], bytes, "np_nodeport[%s] bytes %llu, want %llu",
		     proto == NP_NODEPORT_TCP ? "tcp" : "udp", (unsigned long long)sum[1],
		     (unsigned long long)bytes);
}

static void expect_none(void)
{
	expect_nodeport(NP_NODEPORT_TCP, 0, 0);
	expect_nodeport(NP_NODEPORT_UDP, 0, 0);
}

/* Every frame run through np_node_ingress counts on the device, NodePort or not. */
static void expect_if(uint64_t packets, uint64_t bytes)
{
	struct np_if_value v;
	int err =
	    np_test_if_sum(bpf_map__fd(skel->maps.np_if_stats), LO_IFINDEX, NP_DIR_INGRESS, &v);

	cr_assert(err == 0, "no np_if_stats entry: %d", err);
	cr_expect_eq(v.packets, packets, "if packets %llu, want %llu",
		     (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect_eq(v.bytes, bytes, "if bytes %llu, want %llu", (unsigned long long)v.bytes,
		     (unsigned long long)bytes);
}

static void setup(void)
{
	np_test_private_netns();
	load_range(30000, 32767);
}

static void setup_unset(void)
{
	np_test_private_netns();
	skel = np_test_load_netpath(0);
}

static void teardown(void)
{
	netpath_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(nodeport, .init = setup, .fini = teardown, .timeout = 30);

/* Counted exactly by protocol, with bytes = skb->len (Ethernet header included). */
Test(nodeport, tcp_and_udp_by_protocol)
{
	struct np_frame f;
	uint32_t lt, lu;

	lt = tcp4(&f, 30080, 100, 0);
	cr_assert_eq(lt, 154);
	run(&f, 7);
	lu = udp4(&f, 45000, 31000, 200, 0);
	cr_assert_eq(lu, 242);
	run(&f, 9);

	expect_nodeport(NP_NODEPORT_TCP, 7, 7 * 154);
	expect_nodeport(NP_NODEPORT_UDP, 9, 9 * 242);
	expect_if(16, 7 * 154 + 9 * 242);
}

/* Both ends of the range are in it, their neighbours are not. */
Test(nodeport, range_bounds)
{
	static const uint16_t in[] = { 30000, 32767 };
	static const uint16_t out[] = { 29999, 32768, 0, 80, 65535 };
	struct np_frame f;
	uint64_t n = 0, bytes = 0;
	size_t i;

	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		bytes += tcp4(&f, out[i], 0, 0) * 3;
		run(&f, 3);
		bytes += udp4(&f, 45000, out[i], 0, 0) * 3;
		run(&f, 3);
		n += 6;
	}
	expect_none();
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		bytes += tcp4(&f, in[i], 0, 0) * 2;
		run(&f, 2);
		bytes += udp4(&f, 45000, in[i], 0, 0) * 5;
		run(&f, 5);
		n += 7;
	}
	expect_nodeport(NP_NODEPORT_TCP, 4, 4 * 54);
	expect_nodeport(NP_NODEPORT_UDP, 10, 10 * 42);
	expect_if(n, bytes);
}

/* The destination port decides: a reply from a NodePort (source port in range) is not inbound
 * NodePort traffic. */
Test(nodeport, source_port_does_not_count)
{
	struct np_frame f;

	udp4(&f, 30080, 45000, 0, 0);
	run(&f, 4);
	expect_none();
	expect_if(4, 4 * 42);
}

/* ICMP (and any protocol but TCP/UDP) is not counted, even when the bytes where a port would be
 * (here the ICMP checksum) fall in the range. */
Test(nodeport, icmp_not_counted)
{
	uint8_t icmp[8] = { 8 /* echo request */, 0, 0x75, 0x80 /* 30080 */, 0, 1, 0, 1 };
	struct np_frame f;

	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_ICMP, CLIENT4, NODE4, sizeof(icmp), 0, 0);
	np_frame_append(&f, icmp, sizeof(icmp));
	run(&f, 5);
	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_SCTP, CLIENT4, NODE4, sizeof(icmp), 0, 0);
	np_frame_append(&f, icmp, sizeof(icmp)); /* SCTP's dport is at the same offset */
	run(&f, 2);
	expect_none();
	expect_if(7, 7 * 42);
}

/* Only the first fragment carries the ports. A later fragment whose payload happens to look like
 * a UDP header with a NodePort is not counted; the first fragment (MF set, offset 0) is. */
Test(nodeport, fragments)
{
	struct np_frame f;

	udp4(&f, 45000, 31000, 100, 185 /* offset 1480 bytes */);
	run(&f, 3);
	udp4(&f, 45000, 31000, 100, IP_MF | 185); /* a middle fragment */
	run(&f, 4);
	expect_none();
	udp4(&f, 45000, 31000, 100, IP_MF);
	run(&f, 5);
	expect_nodeport(NP_NODEPORT_UDP, 5, 5 * 142);
	expect_nodeport(NP_NODEPORT_TCP, 0, 0);
	expect_if(12, 12 * 142);
}

/* With IP options the transport header starts at ihl * 4, not 20. The option bytes (NOPs, 0x0101
 * = port 257) sit where a parser ignoring ihl would read the port. */
Test(nodeport, ipv4_options)
{
	struct np_frame f;
	uint32_t len;

	len = tcp4(&f, 30080, 0, 1); /* ihl 6 */
	cr_assert_eq(len, 58);
	run(&f, 6);
	len = tcp4(&f, 30080, 0, 10); /* ihl 15, the largest header */
	cr_assert_eq(len, 94);
	run(&f, 1);
	expect_nodeport(NP_NODEPORT_TCP, 7, 6 * 58 + 94);
	expect_nodeport(NP_NODEPORT_UDP, 0, 0);
}

/* An IPv4 header with ihl < 5 is malformed (the kernel drops it in ip_rcv): no NodePort count,
 * even when the bytes at ihl * 4 + 2 look like one (here the destination address 192.168.117.48
 * puts 0x7530 = 30000 at offset 18 of the IP header, which ihl 4 would take for the port). */
Test(nodeport, ipv4_short_ihl_not_counted)
{
	struct np_frame f;

	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_TCP, CLIENT4, "192.168.117.48", sizeof(struct tcphdr), 0, 0);
	np_frame_tcp(&f, 45000, 80, 0);
	f.data[ETH_HLEN] = 0x44; /* version 4, ihl 4 */
	run(&f, 3);
	expect_none();
	expect_if(3, 3 * 54);
}

Test(nodeport, ipv6)
{
	struct np_frame f;
	uint32_t lt, lu;

	lt = tcp6(&f, 30080, 10);
	cr_assert_eq(lt, 84);
	run(&f, 3);
	lu = udp6(&f, 32767, 20);
	cr_assert_eq(lu, 82);
	run(&f, 4);
	tcp6(&f, 32768, 10);
	run(&f, 5);
	expect_nodeport(NP_NODEPORT_TCP, 3, 3 * 84);
	expect_nodeport(NP_NODEPORT_UDP, 4, 4 * 82);
	expect_if(12, 3 * 84 + 4 * 82 + 5 * 84);
}

/* IPv6 with an extension header (hop-by-hop before TCP) is not parsed: not counted. */
Test(nodeport, ipv6_extension_header_not_counted)
{
	uint8_t hbh[8] = { IPPROTO_TCP, 0 /* 8 bytes */, 1, 4, 0, 0, 0, 0 /* PadN */ };
	struct np_frame f;

	np_frame_eth(&f, ETHERTYPE_IPV6);
	np_frame_ipv6(&f, 0 /* hop-by-hop */, CLIENT6, NODE6, sizeof(hbh) + sizeof(struct tcphdr));
	np_frame_append(&f, hbh, sizeof(hbh));
	np_frame_tcp(&f, 45000, 30080, 0);
	run(&f, 2);
	expect_none();
	expect_if(2, 2 * 82);
}

/* A frame cut before the destination port has none to compare. */
Test(nodeport, truncated_transport_not_counted)
{
	struct np_frame f;

	tcp4(&f, 30080, 0, 0);
	f.len = ETH_HLEN + 20 + 3; /* ends in the middle of the destination port */
	run(&f, 2);
	expect_none();
	f.len = ETH_HLEN + 20 + 4; /* just long enough */
	run(&f, 1);
	expect_nodeport(NP_NODEPORT_TCP, 1, 38);
}

/* Only the node device's program counts NodePorts. */
Test(nodeport, other_programs_do_not_count)
{
	struct np_frame f;
	struct np_run r;

	tcp4(&f, 30080, 0, 0);
	np_test_run_ok(skel->progs.np_ingress, &f, 2, NULL, &r);
	np_test_run_ok(skel->progs.np_egress, &f, 2, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_ingress, &f, 2, NULL, &r);
	np_test_run_ok(skel->progs.np_pod_egress, &f, 2, NULL, &r);
	expect_none();
}

/* Each load counts the range it was given, bounds included; 0-0 switches counting off. */
Test(nodeport, range_bounds_and_zero_disables)
{
	struct np_frame u, t;

	udp4(&u, 45000, 31000, 0, 0);
	tcp4(&t, 30080, 0, 0);
	load_range(31000, 31000);
	run(&u, 2);
	run(&t, 3);
	expect_nodeport(NP_NODEPORT_UDP, 2, 2 * 42);
	expect_nodeport(NP_NODEPORT_TCP, 0, 0);
	expect_if(5, 2 * 42 + 3 * 54);

	load_range(31001, 32767);
	run(&u, 4);
	expect_none();
	expect_if(4, 4 * 42);

	load_range(0, 0);
	run(&u, 8);
	run(&t, 16);
	expect_none();
	expect_if(24, 8 * 42 + 16 * 54);
}

/* min > max is an empty range. */
Test(nodeport, inverted_range_counts_nothing)
{
	struct np_frame f;

	load_range(32767, 30000);
	udp4(&f, 45000, 31000, 0, 0);
	run(&f, 3);
	expect_none();
}

/* An object loaded without the agent's constants (by another tool) counts no NodePort traffic:
 * its range is the tags themselves, above any port. */
Test(nodeport, unpatched_object_counts_nothing)
{
	struct np_test_load o = { .unpatched = true };
	struct np_frame f;

	netpath_bpf__destroy(skel);
	skel = np_test_load_netpath_with(&o);
	udp4(&f, 45000, 31000, 0, 0);
	run(&f, 3);
	tcp4(&f, 65535, 0, 0);
	run(&f, 3);
	expect_none();
	expect_if(6, 3 * 42 + 3 * 54);
}

TestSuite(nodeport_unset, .init = setup_unset, .fini = teardown, .timeout = 30);

/* Loaded with no range (0-0): disabled. */
Test(nodeport_unset, zero_config_counts_nothing)
{
	struct np_frame f;

	tcp4(&f, 30080, 0, 0);
	run(&f, 3);
	udp4(&f, 45000, 0, 0, 0); /* port 0 is inside [0, 0] but 0/0 means off */
	run(&f, 3);
	expect_none();
	expect_if(6, 3 * 54 + 3 * 42);
}
