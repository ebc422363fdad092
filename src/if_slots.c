// SPDX-License-Identifier: Apache-2.0
/* Counter slots of hooked devices (see if_slots.h): which np_if_slots pair each device owns, kept
 * in np_if_index for the programs and in owner[] for the agent. */
#include "if_slots.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#define NP_SLOTS_CHUNK 256

static size_t percpu_stride(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

static uint32_t home(uint32_t ifindex, int probe)
{
	return (ifindex + (uint32_t)probe) & (NP_IF_INDEX_ENTRIES - 1);
}

/* Writes both slots of pair zeroed on every CPU, labelled with ifindex (0: free). */
static int write_pair(struct if_slots *s, uint32_t pair, uint32_t ifindex)
{
	for (uint32_t dir = 0; dir < NP_DIR_MAX; dir++) {
		uint32_t slot = pair * 2 + dir;

		memset(s->buf, 0, s->stride * (size_t)s->ncpus);
		for (int c = 0; c < s->ncpus; c++) {
			struct np_if_slot_value *v = (void *)(s->buf + (size_t)c * s->stride);

			v->ifindex = ifindex;
			v->direction = ifindex ? (uint8_t)dir : 0;
		}
		if (bpf_map_update_elem(s->slots_fd, &slot, s->buf, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int write_entry(struct if_slots *s, uint32_t at, uint32_t ifindex, uint32_t slot)
{
	struct np_if_index_entry e = { .ifindex = ifindex, .slot = slot };

	if (bpf_map_update_elem(s->index_fd, &at, &e, BPF_ANY))
		return -errno;
	return 0;
}

static int read_entry(struct if_slots *s, uint32_t at, struct np_if_index_entry *e)
{
	if (bpf_map_lookup_elem(s->index_fd, &at, e))
		return -errno;
	return 0;
}

static int64_t pair_of(const struct if_slots *s, uint32_t ifindex)
{
	for (uint32_t p = 0; p < s->n_pairs; p++)
		if (s->owner[p] == ifindex)
			return p;
	return -1;
}

/* An entry left by an earlier agent is kept when the programs can find it (within the probes of
 * its ifindex), its pair exists and is nobody else's, and the pair's ingress slot is labelled
 * with it (np_if_slots was not replaced, say for a new capacity, while np_if_index stayed). */
static bool entry_valid(struct if_slots *s, uint32_t at, const struct np_if_index_entry *e)
{
	const struct np_if_slot_value *v = (const void *)s->buf;
	uint32_t pair = e->slot / 2;
	bool reachable = false;

	for (int p = 0; p < NP_IF_INDEX_PROBES; p++)
		reachable |= home(e->ifindex, p) == at;
	if (!reachable || e->slot % 2 || pair >= s->n_pairs || s->owner[pair] ||
	    pair_of(s, e->ifindex) >= 0)
		return false;
	if (bpf_map_lookup_elem(s->slots_fd, &e->slot, s->buf))
		return false;
	return v->ifindex == e->ifindex && v->direction == NP_DIR_INGRESS;
}

int if_slots__init(struct if_slots *s, int index_fd, int slots_fd, int ncpus, uint32_t n_slots)
{
	uint32_t kept = 0, dropped = 0;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->index_fd = index_fd;
	s->slots_fd = slots_fd;
	s->ncpus = ncpus;
	s->n_pairs = n_slots / 2;
	s->stride = percpu_stride(sizeof(struct np_if_slot_value));
	pthread_mutex_init(&s->lock, NULL);
	s->owner = calloc(s->n_pairs ? s->n_pairs : 1, sizeof(*s->owner));
	s->buf = malloc(s->stride * (size_t)ncpus);
	if (!s->owner || !s->buf)
		return -ENOMEM;
	for (uint32_t at = 0; at < NP_IF_INDEX_ENTRIES; at++) {
		struct np_if_index_entry e;

		err = read_entry(s, at, &e);
		if (err)
			return err;
		if (e.ifindex == 0 && e.slot == 0)
			continue;
		if (e.ifindex && entry_valid(s, at, &e)) {
			s->owner[e.slot / 2] = e.ifindex;
			s->used++;
			kept++;
			continue;
		}
		err = write_entry(s, at, 0, 0);
		if (err)
			return err;
		dropped++;
	}
	if (kept || dropped)
		log_info("counter slots of an earlier agent", "kept", LOG_UINT(kept), "dropped",
			 LOG_UINT(dropped));
	return 0;
}

int if_slots__claim(struct if_slots *s, uint32_t ifindex)
{
	int64_t free_at = -1;
	uint32_t pair;
	int err = 0;

	if (ifindex == 0)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (pair_of(s, ifindex) >= 0) {
		err = 1;
		goto cleanup;
	}
	for (int p = 0; p < NP_IF_INDEX_PROBES && free_at < 0; p++) {
		struct np_if_index_entry e;

		err = read_entry(s, home(ifindex, p), &e);
		if (err)
			goto cleanup;
		if (e.ifindex == 0)
			free_at = home(ifindex, p);
	}
	err = -ENOSPC;
	if (free_at < 0 || s->used == s->n_pairs)
		goto cleanup;
	/* Round robin: a freed pair is reused last, long after any packet still counting into it
	 * on another CPU when it was freed. */
	for (pair = s->next; s->owner[pair]; pair = (pair + 1) % s->n_pairs)
		;
	/* Counters zeroed and labelled before the programs can find them. */
	err = write_pair(s, pair, ifindex);
	if (!err)
		err = write_entry(s, (uint32_t)free_at, ifindex, pair * 2);
	if (err)
		goto cleanup;
	s->owner[pair] = ifindex;
	s->used++;
	s->next = (pair + 1) % s->n_pairs;
cleanup:
	if (err == -ENOSPC && !s->warned_full) {
		s->warned_full = true;
		log_warn(
		    "no free counter slot: the device counts in np_if_stats (a hash lookup per "
		    "packet) until one is freed",
		    "ifindex", LOG_UINT(ifindex), "slots", LOG_UINT(s->n_pairs * 2));
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Called with the lock held. */
static void release_locked(struct if_slots *s, uint32_t ifindex)
{
	int64_t pair = pair_of(s, ifindex);

	for (int p = 0; p < NP_IF_INDEX_PROBES; p++) {
		struct np_if_index_entry e;

		if (read_entry(s, home(ifindex, p), &e) == 0 && e.ifindex == ifindex)
			write_entry(s, home(ifindex, p), 0, 0);
	}
	if (pair < 0)
		return;
	/* Unlabelled: the reader skips it even if a packet still in flight counts into it. */
	write_pair(s, (uint32_t)pair, 0);
	s->owner[pair] = 0;
	s->used--;
}

void if_slots__release(struct if_slots *s, uint32_t ifindex)
{
	pthread_mutex_lock(&s->lock);
	release_locked(s, ifindex);
	pthread_mutex_unlock(&s->lock);
}

size_t if_slots__release_except(struct if_slots *s, const int *live, size_t n_live)
{
	size_t removed = 0;

	pthread_mutex_lock(&s->lock);
	for (uint32_t p = 0; p < s->n_pairs; p++) {
		bool found = false;

		if (!s->owner[p])
			continue;
		for (size_t i = 0; i < n_live && !found; i++)
			found = live[i] >= 0 && (uint32_t)live[i] == s->owner[p];
		if (found)
			continue;
		release_locked(s, s->owner[p]);
		removed += 2;
	}
	pthread_mutex_unlock(&s->lock);
	return removed;
}

uint32_t if_slots__used(struct if_slots *s)
{
	uint32_t used;

	pthread_mutex_lock(&s->lock);
	used = s->used;
	pthread_mutex_unlock(&s->lock);
	return used;
}

/* One chunk of slots [from, from + *count): batch lookup, else one lookup per slot. */
static int read_chunk(struct if_slots *s, uint32_t from, uint32_t *keys, char *vals,
		      uint32_t *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	/* The batch resumes after the key it is given: the last one read, from - 1. */
	uint32_t in = from - 1, out = 0, want = *count;

	if (!s->no_batch) {
		if (bpf_map_lookup_batch(s->slots_fd, from ? &in : NULL, &out, keys, vals, count,
					 &bopts) == 0 ||
		    (errno == ENOENT && *count > 0))
			return 0;
		if (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
			return -errno;
		s->no_batch = true;
	}
	for (uint32_t i = 0; i < want; i++) {
		keys[i] = from + i;
		if (bpf_map_lookup_elem(s->slots_fd, &keys[i], vals + i * s->stride * s->ncpus))
			return -errno;
	}
	*count = want;
	return 0;
}

/* A slot reports once it counted a packet, as a hash key exists once it did. */
static bool counted(const struct if_slots *s, const char *vals)
{
	for (int c = 0; c < s->ncpus; c++) {
		const struct np_if_slot_value *v = (const void *)(vals + (size_t)c * s->stride);

		if (v->stats.packets)
			return true;
	}
	return false;
}

int if_slots__read(struct if_slots *s, percpu_cb cb, void *ctx)
{
	size_t vsz = s->stride * (size_t)s->ncpus;
	uint32_t *owner = NULL, *keys = NULL, n_slots = 0;
	char *vals = NULL;
	int err = 0;

	/* A copy of who owns what: reading the map takes syscalls, attaching must not wait. */
	pthread_mutex_lock(&s->lock);
	for (uint32_t p = 0; p < s->n_pairs; p++)
		if (s->owner[p])
			n_slots = (p + 1) * 2;
	owner = n_slots ? malloc(n_slots / 2 * sizeof(*owner)) : NULL;
	if (owner)
		memcpy(owner, s->owner, n_slots / 2 * sizeof(*owner));
	pthread_mutex_unlock(&s->lock);
	if (n_slots == 0)
		return 0;
	keys = malloc(NP_SLOTS_CHUNK * sizeof(*keys));
	vals = malloc(NP_SLOTS_CHUNK * vsz);
	if (!owner || !keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (uint32_t from = 0; from < n_slots;) {
		uint32_t count = n_slots - from < NP_SLOTS_CHUNK ? n_slots - from : NP_SLOTS_CHUNK;

		err = read_chunk(s, from, keys, vals, &count);
		if (err)
			goto cleanup;
		if (count == 0)
			break;
		for (uint32_t i = 0; i < count; i++) {
			const char *v = vals + i * vsz;
			const struct np_if_slot_value *hdr = (const void *)v;
			struct np_if_key key = { .ifindex = hdr->ifindex,
						 .direction = hdr->direction };
			uint32_t slot = keys[i];

			if (slot >= n_slots || owner[slot / 2] == 0 ||
			    hdr->ifindex != owner[slot / 2] || hdr->direction != slot % 2 ||
			    !counted(s, v))
				continue;
			err = cb(&key, v + offsetof(struct np_if_slot_value, stats), s->stride,
				 s->ncpus, ctx);
			if (err)
				goto cleanup;
		}
		from += count;
	}
cleanup:
	free(owner);
	free(keys);
	free(vals);
	return err;
}

void if_slots__free(struct if_slots *s)
{
	free(s->owner);
	free(s->buf);
	s->owner = NULL;
	s->buf = NULL;
	pthread_mutex_destroy(&s->lock);
}
