// SPDX-License-Identifier: Apache-2.0
/* Drop counters: the kernel's reason names from BTF, and drops.bpf.c through the loader's drops
 * API on real traffic. tp_btf programs cannot be test-run, so the test makes two anonymous
 * network namespaces joined by a veth and has the kernel drop datagrams to closed UDP ports:
 * exact NO_SOCKET counts for the receiving namespace and device, none for a namespace outside
 * the allowed set, none for datagrams delivered normally (consumed). The tracepoint fires for
 * every namespace on the machine, so parallel runs of anything stay out by their namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "loader_drops.h"

#define ADDR_A "10.99.0.1"
#define ADDR_B "10.99.0.2"
#define MAC_A "02:00:00:99:00:01"
#define MAC_B "02:00:00:99:00:02"
#define CLOSED_PORT 9 /* discard: nothing listens in a fresh namespace */
#define OPEN_PORT 7777

/* --- reason names ---------------------------------------------------------------------------- */

Test(drop_reasons, running_kernel_has_the_reasons_the_tests_need)
{
	struct drop_reasons *r = NULL;
	uint32_t v = 0;
	char buf[16];
	int err = drop_reasons__load(&r, NULL);

	cr_assert(err == 0, "drop_reasons__load: %d (no kernel BTF?)", err);
	cr_expect_gt(drop_reasons__count(r), 50, "only %zu reasons", drop_reasons__count(r));
	cr_expect(drop_reasons__value(r, "NO_SOCKET", &v) == 0, "NO_SOCKET missing");
	cr_expect_str_eq(drop_reasons__name(r, v, buf, sizeof(buf)), "NO_SOCKET");
	cr_expect(drop_reasons__value(r, "NETFILTER_DROP", &v) == 0, "NETFILTER_DROP missing");
	cr_expect(drop_reasons__value(r, "PKT_TOO_BIG", &v) == 0, "PKT_TOO_BIG missing");
	cr_expect(drop_reasons__value(r, "NOT_SPECIFIED", &v) == 0, "NOT_SPECIFIED missing");
	cr_expect(drop_reasons__value(r, "NOT_DROPPED_YET", &v) == 0 && v == 0);
	cr_expect(drop_reasons__value(r, "CONSUMED", &v) == 0 && v == 1);
	cr_expect(drop_reasons__value(r, "SKB_DROP_REASON_NO_SOCKET", &v) == -ENOENT,
		  "prefix not stripped");
	cr_expect_str_eq(drop_reasons__name(r, 0xfffffff0u, buf, sizeof(buf)), "4294967280");
	drop_reasons__free(r);
}

/* --- counting ------------------------------------------------------------------------------ */

static char bpffs[64];
static char pin_dir[96];
static bool mounted;
static struct drops *d;
static int fd_a = -1, fd_b = -1; /* the two namespaces */
static uint32_t ino_a, ino_b, if_b, if_a;

static void enter(int ns_fd)
{
	cr_assert(setns(ns_fd, CLONE_NEWNET) == 0, "setns: %s", strerror(errno));
}

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert(write(fd, value, strlen(value)) == (ssize_t)strlen(value));
	close(fd);
}

static uint32_t ns_inode(int fd)
{
	struct stat st;

	cr_assert(fstat(fd, &st) == 0);
	return (uint32_t)st.st_ino;
}

static void drops_setup(void)
{
	char path[64];
	uint32_t ino = 0;

	np_test_private_netns(); /* namespace A, IPv6 off */
	fd_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert(fd_a >= 0);
	cr_assert(unshare(CLONE_NEWNET) == 0, "unshare B: %s", strerror(errno));
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	fd_b = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert(fd_b >= 0);
	ino_a = ns_inode(fd_a);
	ino_b = ns_inode(fd_b);
	cr_assert_neq(ino_a, ino_b);
	cr_assert(drops__netns_inode("/proc/self/ns/net", &ino) == 0 && ino == ino_b,
		  "drops__netns_inode disagrees with fstat");

	/* In B: the veth, its peer moved to A by our fd of A. Neighbours pinned: no ARP. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", getpid(), fd_a);
	np_test_sh("ip link add dr_b address " MAC_B " type veth peer name dr_a address " MAC_A
		   " netns %s",
		   path);
	np_test_sh("ip link set lo up && ip addr add " ADDR_B "/24 dev dr_b && ip link set dr_b up"
		   " && ip neigh replace " ADDR_A " lladdr " MAC_A " dev dr_b nud permanent");
	if_b = if_nametoindex("dr_b");
	cr_assert(if_b > 0);
	enter(fd_a);
	np_test_sh("ip link set lo up && ip addr add " ADDR_A "/24 dev dr_a && ip link set dr_a up"
		   " && ip neigh replace " ADDR_B " lladdr " MAC_B " dev dr_a nud permanent");
	if_a = if_nametoindex("dr_a");
	cr_assert(if_a > 0);

	/* Pins go to a private bpffs in a private mount namespace, like the loader's tests. */
	cr_assert(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	snprintf(bpffs, sizeof(bpffs), "/tmp/np-drops-test.XXXXXX");
	cr_assert(mkdtemp(bpffs), "mkdtemp: %s", strerror(errno));
	cr_assert(mount("bpf", bpffs, "bpf", 0, "mode=0700") == 0, "mount bpffs: %s",
		  strerror(errno));
	mounted = true;
	snprintf(pin_dir, sizeof(pin_dir), "%s/nodepath", bpffs);
}

static void drops_teardown(void)
{
	drops__close(d);
	d = NULL;
	if (mounted && umount2(bpffs, MNT_DETACH))
		cr_log_error("umount %s: %s", bpffs, strerror(errno));
	mounted = false;
	if (bpffs[0] && rmdir(bpffs))
		cr_log_error("rmdir %s: %s", bpffs, strerror(errno));
	bpffs[0] = '\0';
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	fd_a = fd_b = -1;
}

TestSuite(drops, .init = drops_setup, .fini = drops_teardown, .timeout = 60);

static struct drops *open_drops_sized(uint32_t max_entries)
{
	struct drops_opts o = { .pin_path = pin_dir, .max_entries = max_entries };
	struct drops *out = NULL;
	const char *why = NULL;
	int err = drops__open(&o, &out), serr = 0;

	cr_assert(err == 0 && out, "drops__open: %d", err);
	cr_assert(drops__state(out, &serr, &why) == DROPS_LOADED, "drops %s: %s (%d)",
		  drops__state_name(drops__state(out, NULL, NULL)), why ? why : "", serr);
	return out;
}

static struct drops *open_drops(void)
{
	return open_drops_sized(1024);
}

/* A UDP socket in namespace ns, sending from there. */
static int udp_socket_in(int ns)
{
	int fd;

	enter(ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0);
	enter(fd_a);
	return fd;
}

static void send_udp(int sock, const char *dst, uint16_t port, uint32_t n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	char payload[100];

	memset(payload, 0x5a, sizeof(payload));
	cr_assert(inet_pton(AF_INET, dst, &to.sin_addr) == 1);
	for (uint32_t i = 0; i < n; i++) {
		ssize_t s =
		    sendto(sock, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to));

		/* An ICMP port unreachable from an earlier datagram may surface here once. */
		if (s < 0 && errno == ECONNREFUSED)
			s = sendto(sock, payload, sizeof(payload), 0, (struct sockaddr *)&to,
				   sizeof(to));
		cr_assert(s == (ssize_t)sizeof(payload), "sendto %s:%u: %s", dst, port,
			  strerror(errno));
	}
}

/* Sum of the counters of one key, and the number of keys of namespace ns (all keys if ns 0). */
static uint64_t count_of(uint32_t ns, uint32_t ifindex, uint32_t reason, uint64_t *bytes,
			 size_t *keys_of_ns)
{
	struct drop_stat *s = NULL;
	size_t n = 0, k = 0;
	uint64_t packets = 0;
	int err = drops__read(d, &s, &n);

	cr_assert(err == 0, "drops__read: %d", err);
	if (bytes)
		*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].netns == ns)
			k++;
		if (s[i].netns == ns && s[i].ifindex == ifindex && s[i].reason == reason) {
			packets = s[i].packets;
			if (bytes)
				*bytes = s[i].bytes;
		}
	}
	free(s);
	if (keys_of_ns)
		*keys_of_ns = k;
	return packets;
}

/* Drops happen in the receiver's softirq, shortly after sendto returns. */
static void settle(uint32_t ns, uint32_t ifindex, uint32_t reason, uint64_t want)
{
	struct timespec tick = { .tv_nsec = 1000000 };

	for (int i = 0; i < 2000; i++) {
		if (count_of(ns, ifindex, reason, NULL, NULL) >= want)
			break;
		nanosleep(&tick, NULL);
	}
	tick.tv_nsec = 50000000;
	nanosleep(&tick, NULL);
}

static uint32_t reason_value(const char *name)
{
	struct drop_reasons *r = NULL;
	uint32_t v = 0;

	cr_assert(drop_reasons__load(&r, NULL) == 0);
	cr_assert(drop_reasons__value(r, name, &v) == 0, "%s missing", name);
	drop_reasons__free(r);
	return v;
}

Test(drops, closed_port_counts_exactly_in_allowed_namespaces_only)
{
	const uint32_t N = 23, M = 17, K = 9;
	/* skb->len at the UDP drop: header and payload of the UDP datagram (the Ethernet and IP
	 * headers are pulled by then). */
	const uint64_t len = 8 + 100;
	uint32_t no_socket = reason_value("NO_SOCKET"), entries = 0, cap = 0;
	int sock_a = udp_socket_in(fd_a), sock_b = udp_socket_in(fd_b), rx = -1;
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(OPEN_PORT) };
	char buf[256];
	size_t keys = 0;
	uint64_t bytes = 0, full = 1;
	char name[32];

	d = open_drops();
	cr_assert_eq(drops__netns_add(d, ino_b, NP_NETNS_POD), 0);

	/* A -> B's closed port: N drops in B at dr_b. */
	send_udp(sock_a, ADDR_B, CLOSED_PORT, N);
	settle(ino_b, if_b, no_socket, N);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, &bytes, &keys), N);
	cr_expect_eq(bytes, N * len, "bytes %llu, want %llu", (unsigned long long)bytes,
		     (unsigned long long)(N * len));
	cr_expect_eq(keys, 1, "namespace B has %zu drop keys, want only NO_SOCKET at dr_b", keys);
	cr_expect_str_eq(drops__reason_name(d, no_socket, name, sizeof(name)), "NO_SOCKET");

	/* B -> A's closed port: A is not in the set, nothing counted... */
	send_udp(sock_b, ADDR_A, CLOSED_PORT, M);
	settle(ino_a, if_a, no_socket, M); /* waits the whole time: nothing may arrive */
	cr_expect_eq(count_of(ino_a, if_a, no_socket, NULL, &keys), 0);
	cr_expect_eq(keys, 0, "namespace A (not allowed) has %zu drop keys", keys);
	/* ... although the kernel did drop them: allowed, A counts the same traffic exactly. */
	cr_assert_eq(drops__netns_add(d, ino_a, NP_NETNS_NODE), 0);
	send_udp(sock_b, ADDR_A, CLOSED_PORT, M);
	settle(ino_a, if_a, no_socket, M);
	cr_expect_eq(count_of(ino_a, if_a, no_socket, NULL, NULL), M);

	/* Normal delivery (consume) is not a drop: B's counters stay as they were. */
	enter(fd_b);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	enter(fd_a);
	cr_assert(rx >= 0);
	cr_assert(bind(rx, (struct sockaddr *)&any, sizeof(any)) == 0, "bind: %s", strerror(errno));
	send_udp(sock_a, ADDR_B, OPEN_PORT, K);
	for (uint32_t i = 0; i < K; i++)
		cr_assert(recv(rx, buf, sizeof(buf), 0) == 100, "recv %u: %s", i, strerror(errno));
	settle(ino_b, if_b, no_socket, N + 1); /* waits the whole time */
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, &keys), N);
	cr_expect_eq(keys, 1);

	cr_assert_eq(drops__map_fill(d, &entries, &cap), 0);
	cr_expect_eq(entries, 2);
	cr_expect_eq(cap, 1024);
	cr_assert_eq(drops__read_error(d, NP_DROP_ERR_STATS_FULL, &full), 0);
	cr_expect_eq(full, 0);
	close(rx);
	close(sock_a);
	close(sock_b);
}

/* The counters are pinned: a new agent finds them; removing a namespace removes its counters. */
Test(drops, counters_survive_reopen_and_go_with_their_namespace)
{
	const uint32_t N = 5;
	uint32_t no_socket = reason_value("NO_SOCKET");
	int sock_a = udp_socket_in(fd_a);
	size_t keys = 0;

	d = open_drops();
	cr_assert_eq(drops__netns_add(d, ino_b, NP_NETNS_POD), 0);
	send_udp(sock_a, ADDR_B, CLOSED_PORT, N);
	settle(ino_b, if_b, no_socket, N);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), N);
	drops__close(d);
	d = NULL;

	d = open_drops();
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), N, "counters lost on reopen");
	/* The namespace set is not pinned: a new agent counts only what it adds. */
	send_udp(sock_a, ADDR_B, CLOSED_PORT, N);
	settle(ino_b, if_b, no_socket, 2 * N);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), N, "counted without netns_add");
	cr_assert_eq(drops__netns_add(d, ino_b, NP_NETNS_POD), 0);
	send_udp(sock_a, ADDR_B, CLOSED_PORT, N);
	settle(ino_b, if_b, no_socket, 2 * N);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), 2 * N);

	{
		uint32_t live[] = { ino_a, ino_b };
		size_t removed = 9;

		cr_assert_eq(drops__purge_except(d, live, 2, &removed), 0);
		cr_expect_eq(removed, 0);
		cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), 2 * N);
		cr_assert_eq(drops__purge_except(d, live, 1, &removed), 0); /* B not live */
		cr_expect_eq(removed, 1);
		cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, &keys), 0);
		cr_expect_eq(keys, 0);
		send_udp(sock_a, ADDR_B, CLOSED_PORT, N); /* still in the set: counts again */
		settle(ino_b, if_b, no_socket, N);
		cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, NULL), N);
	}
	cr_expect_eq(drops__netns_remove(d, ino_b), 0);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, &keys), 0);
	cr_expect_eq(keys, 0);
	cr_expect_eq(drops__netns_remove(d, ino_b), -ENOENT);
	send_udp(sock_a, ADDR_B, CLOSED_PORT, N);
	settle(ino_b, if_b, no_socket, 1);
	cr_expect_eq(count_of(ino_b, if_b, no_socket, NULL, &keys), 0);
	cr_expect_eq(keys, 0);
	close(sock_a);
}

/* What bpftool prints for a pin (stdout and stderr), NUL-terminated in buf. */
static void bpftool_dump(const char *pin, char *buf, size_t cap)
{
	char cmd[256];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/%s 2>&1", pin_dir, pin);
	p = popen(cmd, "r");
	cr_assert(p, "popen %s", cmd);
	while (n + 1 < cap) {
		size_t got = fread(buf + n, 1, cap - 1 - n, p);

		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s: %s", cmd, buf);
}

/* The agent pins the light skeleton's maps itself: bpftool reads them by field name, a new agent
 * carries every per-CPU value of the same layout over (stats and error counters), and a pin of
 * another capacity is replaced (its counters restart) while the error counters still carry. */
Test(drops, pins_are_named_carried_over_and_replaced_on_a_new_capacity)
{
	const struct np_drop_key key = { .netns = 0x7ffffff1, .ifindex = 7, .reason = 2 };
	int ncpus = libbpf_num_possible_cpus(), stats = -1, errs = -1;
	struct np_drop_value *vals = NULL;
	struct np_error_value *evals = NULL;
	uint64_t bytes = 0, full = 0, want_full = 0, want_packets = 0, want_bytes = 0;
	uint32_t zero = 0, entries = 0, cap = 0;
	char path[160], out[8192];

	cr_assert_gt(ncpus, 0);
	vals = calloc((size_t)ncpus, sizeof(*vals));
	evals = calloc((size_t)ncpus, sizeof(*evals));
	cr_assert(vals && evals);
	d = open_drops();
	snprintf(path, sizeof(path), "%s/np_drop_stats", pin_dir);
	stats = bpf_obj_get(path);
	cr_assert(stats >= 0, "no pin %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/np_drop_errors", pin_dir);
	errs = bpf_obj_get(path);
	cr_assert(errs >= 0, "no pin %s: %s", path, strerror(errno));
	for (int c = 0; c < ncpus; c++) {
		vals[c].packets = 3 + (uint64_t)c;
		vals[c].bytes = 300 + 100 * (uint64_t)c;
		evals[c].count = 5 + (uint64_t)c;
		want_packets += vals[c].packets;
		want_bytes += vals[c].bytes;
		want_full += evals[c].count;
	}
	cr_assert(bpf_map_update_elem(stats, &key, vals, BPF_ANY) == 0, "%s", strerror(errno));
	cr_assert(bpf_map_update_elem(errs, &zero, evals, BPF_ANY) == 0, "%s", strerror(errno));
	close(stats);
	close(errs);

	bpftool_dump("np_drop_stats", out, sizeof(out));
	cr_expect(strstr(out, "\"netns\": 2147483633") && strstr(out, "\"ifindex\": 7") &&
		      strstr(out, "\"packets\": 3") && strstr(out, "\"bytes\": 300"),
		  "bpftool does not name the fields: %s", out);
	bpftool_dump("np_drop_errors", out, sizeof(out));
	cr_expect(strstr(out, "\"count\": 5"), "bpftool does not name the fields: %s", out);

	drops__close(d);
	d = open_drops();
	cr_expect_eq(count_of(key.netns, key.ifindex, key.reason, &bytes, NULL), want_packets);
	cr_expect_eq(bytes, want_bytes);
	cr_assert_eq(drops__read_error(d, NP_DROP_ERR_STATS_FULL, &full), 0);
	cr_expect_eq(full, want_full);
	cr_assert_eq(drops__map_fill(d, &entries, &cap), 0);
	cr_expect_eq(entries, 1);
	cr_expect_eq(cap, 1024);

	drops__close(d);
	d = open_drops_sized(2048);
	cr_expect_eq(count_of(key.netns, key.ifindex, key.reason, NULL, NULL), 0,
		     "counters of a replaced pin must restart");
	cr_assert_eq(drops__map_fill(d, &entries, &cap), 0);
	cr_expect_eq(entries, 0);
	cr_expect_eq(cap, 2048);
	cr_assert_eq(drops__read_error(d, NP_DROP_ERR_STATS_FULL, &full), 0);
	cr_expect_eq(full, want_full);
	free(vals);
	free(evals);
}
