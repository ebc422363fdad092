// SPDX-License-Identifier: Apache-2.0
/* Other programs on nodepath's hooks keep working: np_ingress and a stand-in for another
 * vendor's program (tests/bpf/progs/peer.bpf.c) share the ingress hook of a veth, as tcx links
 * and as clsact filters, and both must count exactly the N frames sent across the pair. This is
 * what returning TC_ACT_UNSPEC buys; the control case puts the peer (TC_ACT_OK) first and shows
 * that such a verdict hides every frame from the program after it.
 *
 * Each test runs in its own anonymous network namespace (harness.h): the veth pair, the tcx
 * links and the clsact qdisc are gone with the test process, whichever way it ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "harness.h"
#include "netpath.skel.h"
#include "peer.skel.h"

#define FRAMES 100    /* N */
#define FRAME_LEN 100 /* L: Ethernet header + payload, no FCS */
#define MAX_LINKS 4

static struct netpath_bpf *np;
static struct peer_bpf *peer;
static uint32_t if_a, if_b; /* frames go out of np_b and in at np_a */
static int links[MAX_LINKS];
static int nlinks;
static bool clsact_created;

static void setup(void)
{
	np_test_private_netns();
	np_test_sh("ip link add name np_a type veth peer name np_b");
	np_test_sh("ip link set dev np_a up && ip link set dev np_b up");
	if_a = if_nametoindex("np_a");
	if_b = if_nametoindex("np_b");
	cr_assert(if_a && if_b);
	np = np_test_load_netpath(0);
	peer = peer_bpf__open_and_load();
	cr_assert(peer, "peer_bpf__open_and_load: %s", strerror(errno));
	nlinks = 0;
	clsact_created = false;
}

static void teardown(void)
{
	while (nlinks > 0)
		close(links[--nlinks]);
	peer_bpf__destroy(peer);
	netpath_bpf__destroy(np);
	peer = NULL;
	np = NULL;
}

/* Without BPF_F_BEFORE/AFTER a tcx link is appended: the first attached runs first. */
static void tcx_attach(const struct bpf_program *prog, uint32_t ifindex, int type)
{
	cr_assert(nlinks < MAX_LINKS);
	links[nlinks++] = np_test_tcx_attach(prog, ifindex, type);
}

/* Filters of one clsact hook run in ascending priority. */
static void clsact_attach(const struct bpf_program *prog, uint32_t ifindex, uint32_t prio)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(prog), .handle = prio,
		    .priority = prio);
	int err;

	/* One qdisc per test: creating it twice would only make libbpf log EEXIST. */
	if (!clsact_created) {
		err = bpf_tc_hook_create(&hook);
		cr_assert(err == 0, "bpf_tc_hook_create: %d", err);
		clsact_created = true;
	}
	err = bpf_tc_attach(&hook, &opts);
	cr_assert(err == 0, "bpf_tc_attach %s: %d", bpf_program__name(prog), err);
}

static uint32_t prog_id(const struct bpf_program *prog)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0);
	return info.id;
}

static void expect_tcx_order(uint32_t ifindex, const struct bpf_program *first,
			     const struct bpf_program *second)
{
	uint32_t ids[MAX_LINKS] = { 0 };
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = MAX_LINKS);
	int err = bpf_prog_query_opts((int)ifindex, NP_BPF_TCX_INGRESS, &q);

	cr_assert(err == 0, "tcx query: %d", err);
	cr_assert_eq(q.prog_cnt, 2);
	cr_assert_eq(ids[0], prog_id(first), "wrong program first on the tcx chain");
	cr_assert_eq(ids[1], prog_id(second), "wrong program second on the tcx chain");
}

static void get_mac(const char *ifname, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	cr_assert(ioctl(fd, SIOCGIFHWADDR, &ifr) == 0, "SIOCGIFHWADDR %s", ifname);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
}

/* N frames of L bytes from np_b to np_a's MAC through a packet socket. The local experimental
 * ethertype has no protocol handler, so the stack neither answers nor forwards them. */
static void send_frames(void)
{
	uint8_t frame[FRAME_LEN] = { 0 };
	struct ether_header *eth = (struct ether_header *)frame;

	get_mac("np_a", eth->ether_dhost);
	get_mac("np_b", eth->ether_shost);
	eth->ether_type = htons(0x88b5);
	np_test_send_raw(if_b, frame, sizeof(frame), FRAMES);
}

static uint64_t peer_packets(void)
{
	return __atomic_load_n(&peer->bss->peer_packets, __ATOMIC_RELAXED);
}

/* The veth hands frames to the peer's backlog; wait until the peer counted all N of them (it
 * runs last, or is the only one running, on np_a), then let stray frames show up if any. */
static void wait_for_peer(void)
{
	struct timespec tick = { .tv_nsec = 1000000 };
	int i;

	for (i = 0; i < 2000 && peer_packets() < FRAMES; i++)
		nanosleep(&tick, NULL);
	tick.tv_nsec = 50000000;
	nanosleep(&tick, NULL);
}

static void expect_np(uint32_t ifindex, uint8_t dir, uint64_t packets)
{
	struct np_if_value v;
	int err = np_test_if_sum(bpf_map__fd(np->maps.np_if_stats), ifindex, dir, &v);

	cr_assert(err == 0, "np_if_stats has no {%u, %u}: %d", ifindex, dir, err);
	cr_expect_eq(v.packets, packets, "np {%u,%u} packets %llu, want %llu", ifindex, dir,
		     (unsigned long long)v.packets, (unsigned long long)packets);
	cr_expect_eq(v.bytes, packets * FRAME_LEN, "np {%u,%u} bytes %llu", ifindex, dir,
		     (unsigned long long)v.bytes);
	cr_expect_eq(v.gso_segs, packets, "np {%u,%u} gso_segs %llu", ifindex, dir,
		     (unsigned long long)v.gso_segs);
}

static void expect_peer(uint64_t packets)
{
	cr_expect_eq(peer_packets(), packets, "peer counted %llu, want %llu",
		     (unsigned long long)peer_packets(), (unsigned long long)packets);
	cr_expect_eq(peer->bss->peer_bytes, packets * FRAME_LEN, "peer bytes %llu",
		     (unsigned long long)peer->bss->peer_bytes);
}

/* Both sides: np_a ingress (shared with the peer) and np_b egress (np alone), and nothing
 * else on either device. */
static void expect_both_counted(void)
{
	struct np_if_key keys[4];

	expect_peer(FRAMES);
	expect_np(if_a, NP_DIR_INGRESS, FRAMES);
	expect_np(if_b, NP_DIR_EGRESS, FRAMES);
	cr_expect_eq(np_test_if_keys(bpf_map__fd(np->maps.np_if_stats), keys, 4), 2);
}

TestSuite(chain, .init = setup, .fini = teardown, .timeout = 30);

Test(chain, tcx_then_tcx)
{
	tcx_attach(np->progs.np_egress, if_b, NP_BPF_TCX_EGRESS);
	tcx_attach(np->progs.np_ingress, if_a, NP_BPF_TCX_INGRESS);
	tcx_attach(peer->progs.peer_count, if_a, NP_BPF_TCX_INGRESS);
	expect_tcx_order(if_a, np->progs.np_ingress, peer->progs.peer_count);

	send_frames();
	wait_for_peer();
	expect_both_counted();
}

/* tcx runs before clsact; TCX_NEXT (= TC_ACT_UNSPEC) falls through to the clsact filters. */
Test(chain, tcx_then_clsact)
{
	tcx_attach(np->progs.np_egress, if_b, NP_BPF_TCX_EGRESS);
	tcx_attach(np->progs.np_ingress, if_a, NP_BPF_TCX_INGRESS);
	clsact_attach(peer->progs.peer_count, if_a, 1);

	send_frames();
	wait_for_peer();
	expect_both_counted();
}

/* The loader's clsact mode: in direct-action mode TC_ACT_UNSPEC moves on to the next filter. */
Test(chain, clsact_then_clsact)
{
	tcx_attach(np->progs.np_egress, if_b, NP_BPF_TCX_EGRESS);
	clsact_attach(np->progs.np_ingress, if_a, 1);
	clsact_attach(peer->progs.peer_count, if_a, 2);

	send_frames();
	wait_for_peer();
	expect_both_counted();
}

/* Control: the peer's TC_ACT_OK ends the tcx chain, so np_ingress after it sees nothing. If the
 * frames reached np_ingress here, the cases above would prove nothing about verdicts. */
Test(chain, control_peer_first_hides_frames)
{
	struct np_if_value v;

	tcx_attach(np->progs.np_egress, if_b, NP_BPF_TCX_EGRESS);
	tcx_attach(peer->progs.peer_count, if_a, NP_BPF_TCX_INGRESS);
	tcx_attach(np->progs.np_ingress, if_a, NP_BPF_TCX_INGRESS);
	expect_tcx_order(if_a, peer->progs.peer_count, np->progs.np_ingress);

	send_frames();
	wait_for_peer();
	expect_peer(FRAMES);
	expect_np(if_b, NP_DIR_EGRESS, FRAMES);
	cr_expect_eq(np_test_if_sum(bpf_map__fd(np->maps.np_if_stats), if_a, NP_DIR_INGRESS, &v),
		     -ENOENT, "np_ingress saw %llu frames behind TC_ACT_OK",
		     (unsigned long long)v.packets);
}
