// SPDX-License-Identifier: Apache-2.0
/* Counter slots: each hooked device gets a slot of np_if_slots (both directions), at its ifindex
 * modulo the slot count or one of the next NP_IF_SLOT_PROBES - 1, labelled with the ifindex in
 * every CPU's region, so that its programs count with one array lookup instead of a hash lookup.
 * A device without a slot (its probes all taken) counts in np_if_stats; readers add both. Slots
 * are pinned with the map: a restarted agent keeps the labelled ones. Thread-safe: the datapath
 * thread claims and releases while scrapes read. */
#ifndef NODEPATH_IF_SLOTS_H
#define NODEPATH_IF_SLOTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader_priv.h"
#include "nodepath/counters.h"

struct if_slots {
	int fd, ncpus;
	uint32_t count; /* slots per CPU region, a power of two */
	uint32_t used;
	uint32_t *owner;  /* count: the ifindex labelling the slot, 0 when free */
	bool warned_full; /* logged once that a device went without a slot */
	bool no_batch;	  /* the kernel has no batch lookup for arrays */
	pthread_mutex_t lock;
};

/* Slots per CPU for a capacity of max_entries counter entries (2 per device): the power of two
 * at or above max_entries / 2. */
uint32_t if_slots__count(uint32_t max_entries);
/* Takes over the slots an earlier agent labelled (a label where the programs cannot find it, or
 * a second slot of one device, is cleared). fd: np_if_slots, ncpus x count entries. */
int if_slots__init(struct if_slots *s, int fd, int ncpus, uint32_t count);
/* Gives ifindex a slot, its counters zeroed: 0, 1 when it has one already, -ENOSPC when its
 * probes are all taken (logged once; the device counts in np_if_stats), other -errno. */
int if_slots__claim(struct if_slots *s, uint32_t ifindex);
/* Frees ifindex's slot, if any (the device is gone: its counters go). */
void if_slots__release(struct if_slots *s, uint32_t ifindex);
/* Frees the slots of every ifindex not in live; returns the counter entries freed (2 each). */
size_t if_slots__release_except(struct if_slots *s, const int *live, size_t n_live);
/* Slots in use. */
uint32_t if_slots__used(struct if_slots *s);
/* Calls cb for each direction of each owned slot that counted a packet, with its np_if_key and
 * its np_if_value summed over CPUs (ncpus 1). */
int if_slots__read(struct if_slots *s, percpu_cb cb, void *ctx);
void if_slots__free(struct if_slots *s);

#endif
