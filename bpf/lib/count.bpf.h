// SPDX-License-Identifier: GPL-2.0-only
/* Small always-inline helpers for per-CPU counter maps. */
#ifndef NODEPATH_COUNT_BPF_H
#define NODEPATH_COUNT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "nodepath/counters.h"

/* Per-CPU counters need no atomics: each CPU only writes its own slot. */
static __always_inline void np_error_inc(void *errors, __u32 idx)
{
	struct np_error_value *v = bpf_map_lookup_elem(errors, &idx);

	if (v)
		v->count++;
}

/* The value of key in a counter hash, created zeroed if missing; NULL (and errors[err_idx]
 * counted) only when the map is full. Another CPU may create the key between the lookup and the
 * insert: NOEXIST then fails with EEXIST and the second lookup finds that entry, so the caller's
 * increment is never lost to the race. */
static __always_inline void *np_lookup_or_init(void *map, const void *key, const void *zero,
					       void *errors, __u32 err_idx)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		np_error_inc(errors, err_idx);
	return v;
}

static __always_inline void np_if_value_add(struct np_if_value *v, __u64 bytes, __u64 segs)
{
	v->packets++;
	v->bytes += bytes;
	v->gso_segs += segs;
}

#endif /* NODEPATH_COUNT_BPF_H */
