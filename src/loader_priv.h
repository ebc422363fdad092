// SPDX-License-Identifier: Apache-2.0
/* What the loader's two files (loader.c: the tc counters, loader_drops.c: the drop counters)
 * share: the libbpf log hook, the pin root, and reading per-CPU hashes summed over CPUs. Only
 * the loader includes this header. */
#ifndef NODEPATH_LOADER_PRIV_H
#define NODEPATH_LOADER_PRIV_H

#include <stdarg.h>
#include <stddef.h>

#include <bpf/libbpf.h>

/* The one libbpf_set_print callback: libbpf's messages go to the agent's log. */
int loader_priv__libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap);

/* Creates path and mounts a private bpffs there unless it already is one. 0 or -errno
 * (logged). */
int loader_priv__ensure_bpffs(const char *path);

/* Unlinks pins under pin_root whose map has another type, layout or capacity than obj's map of
 * the same name (libbpf would refuse them); logged, their counters restart. */
void loader_priv__drop_incompatible_pins(struct bpf_object *obj, const char *pin_root);

/* Called for every entry of a per-CPU hash with the key and the CPUs' values side by side,
 * stride bytes apart. */
typedef int (*percpu_cb)(const void *key, const void *vals, size_t stride, int ncpus, void *ctx);

/* A growable array of summed entries: ctx of the callbacks below. */
struct stat_vec {
	void *items;
	size_t n, cap, item_size;
};

/* A zeroed new item at the end of v, NULL when out of memory. */
void *loader_priv__stat_vec_push(struct stat_vec *v);

/* Reads the whole per-CPU hash map fd (key_size, value_size: a light skeleton's map has no
 * struct bpf_map) in batches and lets cb turn each entry into one item of item_size bytes. *out
 * is malloc'd (NULL and *n = 0 on error). */
int loader_priv__read_summed_fd(int ncpus, int fd, size_t key_size, size_t value_size, percpu_cb cb,
				size_t item_size, void **out, size_t *n);

#endif /* NODEPATH_LOADER_PRIV_H */
