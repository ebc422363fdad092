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

static __always_inline void np_if_value_add(struct np_if_value *v, __u64 bytes, __u64 segs)
{
	v->packets++;
	v->bytes += bytes;
	v->gso_segs += segs;
}

#endif /* NODEPATH_COUNT_BPF_H */
