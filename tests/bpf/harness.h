// SPDX-License-Identifier: Apache-2.0
/* Shared helpers of the BPF tests: a private network namespace per test, loading netpath without
 * pins, and reading its per-CPU maps summed over CPUs. */
#ifndef NODEPATH_TESTS_BPF_HARNESS_H
#define NODEPATH_TESTS_BPF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "nodepath/counters.h"
#include "nodepath/tc.h"

struct netpath_bpf;
struct bpf_program;

/* Moves the calling process into a new, anonymous network namespace with IPv6 disabled. Criterion
 * runs every test in its own process, so the namespace and every link, tcx link and clsact qdisc
 * made inside it vanish when that process exits, whichever way it exits: there is no name to
 * collide with parallel runs and no cleanup path to forget. */
void np_test_private_netns(void);

/* Runs a shell command (in the caller's namespace) and fails the test unless it exits 0. */
void np_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens and loads netpath with its maps unpinned (see harness.c); if_stats_entries > 0 resizes
 * np_if_stats. Fails the test on error. */
struct netpath_bpf *np_test_load_netpath(uint32_t if_stats_entries);
/* The same with slot_count slots per CPU region of np_if_slots (a power of two; 0: one slot, of
 * CPU 0 only), all free. */
struct netpath_bpf *np_test_load_netpath_slots(uint32_t if_stats_entries, uint32_t slot_count);

/* Everything the programs are loaded with; zero: the defaults above, VXLAN and NodePort off. */
struct np_test_load {
	uint32_t if_stats_entries;
	uint32_t slot_count;
	uint16_t vxlan_port, nodeport_min, nodeport_max;
	bool unpatched; /* load the object's tags as they are (as another tool would) */
};
struct netpath_bpf *np_test_load_netpath_with(const struct np_test_load *o);

/* Sum over all possible CPUs of np_if_stats[{ifindex, dir}]; -ENOENT if the key is absent. */
int np_test_if_sum(int map_fd, uint32_t ifindex, uint8_t dir, struct np_if_value *out);

/* Number of keys in np_if_stats; the first max of them are copied to keys. */
/* A path class of an np_if_stats entry that counted something, summed over CPUs. */
struct np_test_path_slot {
	uint32_t ifindex;
	uint8_t direction, path;
	uint64_t packets, bytes;
};

/* The non-zero path classes of every np_if_stats entry (at most max stored); returns the count. */
size_t np_test_path_slots(int if_map_fd, struct np_test_path_slot *out, size_t max);
size_t np_test_if_keys(int map_fd, struct np_if_key *keys, size_t max);

/* Sum over all possible CPUs of np_errors[idx]. */
uint64_t np_test_err_sum(int map_fd, uint32_t idx);

/* Sum over all possible CPUs of a per-CPU map value made of nfields u64 counters (np_if_value,
 * np_path_value, np_error_value); out[] gets one sum per field. -ENOENT if the key is absent. */
int np_test_percpu_sum(int map_fd, const void *key, uint64_t *out, size_t nfields);

/* Number of keys of any map; the first max of them (key_size bytes each) are copied to keys. */
size_t np_test_keys(int map_fd, void *keys, size_t key_size, size_t max);

/* Appends prog to the tcx chain of ifindex (type NP_BPF_TCX_*). Returns the link fd: the link
 * lives exactly as long as it. Fails the test on error. */
int np_test_tcx_attach(const struct bpf_program *prog, uint32_t ifindex, int type);

/* Sends the len bytes at frame n times out of ifindex through an AF_PACKET socket, unchanged
 * (no padding, any length from 14 bytes). Fails the test unless every send succeeds. */
void np_test_send_raw(uint32_t ifindex, const void *frame, uint32_t len, uint32_t n);

/* --- synthetic frames ------------------------------------------------------------------------
 * Only lengths and header fields matter to the datapath; checksums that nothing verifies at tc
 * are left zero (for UDP over IPv4 that is even valid), except the IPv4 header's. Builders append
 * to the frame; np_frame_eth starts a new one. Addresses are text (inet_pton). */

#define NP_FRAME_MAX 4096

struct np_frame {
	uint8_t data[NP_FRAME_MAX];
	uint32_t len;
};

void *np_frame_put(struct np_frame *f, uint32_t n);
void np_frame_append(struct np_frame *f, const void *hdr, uint32_t n);
/* Starts the frame: 14-byte Ethernet header 02:..:01 -> 02:..:02 with this ethertype. */
void np_frame_eth(struct np_frame *f, uint16_t ethertype);
/* 20 + 4 * opt_words bytes (options are NOPs, ihl = 5 + opt_words); l4_len is what follows the
 * header (for tot_len); frag_off in host order (flags and offset in 8-byte units). */
void np_frame_ipv4(struct np_frame *f, uint8_t proto, const char *src, const char *dst,
		   uint16_t l4_len, uint8_t opt_words, uint16_t frag_off);
/* 40 bytes; payload_len is what follows the fixed header. */
void np_frame_ipv6(struct np_frame *f, uint8_t nexthdr, const char *src, const char *dst,
		   uint16_t payload_len);
/* 8 + payload bytes */
void np_frame_udp(struct np_frame *f, uint16_t sport, uint16_t dport, uint16_t payload);
/* 20 + payload bytes (ACK) */
void np_frame_tcp(struct np_frame *f, uint16_t sport, uint16_t dport, uint32_t payload);

/* --- running programs on frames ------------------------------------------------------------ */

struct np_run {
	int err;
	int retval;
	uint32_t size_out;
	uint8_t out[NP_FRAME_MAX];
	struct __sk_buff ctx_out;
};

/* BPF_PROG_TEST_RUN, repeat times. ctx may be NULL: the kernel then uses its defaults (loopback
 * of the caller's namespace, no GSO). */
void np_test_run(const struct bpf_program *prog, const struct np_frame *f, uint32_t repeat,
		 const struct __sk_buff *ctx, struct np_run *r);
/* np_test_run, asserting what every run must show: success, TC_ACT_UNSPEC, frame unchanged. */
void np_test_run_ok(const struct bpf_program *prog, const struct np_frame *f, uint32_t repeat,
		    const struct __sk_buff *ctx, struct np_run *r);

#endif
