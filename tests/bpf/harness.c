// SPDX-License-Identifier: Apache-2.0
/* Shared helpers of the BPF tests (see harness.h). */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "netpath.skel.h"
#include "prog_consts.h"

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	n = write(fd, value, strlen(value));
	cr_assert(n == (ssize_t)strlen(value), "write %s: %s", path, strerror(errno));
	close(fd);
}

void np_test_private_netns(void)
{
	cr_assert(geteuid() == 0, "BPF tests need root (CAP_BPF, CAP_NET_ADMIN)");
	cr_assert(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	/* net sysctls resolve against the opener's namespace. Without IPv6 the kernel sends no
	 * router/neighbour solicitations or MLD reports that would spoil exact counts. */
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

void np_test_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(cmd), "command too long");
	rc = system(cmd);
	cr_assert(rc == 0, "`%s` failed (status %d)", cmd, rc);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct netpath_bpf *np_test_load_netpath(uint32_t if_stats_entries)
{
	return np_test_load_netpath_slots(if_stats_entries, 0);
}

struct netpath_bpf *np_test_load_netpath_slots(uint32_t if_stats_entries, uint32_t slot_count)
{
	struct np_test_load o = { .if_stats_entries = if_stats_entries, .slot_count = slot_count };

	return np_test_load_netpath_with(&o);
}

struct netpath_bpf *np_test_load_netpath_with(const struct np_test_load *o)
{
	uint32_t slot_count = o->slot_count ? o->slot_count : 1;
	uint32_t consts[NP_CONST_MAX] = {
		[NP_CONST_SLOT_COUNT] = slot_count,
		[NP_CONST_VXLAN_PORT] = o->vxlan_port,
		[NP_CONST_NODEPORT_MIN] = o->nodeport_min,
		[NP_CONST_NODEPORT_MAX] = o->nodeport_max,
	};
	struct netpath_bpf *skel;
	struct bpf_map *map;
	int err;

	libbpf_set_print(libbpf_print);
	skel = netpath_bpf__open();
	cr_assert(skel, "netpath_bpf__open: %s", strerror(errno));
	/* The maps are LIBBPF_PIN_BY_NAME. Clearing the pin path makes each load create private
	 * maps that die with their fds: a test can neither pick up a running agent's or a parallel
	 * run's counters from a shared pin nor leave a pin (or a bpffs mount, the alternative)
	 * behind on a failure path. Pinning itself belongs to the loader's tests. */
	bpf_object__for_each_map(map, skel->obj)
	{
		err = bpf_map__set_pin_path(map, NULL);
		cr_assert(err == 0, "clear pin path of %s: %d", bpf_map__name(map), err);
	}
	if (o->if_stats_entries) {
		err = bpf_map__set_max_entries(skel->maps.np_if_stats, o->if_stats_entries);
		cr_assert(err == 0, "set_max_entries: %d", err);
	}
	if (o->slot_count) {
		err = bpf_map__set_max_entries(skel->maps.np_if_slots,
					       slot_count * (uint32_t)libbpf_num_possible_cpus());
		cr_assert(err == 0, "set_max_entries: %d", err);
	}
	if (!o->unpatched) {
		err = prog_consts__apply(skel->obj, consts);
		cr_assert(err == 0, "prog_consts__apply: %d", err);
	}
	err = netpath_bpf__load(skel);
	cr_assert(err == 0, "netpath_bpf__load: %d", err);
	return skel;
}

/* Per-CPU values come back as one slot per possible CPU, each rounded up to 8 bytes (all our
 * values are u64 fields, so no rounding happens). */
int np_test_percpu_sum(int map_fd, const void *key, uint64_t *out, size_t nfields)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	size_t i, c;
	int err = 0;

	cr_assert(ncpu > 0, "libbpf_num_possible_cpus: %d", ncpu);
	vals = calloc((size_t)ncpu * nfields, sizeof(*vals));
	cr_assert(vals);
	memset(out, 0, nfields * sizeof(*out));
	if (bpf_map_lookup_elem(map_fd, key, vals)) {
		err = -errno;
		goto cleanup;
	}
	for (c = 0; c < (size_t)ncpu; c++)
		for (i = 0; i < nfields; i++)
			out[i] += vals[c * nfields + i];
cleanup:
	free(vals);
	return err;
}

int np_test_if_sum(int map_fd, uint32_t ifindex, uint8_t dir, struct np_if_value *out)
{
	struct np_if_key key = { .ifindex = ifindex, .direction = dir };
	uint64_t sum[sizeof(*out) / sizeof(uint64_t)];
	int err = np_test_percpu_sum(map_fd, &key, sum, sizeof(sum) / sizeof(sum[0]));

	_Static_assert(sizeof(*out) == sizeof(sum), "np_if_value is all u64 fields");
	memcpy(out, sum, sizeof(*out));
	return err;
}

size_t np_test_path_slots(int if_map_fd, struct np_test_path_slot *out, size_t max)
{
	struct np_if_key keys[256];
	size_t nkeys = np_test_if_keys(if_map_fd, keys, 256), n = 0;

	cr_assert(nkeys <= 256, "np_if_stats has %zu keys", nkeys);
	for (size_t i = 0; i < nkeys; i++) {
		struct np_if_value v;

		cr_assert(np_test_if_sum(if_map_fd, keys[i].ifindex, keys[i].direction, &v) == 0);
		for (uint8_t p = 0; p < NP_PATH_MAX; p++) {
			if (!v.path[p].packets && !v.path[p].bytes)
				continue;
			if (n < max)
				out[n] =
				    (struct np_test_path_slot){ keys[i].ifindex, keys[i].direction,
								p, v.path[p].packets,
								v.path[p].bytes };
			n++;
		}
	}
	return n;
}

size_t np_test_keys(int map_fd, void *keys, size_t key_size, size_t max)
{
	uint8_t cur[64], next[64];
	size_t n = 0;
	void *prev = NULL;

	cr_assert(key_size <= sizeof(cur));
	while (bpf_map_get_next_key(map_fd, prev, next) == 0) {
		if (n < max)
			memcpy((uint8_t *)keys + n * key_size, next, key_size);
		n++;
		memcpy(cur, next, key_size);
		prev = cur;
	}
	cr_assert(errno == ENOENT, "bpf_map_get_next_key: %s", strerror(errno));
	return n;
}

size_t np_test_if_keys(int map_fd, struct np_if_key *keys, size_t max)
{
	return np_test_keys(map_fd, keys, sizeof(*keys), max);
}

uint64_t np_test_err_sum(int map_fd, uint32_t idx)
{
	uint64_t sum;
	int err = np_test_percpu_sum(map_fd, &idx, &sum, 1);

	cr_assert(err == 0, "np_errors[%u]: %s", idx, strerror(-err));
	return sum;
}

int np_test_tcx_attach(const struct bpf_program *prog, uint32_t ifindex, int type)
{
	int fd = bpf_link_create(bpf_program__fd(prog), (int)ifindex, type, NULL);

	cr_assert(fd >= 0, "tcx attach %s to %u: %d", bpf_program__name(prog), ifindex, fd);
	return fd;
}

void np_test_send_raw(uint32_t ifindex, const void *frame, uint32_t len, uint32_t n)
{
	const struct ether_header *eth = frame;
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = (int)ifindex,
				  .sll_halen = ETH_ALEN };
	uint32_t i;
	int fd;

	cr_assert(len >= ETH_HLEN);
	memcpy(to.sll_addr, eth->ether_dhost, ETH_ALEN);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: send only */
	cr_assert(fd >= 0, "AF_PACKET socket: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		ssize_t sent = sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to));

		cr_assert(sent == (ssize_t)len, "sendto: %zd (%s)", sent, strerror(errno));
	}
	close(fd);
}

void *np_frame_put(struct np_frame *f, uint32_t n)
{
	void *p = f->data + f->len;

	cr_assert(f->len + n <= sizeof(f->data), "frame longer than %zu bytes", sizeof(f->data));
	f->len += n;
	return p;
}

/* Headers are filled in aligned locals and copied in: inside the frame they sit at odd offsets
 * (UBSan flags the misaligned stores otherwise). */
void np_frame_append(struct np_frame *f, const void *hdr, uint32_t n)
{
	memcpy(np_frame_put(f, n), hdr, n);
}

void np_frame_eth(struct np_frame *f, uint16_t ethertype)
{
	static const uint8_t dst[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct ether_header eth;

	f->len = 0;
	memcpy(eth.ether_dhost, dst, ETH_ALEN);
	memcpy(eth.ether_shost, src, ETH_ALEN);
	eth.ether_type = htons(ethertype);
	np_frame_append(f, &eth, sizeof(eth));
}

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint16_t *w = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void parse_addr(int af, const char *text, void *out)
{
	cr_assert(inet_pton(af, text, out) == 1, "bad address %s", text);
}

void np_frame_ipv4(struct np_frame *f, uint8_t proto, const char *src, const char *dst,
		   uint16_t l4_len, uint8_t opt_words, uint16_t frag_off)
{
	uint8_t hdr[60];
	struct iphdr ip = {
		.version = 4,
		.ihl = (uint8_t)(5 + opt_words),
		.ttl = 64,
		.protocol = proto,
		.frag_off = htons(frag_off),
	};
	size_t hlen = sizeof(ip) + 4u * opt_words;

	cr_assert(opt_words <= 10);
	ip.tot_len = htons((uint16_t)(hlen + l4_len));
	parse_addr(AF_INET, src, &ip.saddr);
	parse_addr(AF_INET, dst, &ip.daddr);
	memcpy(hdr, &ip, sizeof(ip));
	memset(hdr + sizeof(ip), 1 /* IPOPT_NOP */, hlen - sizeof(ip));
	ip.check = ip_csum(hdr, hlen);
	memcpy(hdr, &ip, sizeof(ip));
	np_frame_append(f, hdr, (uint32_t)hlen);
}

void np_frame_ipv6(struct np_frame *f, uint8_t nexthdr, const char *src, const char *dst,
		   uint16_t payload_len)
{
	struct ip6_hdr ip6 = { 0 };

	ip6.ip6_flow = htonl(6u << 28);
	ip6.ip6_plen = htons(payload_len);
	ip6.ip6_nxt = nexthdr;
	ip6.ip6_hlim = 64;
	parse_addr(AF_INET6, src, &ip6.ip6_src);
	parse_addr(AF_INET6, dst, &ip6.ip6_dst);
	np_frame_append(f, &ip6, sizeof(ip6));
}

void np_frame_udp(struct np_frame *f, uint16_t sport, uint16_t dport, uint16_t payload)
{
	struct udphdr udp = {
		.source = htons(sport),
		.dest = htons(dport),
		.len = htons((uint16_t)(sizeof(udp) + payload)),
	};

	np_frame_append(f, &udp, sizeof(udp));
	memset(np_frame_put(f, payload), 0xab, payload);
}

void np_frame_tcp(struct np_frame *f, uint16_t sport, uint16_t dport, uint32_t payload)
{
	struct tcphdr tcp = {
		.source = htons(sport),
		.dest = htons(dport),
		.doff = sizeof(tcp) / 4,
		.ack = 1,
		.window = htons(512),
	};

	np_frame_append(f, &tcp, sizeof(tcp));
	memset(np_frame_put(f, payload), 0xcd, payload);
}

void np_test_run(const struct bpf_program *prog, const struct np_frame *f, uint32_t repeat,
		 const struct __sk_buff *ctx, struct np_run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = f->len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = repeat);

	memset(r, 0, sizeof(*r));
	if (ctx) {
		opts.ctx_in = ctx;
		opts.ctx_size_in = sizeof(*ctx);
		opts.ctx_out = &r->ctx_out;
		opts.ctx_size_out = sizeof(r->ctx_out);
	}
	r->err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	r->retval = (int)opts.retval;
	r->size_out = opts.data_size_out;
}

void np_test_run_ok(const struct bpf_program *prog, const struct np_frame *f, uint32_t repeat,
		    const struct __sk_buff *ctx, struct np_run *r)
{
	np_test_run(prog, f, repeat, ctx, r);
	cr_assert(r->err == 0, "bpf_prog_test_run_opts(%s): %d", bpf_program__name(prog), r->err);
	cr_assert(r->retval == NP_TC_ACT_UNSPEC, "%s returned %d, want TC_ACT_UNSPEC (-1)",
		  bpf_program__name(prog), r->retval);
	cr_assert(r->size_out == f->len, "frame length changed: %u -> %u", f->len, r->size_out);
	cr_assert(memcmp(r->out, f->data, f->len) == 0, "frame bytes changed");
}
