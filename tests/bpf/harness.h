/* Shared helpers of the BPF tests: a private network namespace per test, loading netpath without
 * pins, and reading its per-CPU maps summed over CPUs. */
#ifndef NODEPATH_TESTS_BPF_HARNESS_H
#define NODEPATH_TESTS_BPF_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "nodepath/counters.h"

struct netpath_bpf;

#define NP_TC_ACT_UNSPEC (-1)

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

/* Sum over all possible CPUs of np_if_stats[{ifindex, dir}]; -ENOENT if the key is absent. */
int np_test_if_sum(int map_fd, uint32_t ifindex, uint8_t dir, struct np_if_value *out);

/* Number of keys in np_if_stats; the first max of them are copied to keys. */
size_t np_test_if_keys(int map_fd, struct np_if_key *keys, size_t max);

/* Sum over all possible CPUs of np_errors[idx]. */
uint64_t np_test_err_sum(int map_fd, uint32_t idx);

#endif
