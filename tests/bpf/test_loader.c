// SPDX-License-Identifier: Apache-2.0
/* src/loader.c against the kernel: pinned maps re-used across close/open, a changed capacity
 * replacing the pin (and saying so), the CIDR tries rewritten exactly, tcx and clsact attach and
 * detach on a veth, role changes in place, errors for vanished interfaces, leftovers of a killed
 * agent, program run statistics.
 *
 * Each test runs in its own process (criterion) inside a new network namespace (harness.h) and a
 * new, private mount namespace in which a bpffs is mounted on a fresh temp directory: the pins of
 * one test are invisible to every other test and to any agent on the machine. fini unmounts and
 * removes the directory; if the process dies first, the mount dies with its namespace and only an
 * empty directory can remain. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/pkt_cls.h>

#include "harness.h"
#include "if_slots.h"
#include "loader.h"
#include "peer.skel.h"

#define NP_BPF_LINK_TYPE_TCX 11 /* include/uapi/linux/bpf.h, 6.6; not in libbpf 1.1's headers */
#define NP_TC_HANDLE 0x6e70	/* the loader's clsact filter handle and priority */
#define NP_TC_PRIORITY 1
#define FRAME_LEN 60

static const char *const pinned_maps[] = { "np_if_stats", "np_if_slots", "np_cidr4", "np_cidr6",
					   "np_nodeport", "np_errors",	 "np_class4" };
#define N_PINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static char bpffs[64];	 /* the private bpffs mount point */
static char pin_dir[96]; /* the loader's pin path inside it */
static bool mounted;
static struct loader *ld;
static uint32_t if_a, if_b;

/* --- set-up ---------------------------------------------------------------------------------- */

static void setup(void)
{
	np_test_private_netns();
	cr_assert(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	/* Nothing mounted from here on may propagate back to the host's namespace. */
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make / private: %s",
		  strerror(errno));
	snprintf(bpffs, sizeof(bpffs), "/tmp/np-loader-test.XXXXXX");
	cr_assert(mkdtemp(bpffs), "mkdtemp: %s", strerror(errno));
	cr_assert(mount("bpf", bpffs, "bpf", 0, "mode=0700") == 0, "mount bpffs on %s: %s", bpffs,
		  strerror(errno));
	mounted = true;
	snprintf(pin_dir, sizeof(pin_dir), "%s/nodepath", bpffs);
	np_test_sh("ip link add name np_a type veth peer name np_b");
	np_test_sh("ip link set dev np_a up && ip link set dev np_b up");
	if_a = if_nametoindex("np_a");
	if_b = if_nametoindex("np_b");
	cr_assert(if_a && if_b);
	ld = NULL;
}

static void teardown(void)
{
	loader__close(ld);
	ld = NULL;
	if (mounted && umount2(bpffs, MNT_DETACH))
		cr_log_error("umount %s: %s", bpffs, strerror(errno));
	mounted = false;
	if (bpffs[0] && rmdir(bpffs))
		cr_log_error("rmdir %s: %s", bpffs, strerror(errno));
	bpffs[0] = '\0';
}

/* The agent's defaults: VXLAN port 8472, NodePort range 30000-32767. */
static struct loader *open_loader(enum attach_mode mode, uint32_t max_entries)
{
	struct loader_opts o = { .pin_path = pin_dir,
				 .max_entries = max_entries,
				 .mode = mode,
				 .enable_stats = true,
				 .vxlan_port = NP_VXLAN_PORT_DEFAULT,
				 .nodeport_min = 30000,
				 .nodeport_max = 32767 };
	struct loader *l = NULL;
	int err = loader__open(&o, &l);

	cr_assert(err == 0 && l, "loader__open: %d", err);
	return l;
}

/* Runs loader__open with stderr (where log.c writes) going to a memory file; returns the log. */
static struct loader *open_loader_logged(uint32_t max_entries, char *log, size_t cap)
{
	int mem = memfd_create("np-log", MFD_CLOEXEC);
	int saved = dup(STDERR_FILENO);
	struct loader *l;
	ssize_t n;

	cr_assert(mem >= 0 && saved >= 0);
	fflush(stderr);
	cr_assert(dup2(mem, STDERR_FILENO) == STDERR_FILENO);
	l = open_loader(ATTACH_TCX, max_entries);
	fflush(stderr);
	cr_assert(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	n = pread(mem, log, cap - 1, 0);
	cr_assert(n >= 0);
	log[n] = '\0';
	close(mem);
	fprintf(stderr, "%s", log); /* keep it visible in the test output */
	return l;
}

static int pin_fd(const char *map)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, map);
	fd = bpf_obj_get(path);
	cr_assert(fd >= 0, "bpf_obj_get %s: %s", path, strerror(errno));
	return fd;
}

static struct bpf_map_info pin_info(const char *map)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = pin_fd(map);

	cr_assert(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
	close(fd);
	return info;
}

/* --- hooks ------------------------------------------------------------------------------------ */

static struct bpf_prog_info prog_info(uint32_t id)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	cr_assert(fd >= 0, "prog id %u: %s", id, strerror(errno));
	cr_assert(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
	close(fd);
	return info;
}

/* The programs on a tcx hook, by id; returns how many. */
static uint32_t tcx_progs(uint32_t ifindex, int type, uint32_t ids[4])
{
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = 4);
	int err = bpf_prog_query_opts((int)ifindex, type, &q);

	cr_assert(err == 0, "tcx query %u/%d: %d", ifindex, type, err);
	return q.prog_cnt;
}

/* Exactly one program on the tcx hook, named name; returns its id. */
static uint32_t expect_tcx(uint32_t ifindex, int type, const char *name)
{
	uint32_t ids[4] = { 0 };
	uint32_t n = tcx_progs(ifindex, type, ids);

	cr_assert_eq(n, 1, "%u programs on tcx %s of %u, want 1 (%s)", n,
		     type == NP_BPF_TCX_INGRESS ? "ingress" : "egress", ifindex, name);
	cr_assert_str_eq(prog_info(ids[0]).name, name);
	return ids[0];
}

static void expect_tcx_empty(uint32_t ifindex)
{
	uint32_t ids[4];

	cr_expect_eq(tcx_progs(ifindex, NP_BPF_TCX_INGRESS, ids), 0);
	cr_expect_eq(tcx_progs(ifindex, NP_BPF_TCX_EGRESS, ids), 0);
}

/* The id of the tcx link that holds prog_id (links are global: scan them all). */
static uint32_t tcx_link_of(uint32_t prog_id)
{
	uint32_t id = 0, found = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == NP_BPF_LINK_TYPE_TCX && info.prog_id == prog_id) {
			cr_assert_eq(found, 0, "two tcx links hold program %u", prog_id);
			found = id;
		}
		close(fd);
	}
	cr_assert(found, "no tcx link holds program %u", prog_id);
	return found;
}

static uint32_t link_prog(uint32_t link_id)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_link_get_fd_by_id(link_id);

	cr_assert(fd >= 0, "link %u: %s", link_id, strerror(errno));
	cr_assert(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
	close(fd);
	return info.prog_id;
}

/* The program id of the loader's clsact filter, 0 if there is none. */
static uint32_t tc_filter(uint32_t ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = NP_TC_HANDLE, .priority = NP_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &o);

	if (err == -ENOENT || err == -EINVAL)
		return 0; /* no filter (-EINVAL: no clsact qdisc at all) */
	cr_assert(err == 0, "bpf_tc_query: %d", err);
	return o.prog_id;
}

static void expect_tc(uint32_t ifindex, enum bpf_tc_attach_point point, const char *name)
{
	uint32_t id = tc_filter(ifindex, point);

	cr_assert(id, "no clsact filter %x:%u on %u", NP_TC_HANDLE, NP_TC_PRIORITY, ifindex);
	cr_assert_str_eq(prog_info(id).name, name);
}

/* --- traffic ---------------------------------------------------------------------------------- */

/* n frames of FRAME_LEN bytes (local experimental ethertype: nothing answers) out of np_b; they
 * come in at np_a. */
static void send_frames(uint32_t n)
{
	struct np_frame f;

	np_frame_eth(&f, 0x88b5);
	memset(np_frame_put(&f, FRAME_LEN - ETH_HLEN), 0, FRAME_LEN - ETH_HLEN);
	np_test_send_raw(if_b, f.data, f.len, n);
}

static bool if_stat(struct loader *l, uint32_t ifindex, uint8_t dir, struct if_stat *out)
{
	struct if_stat *s = NULL;
	size_t n = 0;
	bool found = false;
	int err = loader__read_if_stats(l, &s, &n);

	cr_assert(err == 0, "loader__read_if_stats: %d", err);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (s[i].ifindex == ifindex && s[i].direction == dir) {
			*out = s[i];
			found = true;
		}
	}
	free(s);
	return found;
}

/* Waits until np_a ingress has counted want packets (the veth delivers through a backlog), then
 * a little longer so that an extra packet would show. */
static void expect_a_ingress(struct loader *l, uint64_t want)
{
	struct timespec tick = { .tv_nsec = 1000000 };
	struct if_stat s;

	for (int i = 0; i < 2000; i++) {
		if (if_stat(l, if_a, NP_DIR_INGRESS, &s) && s.packets >= want)
			break;
		nanosleep(&tick, NULL);
	}
	tick.tv_nsec = 20000000;
	nanosleep(&tick, NULL);
	if_stat(l, if_a, NP_DIR_INGRESS, &s);
	cr_expect_eq(s.packets, want, "np_a ingress: %llu packets, want %llu",
		     (unsigned long long)s.packets, (unsigned long long)want);
	cr_expect_eq(s.bytes, want * FRAME_LEN, "np_a ingress: %llu bytes",
		     (unsigned long long)s.bytes);
}

TestSuite(loader, .init = setup, .fini = teardown, .timeout = 30);

/* --- pins ------------------------------------------------------------------------------------- */

/* Every map is pinned by name; a second open re-uses the same maps (same ids), so a counter
 * survives close/open. */
Test(loader, pins_reused_across_close_open)
{
	struct np_if_key key = { .ifindex = 4242, .direction = NP_DIR_EGRESS };
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_value vals[ncpu];
	struct np_path_value np[NP_NODEPORT_MAX];
	uint32_t ids[N_PINNED];
	struct if_stat s;
	int fd;

	ld = open_loader(ATTACH_TCX, 1024);
	for (size_t i = 0; i < N_PINNED; i++)
		ids[i] = pin_info(pinned_maps[i]).id;

	/* A counter as the datapath would leave it: 5 packets on CPU 0, 2 on the last CPU. */
	memset(vals, 0, sizeof(vals));
	vals[0] = (struct np_if_value){ .packets = 5, .bytes = 500, .gso_segs = 5 };
	vals[ncpu - 1].packets += 2;
	vals[ncpu - 1].bytes += 200;
	vals[ncpu - 1].gso_segs += 2;
	fd = pin_fd("np_if_stats");
	cr_assert(bpf_map_update_elem(fd, &key, vals, BPF_NOEXIST) == 0);
	close(fd);

	loader__close(ld);
	ld = NULL;
	for (size_t i = 0; i < N_PINNED; i++)
		cr_expect_eq(pin_info(pinned_maps[i]).id, ids[i], "%s: pin gone after close",
			     pinned_maps[i]);

	ld = open_loader(ATTACH_TCX, 1024);
	for (size_t i = 0; i < N_PINNED; i++)
		cr_expect_eq(pin_info(pinned_maps[i]).id, ids[i], "%s was not re-used",
			     pinned_maps[i]);
	cr_assert(if_stat(ld, 4242, NP_DIR_EGRESS, &s), "counter lost across close/open");
	cr_expect_eq(s.packets, 7);
	cr_expect_eq(s.bytes, 700);
	cr_expect_eq(s.gso_segs, 7);
	cr_assert_eq(loader__read_nodeport(ld, np), 0);
}

/* A new --bpf.map-max-entries cannot re-use the old pins of the counter slots and hash: they are
 * replaced (counters restart, and the log says so), the other maps are kept. */
Test(loader, changed_capacity_replaces_pin)
{
	struct np_if_key key = { .ifindex = 4242, .direction = NP_DIR_INGRESS };
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_value vals[ncpu];
	uint32_t ids[N_PINNED], cap = 0;
	char log[8192];
	struct if_stat s;
	int fd;

	ld = open_loader(ATTACH_TCX, 1024);
	for (size_t i = 0; i < N_PINNED; i++)
		ids[i] = pin_info(pinned_maps[i]).id;
	memset(vals, 0, sizeof(vals));
	vals[0].packets = 1;
	fd = pin_fd("np_if_stats");
	cr_assert(bpf_map_update_elem(fd, &key, vals, BPF_NOEXIST) == 0);
	close(fd);
	loader__close(ld);

	ld = open_loader_logged(2048, log, sizeof(log));
	for (size_t i = 0; i < N_PINNED; i++) {
		bool resized = i <= 1; /* np_if_stats, np_if_slots */
		struct bpf_map_info info = pin_info(pinned_maps[i]);
		char want[256];

		if (resized) {
			/* np_if_slots: a region of 512, then 1024 slots per CPU */
			unsigned was = i ? 512 * (unsigned)ncpu : 128;
			unsigned now = i ? 1024 * (unsigned)ncpu : 256;

			cr_expect_neq(info.id, ids[i], "%s kept despite the new capacity",
				      pinned_maps[i]);
			cr_expect_eq(info.max_entries, now);
			snprintf(
			    want, sizeof(want),
			    "msg=\"pinned map has another layout or capacity; replacing it, its "
			    "counters restart from zero\" path=%s/%s max_entries=%u want=%u",
			    pin_dir, pinned_maps[i], was, now);
			cr_expect(strstr(log, want), "log lacks \"%s\"", want);
		} else {
			cr_expect_eq(info.id, ids[i], "%s replaced needlessly", pinned_maps[i]);
			snprintf(want, sizeof(want), "%s/%s has another", pin_dir, pinned_maps[i]);
			cr_expect(!strstr(log, want), "log mentions %s", pinned_maps[i]);
		}
	}
	/* slots and the hash for devices without */
	cr_assert_eq(loader__map_capacity(ld, "np_if_stats", &cap), 0);
	cr_expect_eq(cap, 2048 + 256);
	/* the path classes live in the same values: NP_PATH_MAX per entry */
	cr_assert_eq(loader__map_capacity(ld, "np_path_stats", &cap), 0);
	cr_expect_eq(cap, (2048 + 256) * NP_PATH_MAX);
	cr_expect(!if_stat(ld, 4242, NP_DIR_INGRESS, &s), "old counter in the new map");
}

/* --- CIDR tries ------------------------------------------------------------------------------- */

static struct cidr_entry cidr(const char *addr, uint8_t prefixlen, enum np_path path)
{
	struct cidr_entry e = { .prefixlen = prefixlen, .path = path };

	e.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	cr_assert(inet_pton(e.family, addr, e.addr) == 1);
	return e;
}

/* The tries (read through their pins) hold exactly the entries of want. */
static void expect_tries(const struct cidr_entry *want, size_t n)
{
	int fd4 = pin_fd("np_cidr4"), fd6 = pin_fd("np_cidr6");
	size_t n4 = 0, n6 = 0, w4 = 0, w6 = 0;
	struct np_cidr6_key k6[16];
	struct np_cidr4_key k4[16];

	n4 = np_test_keys(fd4, k4, sizeof(k4[0]), 16);
	n6 = np_test_keys(fd6, k6, sizeof(k6[0]), 16);
	for (size_t i = 0; i < n; i++) {
		struct np_cidr_value v = { .path = 99 };
		int err;

		if (want[i].family == AF_INET) {
			struct np_cidr4_key k = { .prefixlen = want[i].prefixlen };

			memcpy(k.addr, want[i].addr, 4);
			err = bpf_map_lookup_elem(fd4, &k, &v);
			w4++;
		} else {
			struct np_cidr6_key k = { .prefixlen = want[i].prefixlen };

			memcpy(k.addr, want[i].addr, 16);
			err = bpf_map_lookup_elem(fd6, &k, &v);
			w6++;
		}
		cr_expect(err == 0 && v.path == (uint32_t)want[i].path,
			  "entry %zu (/%u): err %d path %u, want %u", i, want[i].prefixlen, err,
			  v.path, want[i].path);
	}
	cr_expect_eq(n4, w4, "np_cidr4 has %zu entries, want %zu", n4, w4);
	cr_expect_eq(n6, w6, "np_cidr6 has %zu entries, want %zu", n6, w6);
	close(fd4);
	close(fd6);
}

Test(loader, set_cidrs_replaces_exactly)
{
	struct cidr_entry a[] = {
		cidr("10.244.0.0", 16, NP_PATH_CROSS_NODE),
		cidr("10.244.1.0", 24, NP_PATH_SAME_NODE),
		cidr("10.96.0.0", 12, NP_PATH_SERVICE),
		cidr("10.244.1.1", 32, NP_PATH_HOST),
		cidr("fd00:10:244::", 56, NP_PATH_CROSS_NODE),
		cidr("fd00:10:244:1::", 64, NP_PATH_SAME_NODE),
	};
	/* flanneld moved the node to another subnet; the service CIDR and the IPv6 cluster went;
	 * 10.244.0.0/16 stays with another class; a new host address. */
	struct cidr_entry b[] = {
		cidr("10.244.0.0", 16, NP_PATH_EXTERNAL),
		cidr("10.244.7.0", 24, NP_PATH_SAME_NODE),
		cidr("10.244.7.1", 32, NP_PATH_HOST),
		cidr("fd00:10:244:1::", 64, NP_PATH_SAME_NODE),
		cidr("fd00:10:244:7::1", 128, NP_PATH_HOST),
	};

	ld = open_loader(ATTACH_TCX, 1024);
	expect_tries(NULL, 0);
	cr_assert_eq(loader__set_cidrs(ld, a, 6), 0);
	expect_tries(a, 6);
	cr_assert_eq(loader__set_cidrs(ld, a, 6), 0); /* the same again: no change */
	expect_tries(a, 6);
	cr_assert_eq(loader__set_cidrs(ld, b, 5), 0);
	expect_tries(b, 5);
	cr_assert_eq(loader__set_cidrs(ld, NULL, 0), 0);
	expect_tries(NULL, 0);

	/* The tries are pinned: a restarted agent sees them until it pushes its own. */
	cr_assert_eq(loader__set_cidrs(ld, b, 5), 0);
	loader__close(ld);
	ld = open_loader(ATTACH_TCX, 1024);
	expect_tries(b, 5);
}

/* --- attach / detach -------------------------------------------------------------------------- */

Test(loader, tcx_attach_count_detach)
{
	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_assert_str_eq(loader__mode_name(ld), "tcx");
	cr_assert(loader__is_attached(ld, (int)if_a));
	expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_ingress");
	expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_egress");
	cr_expect_eq(tc_filter(if_a, BPF_TC_INGRESS), 0, "tcx mode installed a clsact filter");

	/* Idempotent: a second attach (resync) adds nothing. */
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_ingress");

	send_frames(25);
	expect_a_ingress(ld, 25);

	cr_assert_eq(loader__detach(ld, (int)if_a), 0);
	cr_assert(!loader__is_attached(ld, (int)if_a));
	expect_tcx_empty(if_a);
	send_frames(10);
	expect_a_ingress(ld, 25); /* nothing counted after the detach */
	cr_expect_eq(loader__detach(ld, (int)if_a), -ENOENT);
}

Test(loader, tc_attach_count_detach)
{
	ld = open_loader(ATTACH_TC, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_assert_str_eq(loader__mode_name(ld), "tc");
	expect_tc(if_a, BPF_TC_INGRESS, "np_ingress");
	expect_tc(if_a, BPF_TC_EGRESS, "np_egress");
	expect_tcx_empty(if_a);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);

	send_frames(25);
	expect_a_ingress(ld, 25);

	cr_assert_eq(loader__detach(ld, (int)if_a), 0);
	cr_expect_eq(tc_filter(if_a, BPF_TC_INGRESS), 0, "filter left after detach");
	cr_expect_eq(tc_filter(if_a, BPF_TC_EGRESS), 0, "filter left after detach");
	send_frames(10);
	expect_a_ingress(ld, 25);
}

/* Another tool's clsact filter on the same hook (tests/bpf/progs/peer.bpf.c at pref 49152, in a
 * clsact qdisc the other tool created) survives our attach, role change and detach, and the qdisc
 * stays: the loader removes only its own handle and never deletes a clsact qdisc. */
Test(loader, tc_leaves_other_filters_alone)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_a, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = 1, .priority = 49152);
	struct peer_bpf *peer = peer_bpf__open_and_load();

	cr_assert(peer);
	o.prog_fd = bpf_program__fd(peer->progs.peer_count);
	cr_assert_eq(bpf_tc_hook_create(&hook), 0);
	cr_assert_eq(bpf_tc_attach(&hook, &o), 0);

	ld = open_loader(ATTACH_TC, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_POD), 0);
	send_frames(6);
	expect_a_ingress(ld, 6);
	cr_assert_eq(loader__detach(ld, (int)if_a), 0);
	loader__close(ld);
	ld = NULL;

	np_test_sh("test $(tc filter show dev np_a ingress | grep -c 'handle') -eq 1");
	np_test_sh("tc filter show dev np_a ingress | grep -q 'pref 49152 .*peer_count'");
	np_test_sh("tc qdisc show dev np_a | grep -q clsact");
	/* and it still sees every frame, after ours (TC_ACT_UNSPEC went on to it) */
	send_frames(4);
	for (int i = 0; i < 2000 && peer->bss->peer_packets < 10; i++)
		usleep(1000);
	cr_expect_eq(peer->bss->peer_packets, 10);
	peer_bpf__destroy(peer);
}

/* ROLE_PLAIN -> ROLE_POD -> ROLE_NODE swaps the programs in place: the same tcx link (updated,
 * never detached), one program per hook at every step. */
Test(loader, role_change_tcx_in_place)
{
	uint32_t p_in, p_eg, l_in, l_eg;

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	p_in = expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_ingress");
	p_eg = expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_egress");
	l_in = tcx_link_of(p_in);
	l_eg = tcx_link_of(p_eg);

	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_POD), 0);
	p_in = expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_pod_ingress");
	p_eg = expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_pod_egress");
	cr_expect_eq(link_prog(l_in), p_in, "ingress link replaced instead of updated");
	cr_expect_eq(link_prog(l_eg), p_eg, "egress link replaced instead of updated");

	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_NODE), 0);
	p_in = expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_node_ingress");
	p_eg = expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_node_egress");
	cr_expect_eq(link_prog(l_in), p_in);
	cr_expect_eq(link_prog(l_eg), p_eg);

	/* Counting goes on through the swaps. */
	send_frames(12);
	expect_a_ingress(ld, 12);
}

Test(loader, role_change_tc_in_place)
{
	ld = open_loader(ATTACH_TC, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	expect_tc(if_a, BPF_TC_INGRESS, "np_ingress");
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_POD), 0);
	expect_tc(if_a, BPF_TC_INGRESS, "np_pod_ingress");
	expect_tc(if_a, BPF_TC_EGRESS, "np_pod_egress");
	/* tc prints a chain line and a filter line per filter: one filter, ours, replaced. */
	np_test_sh("test $(tc filter show dev np_a ingress | grep -c 'handle') -eq 1");
	np_test_sh("tc filter show dev np_a ingress | grep -q 'handle 0x6e70 .*np_pod_ingress'");
	send_frames(12);
	expect_a_ingress(ld, 12);
}

/* An interface that vanished between the event and the attach. */
static void attach_vanished(enum attach_mode mode, int want)
{
	int gone, err;

	np_test_sh("ip link add name np_gone type veth peer name np_gone_peer");
	gone = (int)if_nametoindex("np_gone");
	cr_assert(gone > 0);
	np_test_sh("ip link del np_gone"); /* takes the peer along */
	ld = open_loader(mode, 1024);
	err = loader__attach(ld, gone, "np_gone", ROLE_POD);
	cr_expect_eq(err, want, "attach to a vanished ifindex in mode %d: %d (%s), want %d", mode,
		     err, strerror(-err), want);
	cr_expect(!loader__is_attached(ld, gone), "failed attach left state");
	/* The loader still works for live interfaces afterwards. */
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	send_frames(3);
	expect_a_ingress(ld, 3);
}

Test(loader, attach_vanished_tcx)
{
	attach_vanished(ATTACH_TCX, -ENODEV);
}

Test(loader, attach_vanished_tc)
{
	attach_vanished(ATTACH_TC, -ENODEV);
}

Test(loader, attach_vanished_auto)
{
	attach_vanished(ATTACH_AUTO, -ENODEV);
	cr_expect_str_eq(loader__mode_name(ld), "tcx");
}

/* loader__close leaves the hooks counting (tcx links pinned under <pin>/links, clsact filters)
 * and the pins; the next loader takes the same links over with its own programs (same link ids,
 * no second program on the hook), and counts on. */
Test(loader, close_keeps_hooks_reopen_adopts)
{
	np_test_sh("ip link add name np_c type veth peer name np_d");
	uint32_t if_c = if_nametoindex("np_c");
	uint32_t link_in, link_eg, prog_in;
	char path[160];

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_POD), 0);
	cr_assert_eq(loader__attach(ld, (int)if_b, "np_b", ROLE_NODE), 0);
	prog_in = expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_pod_ingress");
	link_in = tcx_link_of(prog_in);
	link_eg = tcx_link_of(expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_pod_egress"));
	snprintf(path, sizeof(path), "%s/links/%u_np_a_ingress", pin_dir, if_a);
	cr_expect_eq(access(path, F_OK), 0, "%s not pinned", path);
	loader__close(ld);
	ld = NULL;
	expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_pod_ingress");
	expect_tcx(if_b, NP_BPF_TCX_EGRESS, "np_node_egress");
	send_frames(7); /* counted with no loader open */

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_expect_neq(expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_ingress"), prog_in);
	cr_expect_eq(link_prog(link_in), expect_tcx(if_a, NP_BPF_TCX_INGRESS, "np_ingress"),
		     "the pinned ingress link was not taken over");
	cr_expect_eq(link_prog(link_eg), expect_tcx(if_a, NP_BPF_TCX_EGRESS, "np_egress"));
	expect_a_ingress(ld, 7);
	send_frames(5);
	expect_a_ingress(ld, 12);
	/* np_b was not claimed: the first purge (after the first full resync) unhooks it. */
	size_t removed = 0;
	int live[2] = { (int)if_a, (int)if_b };

	cr_assert_eq(loader__purge_except(ld, live, 2, &removed), 0);
	expect_tcx_empty(if_b);
	cr_assert_eq(loader__detach(ld, (int)if_a), 0);
	expect_tcx_empty(if_a);
	cr_expect_neq(access(path, F_OK), 0, "%s left after detach", path);
	loader__close(ld);
	ld = NULL;

	ld = open_loader(ATTACH_TC, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_c, "np_c", ROLE_POD), 0);
	loader__close(ld);
	ld = NULL;
	expect_tc(if_c, BPF_TC_INGRESS, "np_pod_ingress");
	expect_tc(if_c, BPF_TC_EGRESS, "np_pod_egress");
	for (size_t i = 0; i < N_PINNED; i++)
		close(pin_fd(pinned_maps[i]));
}

/* An agent killed in tc mode leaves its clsact filters (they outlive the process). The next
 * agent in tcx mode removes them when it attaches, or every packet would count twice. */
Test(loader, stale_tc_filters_of_a_killed_agent)
{
	pid_t pid = fork();
	int status;

	cr_assert(pid >= 0);
	if (pid == 0) {
		struct loader_opts o = { .pin_path = pin_dir,
					 .max_entries = 1024,
					 .mode = ATTACH_TC };
		struct loader *l = NULL;

		if (loader__open(&o, &l) || loader__attach(l, (int)if_a, "np_a", ROLE_PLAIN))
			_exit(1);
		_exit(0); /* as after kill -9: no loader__close */
	}
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child agent failed");
	expect_tc(if_a, BPF_TC_INGRESS, "np_ingress");

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_expect_eq(tc_filter(if_a, BPF_TC_INGRESS), 0, "stale ingress filter kept");
	cr_expect_eq(tc_filter(if_a, BPF_TC_EGRESS), 0, "stale egress filter kept");
	send_frames(20);
	expect_a_ingress(ld, 20); /* once, not twice */
}

/* Path and NodePort counters read back through the loader's batch reads, and program run
 * statistics (bpf_enable_stats held by the loader) count each run. */
Test(loader, reads_and_prog_stats)
{
	struct cidr_entry c[] = { cidr("10.244.0.0", 16, NP_PATH_CROSS_NODE) };
	struct prog_stat ps[8];
	struct path_stat *p = NULL;
	struct np_path_value np[NP_NODEPORT_MAX];
	struct np_frame f;
	size_t n = 8;
	uint64_t runs = 0;

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__set_cidrs(ld, c, 1), 0);
	cr_assert_eq(loader__attach(ld, (int)if_b, "np_b", ROLE_POD), 0);  /* egress: pod rx */
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_NODE), 0); /* ingress: NodePort */

	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_UDP, "10.244.2.9", "10.244.2.10", 8 + 18, 0, 0);
	np_frame_udp(&f, 45000, 31000, 18);
	cr_assert_eq(f.len, FRAME_LEN);
	np_test_send_raw(if_b, f.data, f.len, 9);
	expect_a_ingress(ld, 9);

	cr_assert_eq(loader__read_path_stats(ld, &p, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(p[0].ifindex, if_b);
	cr_expect_eq(p[0].direction, NP_DIR_EGRESS);
	cr_expect_eq(p[0].path, NP_PATH_CROSS_NODE);
	cr_expect_eq(p[0].packets, 9);
	cr_expect_eq(p[0].bytes, 9 * FRAME_LEN);
	free(p);
	cr_assert_eq(loader__read_nodeport(ld, np), 0);
	cr_expect_eq(np[NP_NODEPORT_UDP].packets, 9);
	cr_expect_eq(np[NP_NODEPORT_UDP].bytes, 9 * FRAME_LEN);
	cr_expect_eq(np[NP_NODEPORT_TCP].packets, 0);

	n = 8;
	cr_assert_eq(loader__prog_stats(ld, ps, &n), 0);
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		uint64_t want = strcmp(ps[i].name, "np_pod_egress") == 0 ||
					strcmp(ps[i].name, "np_node_ingress") == 0
				    ? 9
				    : 0;

		cr_expect_eq(ps[i].run_cnt, want, "%s ran %llu times, want %llu", ps[i].name,
			     (unsigned long long)ps[i].run_cnt, (unsigned long long)want);
		cr_expect(!want || ps[i].run_time_ns > 0, "%s: no run time", ps[i].name);
		runs += ps[i].run_cnt;
	}
	cr_expect_eq(runs, 18);
}

/* Scrapes read the counter hashes in batches of 256 keys: 1000 entries (4 batches, the last one
 * partial) come back exactly once each, summed over CPUs. */
Test(loader, batch_read_many_entries)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_value vals[ncpu];
	struct if_stat *s = NULL;
	size_t n = 0;
	uint8_t seen[1000] = { 0 };
	int fd;

	ld = open_loader(ATTACH_TCX, 8192); /* np_if_stats: 1024 */
	fd = pin_fd("np_if_stats");
	for (uint32_t i = 0; i < 1000; i++) {
		struct np_if_key key = { .ifindex = 100000 + i / 2, .direction = (uint8_t)(i % 2) };

		memset(vals, 0, sizeof(vals));
		vals[0] = (struct np_if_value){ .packets = i, .bytes = 10 * i, .gso_segs = i };
		vals[ncpu - 1].packets += 1;
		cr_assert(bpf_map_update_elem(fd, &key, vals, BPF_NOEXIST) == 0);
	}
	close(fd);

	cr_assert_eq(loader__read_if_stats(ld, &s, &n), 0);
	cr_assert_eq(n, 1000);
	for (size_t j = 0; j < n; j++) {
		uint32_t i = (s[j].ifindex - 100000) * 2 + s[j].direction;

		cr_assert(s[j].ifindex >= 100000 && i < 1000, "unexpected key %u", s[j].ifindex);
		cr_expect_eq(seen[i]++, 0, "entry %u read twice", i);
		cr_expect_eq(s[j].packets, i + 1);
		cr_expect_eq(s[j].bytes, 10 * i);
		cr_expect_eq(s[j].gso_segs, i);
	}
	free(s);
}

/* A deleted interface's ifindex is reused by the kernel: loader__forget drops its counters (both
 * directions, every path class, VXLAN) and nothing else. */
Test(loader, forget_drops_only_that_interface)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_value vals[ncpu];
	struct path_stat *p = NULL;
	struct vxlan_stat *vx = NULL;
	struct if_stat s;
	size_t n = 0;
	int fd_if;

	ld = open_loader(ATTACH_TCX, 1024);
	memset(vals, 0, sizeof(vals));
	vals[0].packets = 1;
	for (int path = 0; path < NP_PATH_MAX; path++)
		vals[0].path[path].packets = 1;
	vals[0].vxlan.packets = 1;
	fd_if = pin_fd("np_if_stats");
	for (uint32_t ifi = 7; ifi <= 8; ifi++) {
		for (uint8_t dir = 0; dir < NP_DIR_MAX; dir++) {
			struct np_if_key k = { .ifindex = ifi, .direction = dir };

			cr_assert(bpf_map_update_elem(fd_if, &k, vals, BPF_NOEXIST) == 0);
		}
	}
	close(fd_if);

	loader__forget(ld, 7);
	cr_expect(!if_stat(ld, 7, NP_DIR_INGRESS, &s));
	cr_expect(!if_stat(ld, 7, NP_DIR_EGRESS, &s));
	cr_expect(if_stat(ld, 8, NP_DIR_INGRESS, &s));
	cr_expect(if_stat(ld, 8, NP_DIR_EGRESS, &s));
	cr_assert_eq(loader__read_path_stats(ld, &p, &n), 0);
	cr_expect_eq(n, NP_DIR_MAX * NP_PATH_MAX);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(p[i].ifindex, 8);
	free(p);
	cr_assert_eq(loader__read_vxlan_stats(ld, &vx, &n), 0);
	cr_expect_eq(n, NP_DIR_MAX);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(vx[i].ifindex, 8);
	free(vx);
}

/* --- counter slots ---------------------------------------------------------------------------- */

/* ifindex's slot in CPU 0's region of np_if_slots (where the programs look: its probes), or -1. */
static int64_t find_slot(uint32_t ifindex, uint32_t count)
{
	int fd = pin_fd("np_if_slots");
	int64_t found = -1;

	for (uint32_t p = 0; p < NP_IF_SLOT_PROBES && found < 0; p++) {
		uint32_t at = (ifindex + p) & (count - 1);
		struct np_if_slot_value v;

		cr_assert(bpf_map_lookup_elem(fd, &at, &v) == 0);
		if (v.ifindex == ifindex)
			found = at;
	}
	close(fd);
	return found;
}

/* Packets of {ifindex, dir} in the hash np_if_stats, 0 when it has no such key. */
static uint64_t hash_packets(uint32_t ifindex, uint8_t dir)
{
	struct np_if_value sum;
	int fd = pin_fd("np_if_stats");
	int err = np_test_if_sum(fd, ifindex, dir, &sum);

	close(fd);
	return err ? 0 : sum.packets;
}

/* Packets of one direction of slot pos summed over the CPU regions; every region's copy must
 * carry the label. */
static uint64_t slot_packets(uint32_t pos, uint32_t count, uint32_t ifindex, uint8_t dir)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = pin_fd("np_if_slots");
	uint64_t sum = 0;

	for (int c = 0; c < ncpu; c++) {
		uint32_t key = (uint32_t)c * count + pos;
		struct np_if_slot_value v;

		cr_assert(bpf_map_lookup_elem(fd, &key, &v) == 0);
		cr_expect_eq(v.ifindex, ifindex, "slot %u cpu %d: label %u", pos, c, v.ifindex);
		sum += v.stats[dir].packets;
	}
	close(fd);
	return sum;
}

/* Writes a label into CPU 0's region, as an earlier agent would have left it. */
static void put_label(uint32_t pos, uint32_t ifindex)
{
	struct np_if_slot_value v = { .ifindex = ifindex };
	int fd = pin_fd("np_if_slots");

	cr_assert(bpf_map_update_elem(fd, &pos, &v, BPF_ANY) == 0);
	close(fd);
}

/* An attached device gets a slot labelled with it in every CPU's region, at its ifindex, and its
 * packets count there, not in the hash. */
Test(loader, attach_counts_in_slots)
{
	uint32_t count = if_slots__count(1024);
	int64_t pos;

	cr_assert_eq(count, 512);
	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_POD), 0);
	pos = find_slot(if_a, count);
	cr_assert_eq(pos, if_a & (count - 1), "np_a has no slot at its ifindex");
	send_frames(9);
	expect_a_ingress(ld, 9);
	cr_expect_eq(slot_packets((uint32_t)pos, count, if_a, NP_DIR_INGRESS), 9);
	cr_expect_eq(slot_packets((uint32_t)pos, count, if_a, NP_DIR_EGRESS), 0);
	cr_expect_eq(hash_packets(if_a, NP_DIR_INGRESS), 0, "counted in np_if_stats");
}

/* Counts an earlier agent without slots left in the hash add to the slot's: one item. */
Test(loader, hash_and_slot_counts_add_up)
{
	int ncpu = libbpf_num_possible_cpus();
	struct np_if_key key = { .ifindex = if_a, .direction = NP_DIR_INGRESS };
	struct np_if_value vals[ncpu];
	struct if_stat *s = NULL;
	size_t n = 0, items = 0;
	int fd;

	ld = open_loader(ATTACH_TCX, 1024);
	memset(vals, 0, sizeof(vals));
	vals[0].packets = 100;
	vals[0].bytes = 100 * FRAME_LEN;
	fd = pin_fd("np_if_stats");
	cr_assert(bpf_map_update_elem(fd, &key, vals, BPF_NOEXIST) == 0);
	close(fd);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	send_frames(4);
	expect_a_ingress(ld, 104);
	cr_assert_eq(loader__read_if_stats(ld, &s, &n), 0);
	for (size_t i = 0; i < n; i++)
		items += s[i].ifindex == if_a && s[i].direction == NP_DIR_INGRESS;
	free(s);
	cr_expect_eq(items, 1);
}

/* A restarted agent keeps the labelled slots (their counts go on) and clears a label where the
 * programs cannot find it. */
Test(loader, reopen_keeps_slots_drops_stale_labels)
{
	uint32_t count = if_slots__count(1024), stale;
	char log[8192];
	int64_t pos;

	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	pos = find_slot(if_a, count);
	cr_assert(pos >= 0);
	send_frames(3);
	expect_a_ingress(ld, 3);
	loader__close(ld);
	ld = NULL;

	stale = (if_a + NP_IF_SLOT_PROBES + 5) & (count - 1); /* beyond np_a's probes */
	put_label(stale, if_a);
	ld = open_loader_logged(1024, log, sizeof(log));
	cr_expect(strstr(log, "msg=\"counter slots of an earlier agent\" kept=1 dropped=1"),
		  "log: %s", log);
	cr_expect_eq(find_slot(if_a, count), pos);
	cr_expect_eq(slot_packets(stale, count, 0, NP_DIR_INGRESS), 0, "stale label kept");
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	send_frames(2);
	expect_a_ingress(ld, 5);
}

/* With every probe of a device taken, it counts in the hash; exact either way. Forgetting a
 * device frees its slot and its counters; a purge frees the slots of devices that went away. */
Test(loader, no_free_slot_counts_in_hash)
{
	struct if_stat s;
	size_t removed = 0;
	int live[1];

	ld = open_loader(ATTACH_TCX, 2); /* one slot */
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_assert_eq(loader__attach(ld, (int)if_b, "np_b", ROLE_PLAIN), 0);
	cr_expect_eq(find_slot(if_a, 1), 0);
	cr_expect_eq(find_slot(if_b, 1), -1, "np_b has a slot without a free one");
	send_frames(6);
	expect_a_ingress(ld, 6);
	cr_expect(if_stat(ld, if_b, NP_DIR_EGRESS, &s));
	cr_expect_eq(s.packets, 6);
	cr_expect_eq(hash_packets(if_b, NP_DIR_EGRESS), 6);
	cr_expect_eq(hash_packets(if_a, NP_DIR_INGRESS), 0);

	live[0] = (int)if_b;
	cr_assert_eq(loader__purge_except(ld, live, 1, &removed), 0);
	cr_expect_eq(removed, 2);
	cr_expect_eq(find_slot(if_a, 1), -1, "purged np_a keeps its slot");
	cr_expect(!if_stat(ld, if_a, NP_DIR_INGRESS, &s), "purged np_a still reported");
	loader__forget(ld, (int)if_b);
	cr_expect(!if_stat(ld, if_b, NP_DIR_EGRESS, &s), "forgotten np_b still reported");
}

/* All probes of a device's ifindex labelled by others an earlier agent kept (ifindexes with the
 * same remainder): it counts in the hash. */
Test(loader, probes_taken_counts_in_hash)
{
	uint32_t count = if_slots__count(1024);
	char log[8192];

	ld = open_loader(ATTACH_TCX, 1024);
	loader__close(ld);
	ld = NULL;
	for (uint32_t p = 0; p < NP_IF_SLOT_PROBES; p++)
		put_label((if_a + p) & (count - 1), if_a + p + count);
	ld = open_loader_logged(1024, log, sizeof(log));
	cr_expect(strstr(log, "kept=4 dropped=0"), "log: %s", log);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	cr_expect_eq(find_slot(if_a, count), -1);
	send_frames(5);
	expect_a_ingress(ld, 5);
	cr_expect_eq(hash_packets(if_a, NP_DIR_INGRESS), 5);
}

struct slot_seen {
	uint32_t n;
	uint8_t seen[1200];
	bool bad;
};

static int collect_slot(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	const struct np_if_key *k = key;
	struct slot_seen *c = ctx;
	uint32_t i = (k->ifindex - 1000) * 2 + k->direction;
	uint64_t packets = 0;

	for (int cpu = 0; cpu < ncpus; cpu++)
		packets +=
		    ((const struct np_if_value *)((const char *)vals + cpu * stride))->packets;
	if (k->ifindex < 1000 || i >= 1200 || c->seen[i]++ || packets != i + 1)
		c->bad = true;
	c->n++;
	return 0;
}

/* Scrapes read each CPU's region in batches of 256: 1200 counters of 600 devices (several
 * batches per region, the last one partial) come back exactly once each, with their own counts
 * summed over CPUs. */
Test(loader, slots_read_in_batches)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t count = if_slots__count(2048);
	struct slot_seen seen = { 0 };
	struct if_slots s;
	int fd;

	ld = open_loader(ATTACH_TCX, 2048);
	fd = pin_fd("np_if_slots");
	cr_assert_eq(if_slots__init(&s, fd, ncpu, count), 0);
	for (uint32_t ifi = 1000; ifi < 1600; ifi++)
		cr_assert_eq(if_slots__claim(&s, ifi), 0, "claim %u", ifi);
	cr_assert_eq(if_slots__used(&s), 600);
	for (uint32_t ifi = 1000; ifi < 1600; ifi++) {
		for (int c = 0; c < ncpu; c++) {
			uint32_t key = (uint32_t)c * count + (ifi & (count - 1));
			struct np_if_slot_value v;

			cr_assert(bpf_map_lookup_elem(fd, &key, &v) == 0);
			cr_assert_eq(v.ifindex, ifi);
			/* i + 1 packets for counter i, split over the first and the last CPU */
			for (int d = 0; d < NP_DIR_MAX; d++)
				v.stats[d].packets = c == 0 ? 1
						     : c == ncpu - 1
							 ? (ifi - 1000) * 2 + (uint32_t)d
							 : 0;
			if (ncpu == 1)
				for (int d = 0; d < NP_DIR_MAX; d++)
					v.stats[d].packets = (ifi - 1000) * 2 + (uint32_t)d + 1;
			cr_assert(bpf_map_update_elem(fd, &key, &v, BPF_ANY) == 0);
		}
	}
	cr_assert_eq(if_slots__read(&s, collect_slot, &seen), 0);
	cr_expect_eq(seen.n, 1200);
	cr_expect(!seen.bad, "a counter read twice, out of range or with another's counts");
	if_slots__free(&s);
	close(fd);
}

/* Pins of the maps earlier agents had (np_path_stats, np_vxlan_stats: their counters now share
 * the interface counters' value; np_if_index: where a device's slots were; np_config: the
 * settings now fixed in the programs) and np_if_stats of the old, smaller value: a newer agent
 * starts over them, removes the retired pins, replaces np_if_stats (its counters restart) and
 * logs each. */
Test(loader, older_agents_pins_are_replaced)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	static const char *const retired[] = { "np_path_stats", "np_vxlan_stats", "np_if_index",
					       "np_config" };
	static const char *const why[] = {
		"its counters are now kept with the interface counters and restart from zero",
		"its counters are now kept with the interface counters and restart from zero",
		"counter slots are found by ifindex now",
		"the VXLAN port and NodePort range are fixed in the programs at load",
	};
	char path[256], log[8192], want[512];
	struct if_stat *s = NULL;
	size_t n = 0;
	int fd;

	np_test_sh("mkdir -p %s", pin_dir);
	for (size_t i = 0; i < 4; i++) {
		fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, retired[i], 8, 16, 64, &mo);
		cr_assert(fd >= 0, "create %s: %s", retired[i], strerror(errno));
		snprintf(path, sizeof(path), "%s/%s", pin_dir, retired[i]);
		cr_assert(bpf_obj_pin(fd, path) == 0, "pin %s: %s", path, strerror(errno));
		close(fd);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "np_if_stats", 8, 24, 1024, &mo);
	cr_assert(fd >= 0);
	snprintf(path, sizeof(path), "%s/np_if_stats", pin_dir);
	cr_assert(bpf_obj_pin(fd, path) == 0, "pin %s: %s", path, strerror(errno));
	close(fd);

	ld = open_loader_logged(1024, log, sizeof(log));
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, retired[i]);
		cr_expect(access(path, F_OK) != 0, "%s still pinned", path);
		snprintf(want, sizeof(want),
			 "msg=\"removed a pinned map of an earlier agent\" path=%s why=\"%s\"",
			 path, why[i]);
		cr_expect(strstr(log, want), "log lacks \"%s\"", want);
	}
	cr_expect_eq(pin_info("np_if_stats").value_size, sizeof(struct np_if_value));
	snprintf(want, sizeof(want),
		 "has another layout or capacity; replacing it, its counters "
		 "restart from zero\" path=%s/np_if_stats ",
		 pin_dir);
	cr_expect(strstr(log, want), "log lacks \"%s\"", want);
	cr_assert_eq(loader__read_if_stats(ld, &s, &n), 0);
	cr_expect_eq(n, 0);
	free(s);
}

/* tcx: the counters go to the head of the chain. Another tool's tcx program attached earlier
 * that ends the chain (peer returns TC_ACT_OK) must not hide packets from them. */
Test(loader, tcx_attach_prepends)
{
	struct peer_bpf *peer = peer_bpf__open_and_load();
	int peer_link;

	cr_assert(peer);
	peer_link = np_test_tcx_attach(peer->progs.peer_count, if_a, 46 /* BPF_TCX_INGRESS */);
	cr_assert(peer_link >= 0, "peer tcx attach: %d", peer_link);
	ld = open_loader(ATTACH_TCX, 1024);
	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), 0);
	send_frames(15);
	expect_a_ingress(ld, 15);
	for (int i = 0; i < 2000 && peer->bss->peer_packets < 15; i++)
		usleep(1000);
	cr_expect_eq(peer->bss->peer_packets, 15, "peer after us saw %llu",
		     (unsigned long long)peer->bss->peer_packets);
	close(peer_link);
	peer_bpf__destroy(peer);
}

/* A filter of another tool at our clsact handle and priority is neither replaced nor
 * deleted: the attach fails for that interface (and is reported), the filter keeps running. */
Test(loader, foreign_filter_at_our_handle_is_kept)
{
	struct peer_bpf *peer = peer_bpf__open_and_load();
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_a, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = NP_TC_HANDLE, .priority = NP_TC_PRIORITY);

	cr_assert(peer);
	o.prog_fd = bpf_program__fd(peer->progs.peer_count);
	cr_assert(bpf_tc_hook_create(&hook) == 0 || errno == EEXIST);
	cr_assert_eq(bpf_tc_attach(&hook, &o), 0);
	ld = open_loader(ATTACH_TC, 1024);
	cr_expect_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_PLAIN), -EEXIST);
	cr_expect_not(loader__is_attached(ld, (int)if_a));
	np_test_sh("tc filter show dev np_a ingress | grep -q 'handle 0x6e70 peer_count'");
	loader__close(ld);
	ld = NULL;
	np_test_sh("tc filter show dev np_a ingress | grep -q 'handle 0x6e70 peer_count'");
	peer_bpf__destroy(peer);
}

static bool vxlan_stat(struct loader *l, uint32_t ifindex, uint8_t dir, struct vxlan_stat *out)
{
	struct vxlan_stat *s = NULL;
	size_t n = 0;
	bool found = false;
	int err = loader__read_vxlan_stats(l, &s, &n);

	cr_assert(err == 0, "loader__read_vxlan_stats: %d", err);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		cr_expect(s[i].ifindex == ifindex, "VXLAN counted on ifindex %u", s[i].ifindex);
		if (s[i].ifindex == ifindex && s[i].direction == dir) {
			*out = s[i];
			found = true;
		}
	}
	free(s);
	return found;
}

/* The VXLAN port and NodePort range of loader_opts are what the programs count with: a node
 * device counts outer VXLAN frames to that port it receives and transmits, through real veth
 * traffic, and nothing else (not the default port, not a NodePort outside the range). */
Test(loader, vxlan_port_and_nodeport_range_from_opts)
{
	struct loader_opts o = { .pin_path = pin_dir,
				 .max_entries = 1024,
				 .mode = ATTACH_TCX,
				 .vxlan_port = 4789,
				 .nodeport_min = 30001,
				 .nodeport_max = 30002 };
	struct timespec tick = { .tv_nsec = 1000000 };
	struct np_path_value np[NP_NODEPORT_MAX];
	struct vxlan_stat s;
	struct np_frame f;
	uint32_t len;

	cr_assert_eq(loader__open(&o, &ld), 0);

	cr_assert_eq(loader__attach(ld, (int)if_a, "np_a", ROLE_NODE), 0);
	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_UDP, "192.168.50.3", "192.168.50.2", 8 + 8 + 64, 0, 0);
	np_frame_udp(&f, 40000, 4789, 8 + 64);
	len = f.len;
	np_test_send_raw(if_b, f.data, f.len, 7); /* np_a receives */
	np_test_send_raw(if_a, f.data, f.len, 3); /* np_a transmits */
	np_frame_eth(&f, ETHERTYPE_IP);
	np_frame_ipv4(&f, IPPROTO_UDP, "192.168.50.3", "192.168.50.2", 8 + 64, 0, 0);
	np_frame_udp(&f, 40000, 8472, 64); /* the old port: not VXLAN any more */
	np_test_send_raw(if_b, f.data, f.len, 5);

	for (int i = 0; i < 2000; i++) {
		if (vxlan_stat(ld, if_a, NP_DIR_INGRESS, &s) && s.packets >= 7)
			break;
		nanosleep(&tick, NULL);
	}
	tick.tv_nsec = 20000000;
	nanosleep(&tick, NULL);
	cr_assert(vxlan_stat(ld, if_a, NP_DIR_INGRESS, &s));
	cr_expect_eq(s.packets, 7);
	cr_expect_eq(s.bytes, 7 * len);
	cr_assert(vxlan_stat(ld, if_a, NP_DIR_EGRESS, &s));
	cr_expect_eq(s.packets, 3);
	cr_expect_eq(s.bytes, 3 * len);
	/* Ports 4789 and 8472 are outside 30001-30002. */
	cr_assert_eq(loader__read_nodeport(ld, np), 0);
	cr_expect_eq(np[NP_NODEPORT_UDP].packets, 0);
}
