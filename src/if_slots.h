// SPDX-License-Identifier: Apache-2.0
/* Counter slots: each hooked device gets a pair of np_if_slots entries (ingress, egress) and an
 * np_if_index entry pointing at them, so that its programs count with two array lookups instead
 * of a hash lookup. A device without a pair (all taken, or no free np_if_index entry among its
 * probes) counts in np_if_stats; readers add both. Pairs are pinned with the maps: a restarted
 * agent keeps the ones whose labels still match. Thread-safe: the datapath thread claims and
 * releases while scrapes read. */
#ifndef NODEPATH_IF_SLOTS_H
#define NODEPATH_IF_SLOTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader_priv.h"
#include "nodepath/counters.h"

struct if_slots {
	int index_fd, slots_fd, ncpus;
	uint32_t n_pairs, used;
	uint32_t next;	  /* where the search for a free pair starts */
	uint32_t *owner;  /* n_pairs: the ifindex owning the pair, 0 when free */
	char *buf;	  /* one per-CPU value, for writes */
	size_t stride;	  /* per-CPU value size as the kernel copies it */
	bool warned_full; /* logged once that a device went without a pair */
	bool no_batch;	  /* the kernel has no batch lookup for arrays */
	pthread_mutex_t lock;
};

/* Takes over the pairs an earlier agent left in the pinned maps (entries that no longer match
 * their pair are cleared). n_slots: np_if_slots' max_entries. 0 or -errno. */
int if_slots__init(struct if_slots *s, int index_fd, int slots_fd, int ncpus, uint32_t n_slots);
/* Gives ifindex a pair, its counters zeroed: 0, 1 when it has one already, -ENOSPC when none is
 * free (logged once; the device counts in np_if_stats), other -errno. */
int if_slots__claim(struct if_slots *s, uint32_t ifindex);
/* Frees ifindex's pair, if any (the device is gone: its counters go). */
void if_slots__release(struct if_slots *s, uint32_t ifindex);
/* Frees the pairs of every ifindex not in live; returns the slots freed. */
size_t if_slots__release_except(struct if_slots *s, const int *live, size_t n_live);
/* Pairs in use. */
uint32_t if_slots__used(struct if_slots *s);
/* Calls cb for each owned slot that counted a packet, with its np_if_key and the CPUs'
 * np_if_value side by side. */
int if_slots__read(struct if_slots *s, percpu_cb cb, void *ctx);
void if_slots__free(struct if_slots *s);

#endif
