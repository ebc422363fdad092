// SPDX-License-Identifier: Apache-2.0
/* Counter slots of hooked devices (see if_slots.h): which np_if_slots slot each device owns,
 * labelled in the map for the programs and kept in owner[] for the agent. */
#include "if_slots.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#define NP_SLOTS_CHUNK 256

_Static_assert(sizeof(struct np_if_value) % sizeof(uint64_t) == 0, "np_if_value is all u64");

uint32_t if_slots__count(uint32_t max_entries)
{
	uint32_t want = max_entries / 2, count = 1;

	while (count < want && count < (1u << 30))
		count <<= 1;
	return count;
}

static uint32_t probe_at(const struct if_slots *s, uint32_t ifindex, int probe)
{
	return (ifindex + (uint32_t)probe) & (s->count - 1);
}

/* Writes slot pos of every CPU's region: zeroed, labelled with ifindex (0: free). CPU 0 last, so
 * that a slot labelled on CPU 0 (what a restarted agent reads) is labelled on every CPU. */
static int write_slot(struct if_slots *s, uint32_t pos, uint32_t ifindex)
{
	struct np_if_slot_value v;

	memset(&v, 0, sizeof(v));
	v.ifindex = ifindex;
	for (int c = s->ncpus - 1; c >= 0; c--) {
		uint32_t key = (uint32_t)c * s->count + pos;

		if (bpf_map_update_elem(s->fd, &key, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int64_t slot_of(const struct if_slots *s, uint32_t ifindex)
{
	for (int p = 0; p < NP_IF_SLOT_PROBES; p++) {
		uint32_t at = probe_at(s, ifindex, p);

		if (s->owner[at] == ifindex)
			return at;
	}
	return -1;
}

/* One chunk of entries [from, from + *count): batch lookup, else one lookup per entry. */
static int read_chunk(struct if_slots *s, uint32_t from, uint32_t *keys,
		      struct np_if_slot_value *vals, uint32_t *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	/* The batch resumes after the key it is given: the last one read, from - 1. */
	uint32_t in = from - 1, out = 0, want = *count;

	if (!s->no_batch) {
		if (bpf_map_lookup_batch(s->fd, from ? &in : NULL, &out, keys, vals, count,
					 &bopts) == 0 ||
		    (errno == ENOENT && *count > 0))
			return 0;
		if (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
			return -errno;
		s->no_batch = true;
	}
	for (uint32_t i = 0; i < want; i++) {
		keys[i] = from + i;
		if (bpf_map_lookup_elem(s->fd, &keys[i], &vals[i]))
			return -errno;
	}
	*count = want;
	return 0;
}

/* Calls fn for every entry of CPU cpu's region in [0, n). */
static int for_region(struct if_slots *s, int cpu, uint32_t n,
		      void (*fn)(struct if_slots *s, uint32_t pos, const struct np_if_slot_value *v,
				 void *ctx),
		      void *ctx)
{
	uint32_t *keys = malloc(NP_SLOTS_CHUNK * sizeof(*keys));
	struct np_if_slot_value *vals = malloc(NP_SLOTS_CHUNK * sizeof(*vals));
	uint32_t base = (uint32_t)cpu * s->count;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (uint32_t pos = 0; pos < n;) {
		uint32_t count = n - pos < NP_SLOTS_CHUNK ? n - pos : NP_SLOTS_CHUNK;

		err = read_chunk(s, base + pos, keys, vals, &count);
		if (err)
			goto cleanup;
		if (count == 0)
			break;
		for (uint32_t i = 0; i < count; i++)
			if (keys[i] >= base && keys[i] < base + n)
				fn(s, keys[i] - base, &vals[i], ctx);
		pos += count;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

struct adopt_ctx {
	uint32_t *label; /* count: CPU 0's labels */
};

static void take_label(struct if_slots *s, uint32_t pos, const struct np_if_slot_value *v,
		       void *ctx)
{
	(void)s;
	((struct adopt_ctx *)ctx)->label[pos] = v->ifindex;
}

int if_slots__init(struct if_slots *s, int fd, int ncpus, uint32_t count)
{
	struct adopt_ctx a = { 0 };
	uint32_t kept = 0, dropped = 0;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->ncpus = ncpus;
	s->count = count;
	pthread_mutex_init(&s->lock, NULL);
	if (count == 0 || (count & (count - 1)))
		return -EINVAL;
	s->owner = calloc(count, sizeof(*s->owner));
	a.label = calloc(count, sizeof(*a.label));
	if (!s->owner || !a.label) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = for_region(s, 0, count, take_label, &a);
	if (err)
		goto cleanup;
	for (uint32_t pos = 0; pos < count; pos++) {
		uint32_t l = a.label[pos];
		bool reachable = false;

		if (!l)
			continue;
		for (int p = 0; p < NP_IF_SLOT_PROBES; p++)
			reachable |= probe_at(s, l, p) == pos;
		if (reachable && slot_of(s, l) < 0) {
			s->owner[pos] = l;
			s->used++;
			kept++;
			continue;
		}
		err = write_slot(s, pos, 0);
		if (err)
			goto cleanup;
		dropped++;
	}
	if (kept || dropped)
		log_info("counter slots of an earlier agent", "kept", LOG_UINT(kept), "dropped",
			 LOG_UINT(dropped));
cleanup:
	free(a.label);
	return err;
}

int if_slots__claim(struct if_slots *s, uint32_t ifindex)
{
	int64_t at = -1;
	int err;

	if (ifindex == 0)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (slot_of(s, ifindex) >= 0) {
		err = 1;
		goto cleanup;
	}
	for (int p = 0; p < NP_IF_SLOT_PROBES && at < 0; p++)
		if (!s->owner[probe_at(s, ifindex, p)])
			at = probe_at(s, ifindex, p);
	err = -ENOSPC;
	if (at < 0)
		goto cleanup;
	/* Counters zeroed with the label: the programs count there from the next packet. */
	err = write_slot(s, (uint32_t)at, ifindex);
	if (err)
		goto cleanup;
	s->owner[at] = ifindex;
	s->used++;
cleanup:
	if (err == -ENOSPC && !s->warned_full) {
		s->warned_full = true;
		log_warn(
		    "no free counter slot: the device counts in np_if_stats (a hash lookup per "
		    "packet) until a resync finds one",
		    "ifindex", LOG_UINT(ifindex), "slots", LOG_UINT(s->count));
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Called with the lock held. Unlabelled: the reader skips the slot even if a packet still in
 * flight on another CPU counts into it. */
static void release_locked(struct if_slots *s, uint32_t ifindex)
{
	int64_t at = slot_of(s, ifindex);

	if (at < 0)
		return;
	write_slot(s, (uint32_t)at, 0);
	s->owner[at] = 0;
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
	for (uint32_t pos = 0; pos < s->count; pos++) {
		bool found = false;

		if (!s->owner[pos])
			continue;
		for (size_t i = 0; i < n_live && !found; i++)
			found = live[i] >= 0 && (uint32_t)live[i] == s->owner[pos];
		if (found)
			continue;
		release_locked(s, s->owner[pos]);
		removed += NP_DIR_MAX;
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

struct read_ctx {
	const uint32_t *owner;
	struct np_if_value *sum; /* n x NP_DIR_MAX */
};

static void add_slot(struct if_slots *s, uint32_t pos, const struct np_if_slot_value *v, void *ctx)
{
	struct read_ctx *r = ctx;

	(void)s;
	/* Only a copy labelled for the owner: another CPU's copy may not be labelled yet. */
	if (!r->owner[pos] || v->ifindex != r->owner[pos])
		return;
	for (int d = 0; d < NP_DIR_MAX; d++) {
		uint64_t *dst = (uint64_t *)&r->sum[pos * NP_DIR_MAX + d];
		const uint64_t *src = (const uint64_t *)&v->stats[d];

		for (size_t i = 0; i < sizeof(struct np_if_value) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}

int if_slots__read(struct if_slots *s, percpu_cb cb, void *ctx)
{
	struct read_ctx r = { 0 };
	uint32_t *owner = NULL, n = 0;
	int err = 0;

	/* A copy of who owns what: reading the map takes syscalls, attaching must not wait. */
	pthread_mutex_lock(&s->lock);
	for (uint32_t pos = 0; pos < s->count; pos++)
		if (s->owner[pos])
			n = pos + 1;
	owner = n ? malloc(n * sizeof(*owner)) : NULL;
	if (owner)
		memcpy(owner, s->owner, n * sizeof(*owner));
	pthread_mutex_unlock(&s->lock);
	if (n == 0)
		return 0;
	r.owner = owner;
	r.sum = calloc((size_t)n * NP_DIR_MAX, sizeof(*r.sum));
	if (!owner || !r.sum) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int c = 0; c < s->ncpus && !err; c++)
		err = for_region(s, c, n, add_slot, &r);
	for (uint32_t pos = 0; pos < n && !err; pos++) {
		for (int d = 0; d < NP_DIR_MAX && !err; d++) {
			const struct np_if_value *v = &r.sum[pos * NP_DIR_MAX + d];
			struct np_if_key key = { .ifindex = owner[pos], .direction = (uint8_t)d };

			/* A slot reports once it counted a packet, as a hash key exists once it
			 * did. */
			if (owner[pos] && v->packets)
				err = cb(&key, v, sizeof(*v), 1, ctx);
		}
	}
cleanup:
	free(owner);
	free(r.sum);
	return err;
}

void if_slots__free(struct if_slots *s)
{
	free(s->owner);
	s->owner = NULL;
	pthread_mutex_destroy(&s->lock);
}
