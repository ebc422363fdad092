// SPDX-License-Identifier: Apache-2.0
/* The drop counters' half of the loader (see loader_drops.h): drops.bpf.c's skeleton, pinned
 * next to netpath's maps, its namespace filter and counters, and the kernel's drop reason names. */
#include "loader_drops.h"
#include "loader_priv.h"
#include "bpf_diag.h"
#include "log.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "drops.skel.h"

#define DROP_PREFIX "SKB_DROP_REASON_"
#define SKB_PREFIX "SKB_"

/* --- drop reason names ------------------------------------------------------------------ */

struct drop_reason {
	uint32_t value;
	char *name;
};

struct drop_reasons {
	struct drop_reason *items; /* sorted by value */
	size_t n;
};

static int reason_cmp(const void *a, const void *b)
{
	const struct drop_reason *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

int drop_reasons__from_btf(const struct btf *btf, struct drop_reasons **out)
{
	struct drop_reasons *r = NULL;
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, err = 0;
	__u16 vlen;

	*out = NULL;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, (__u32)id);
	if (!t)
		return -ENOENT;
	vlen = btf_vlen(t);
	e = btf_enum(t);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->items = calloc(vlen ? vlen : 1, sizeof(*r->items));
	if (!r->items) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (__u16 i = 0; i < vlen; i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);

		if (!name || !*name)
			continue;
		if (strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)) == 0)
			name += strlen(DROP_PREFIX);
		else if (strncmp(name, SKB_PREFIX, strlen(SKB_PREFIX)) == 0)
			name += strlen(SKB_PREFIX);
		r->items[r->n].value = (uint32_t)e[i].val;
		r->items[r->n].name = strdup(name);
		if (!r->items[r->n].name) {
			err = -ENOMEM;
			goto cleanup;
		}
		r->n++;
	}
	qsort(r->items, r->n, sizeof(*r->items), reason_cmp);
	*out = r;
	return 0;
cleanup:
	drop_reasons__free(r);
	return err;
}

int drop_reasons__load(struct drop_reasons **out)
{
	struct btf *btf = NULL;
	int err;

	*out = NULL;
	btf = btf__load_vmlinux_btf();
	err = libbpf_get_error(btf);
	if (err)
		return err < 0 ? err : -err;
	err = drop_reasons__from_btf(btf, out);
	btf__free(btf);
	/* The parsed vmlinux BTF is ~7 MB of heap; give it back before libbpf parses it again for
	 * the program, or the two add up in the start-up peak. */
	malloc_trim(0);
	return err;
}

size_t drop_reasons__count(const struct drop_reasons *r)
{
	return r ? r->n : 0;
}

const char *drop_reasons__name(const struct drop_reasons *r, uint32_t reason, char *buf, size_t len)
{
	if (r) {
		struct drop_reason key = { .value = reason };
		const struct drop_reason *hit =
		    bsearch(&key, r->items, r->n, sizeof(*r->items), reason_cmp);

		if (hit)
			return hit->name;
	}
	snprintf(buf, len, "%u", reason);
	return buf;
}

int drop_reasons__value(const struct drop_reasons *r, const char *name, uint32_t *value)
{
	for (size_t i = 0; r && i < r->n; i++) {
		if (strcmp(r->items[i].name, name) == 0) {
			*value = r->items[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

void drop_reasons__free(struct drop_reasons *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].name);
	free(r->items);
	free(r);
}

/* --- the drop counters -------------------------------------------------------------------- */

struct drops {
	struct drops_bpf *skel;
	struct drop_reasons *reasons;
	enum drops_state state;
	int err;
	const char *why;
	int ncpus;
};

const char *drops__state_name(enum drops_state s)
{
	switch (s) {
	case DROPS_LOADED:
		return "loaded";
	case DROPS_UNSUPPORTED:
		return "unsupported";
	default:
		return "failed";
	}
}

static int load_and_attach(struct drops *d, const struct drops_opts *opts)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = opts->pin_path);
	int err;

	err = loader_priv__ensure_bpffs(opts->pin_path);
	if (err) {
		d->why = "no bpffs at the pin path";
		return err;
	}
	d->skel = drops_bpf__open_opts(&oopts);
	if (!d->skel) {
		d->why = "cannot open the BPF object";
		return -errno;
	}
	if (opts->max_entries) {
		err = bpf_map__set_max_entries(d->skel->maps.np_drop_stats, opts->max_entries);
		if (err) {
			d->why = "cannot size np_drop_stats";
			return err;
		}
	}
	loader_priv__drop_incompatible_pins(d->skel->obj, opts->pin_path);
	err = drops_bpf__load(d->skel);
	if (err) {
		d->why = "cannot load the kfree_skb program";
		return err;
	}
	err = drops_bpf__attach(d->skel);
	if (err) {
		d->why = "cannot attach to tp_btf/kfree_skb";
		return err;
	}
	return 0;
}

int drops__open(const struct drops_opts *opts, struct drops **out)
{
	struct drops *d = NULL;
	int err;

	*out = NULL;
	if (!opts->pin_path)
		return -EINVAL;
	libbpf_set_print(loader_priv__libbpf_log);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ncpus = libbpf_num_possible_cpus();
	/* The reason argument and enum skb_drop_reason came together (5.17), and the program needs
	 * kernel BTF anyway: without the enum the kernel cannot run it. */
	err = drop_reasons__load(&d->reasons);
	if (err == -ENOMEM)
		goto cleanup;
	if (err) {
		d->state = DROPS_UNSUPPORTED;
		d->err = err;
		d->why = err == -ENOENT ? "kernel has no enum skb_drop_reason (needs >= 5.17)"
					: "no kernel BTF (/sys/kernel/btf/vmlinux)";
		log_warn("drop counters unsupported; everything else runs", "reason", d->why);
		*out = d;
		return 0;
	}
	if (d->ncpus <= 0) {
		d->state = DROPS_FAILED;
		d->err = d->ncpus ? d->ncpus : -EINVAL;
		d->why = "cannot count possible CPUs";
	} else {
		err = load_and_attach(d, opts);
		if (err) {
			d->state = DROPS_FAILED;
			d->err = err;
			drops_bpf__destroy(d->skel);
			d->skel = NULL;
		}
	}
	if (d->state == DROPS_FAILED) {
		char buf[160];
		const char *missing =
		    bpf_diag__explain(d->err, BPF_DIAG_LOAD_TRACING, buf, sizeof(buf));

		log_error("drop counters failed; everything else runs", "reason", d->why, "missing",
			  missing, "err", LOG_ERR(d->err));
	} else
		log_info("drop counters loaded", "reasons",
			 LOG_UINT(drop_reasons__count(d->reasons)), "maps_pinned_at",
			 opts->pin_path, "np_drop_stats_capacity",
			 LOG_UINT(bpf_map__max_entries(d->skel->maps.np_drop_stats)));
	*out = d;
	return 0;
cleanup:
	drops__close(d);
	return err;
}

enum drops_state drops__state(const struct drops *d, int *err, const char **why)
{
	if (err)
		*err = d->err;
	if (why)
		*why = d->why;
	return d->state;
}

int drops__netns_inode(const char *path, uint32_t *inode)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*inode = (uint32_t)st.st_ino;
	return 0;
}

int drops__netns_add(struct drops *d, uint32_t inode, enum np_netns_kind kind)
{
	struct np_netns_value v = { .kind = (__u32)kind };

	if (d->state != DROPS_LOADED)
		return -ENODEV;
	if (bpf_map_update_elem(bpf_map__fd(d->skel->maps.np_drop_netns), &inode, &v, BPF_ANY))
		return -errno;
	return 0;
}

int drops__netns_remove(struct drops *d, uint32_t inode)
{
	int fd, err = 0;
	struct np_drop_key key, next;
	void *prev = NULL;

	if (d->state != DROPS_LOADED)
		return -ENODEV;
	if (bpf_map_delete_elem(bpf_map__fd(d->skel->maps.np_drop_netns), &inode))
		err = -errno;
	/* Its counters go too, even if the filter entry was already gone. The walk restarts after
	 * each delete: the deleted key was its position. */
	fd = bpf_map__fd(d->skel->maps.np_drop_stats);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.netns == inode && bpf_map_delete_elem(fd, &key) == 0)
			prev = NULL;
	}
	return err;
}

int drops__purge_except(struct drops *d, const uint32_t *live, size_t n_live, size_t *removed)
{
	struct np_drop_key key, next;
	void *prev = NULL;
	size_t n = 0;
	int fd;

	if (removed)
		*removed = 0;
	if (d->state != DROPS_LOADED)
		return -ENODEV;
	fd = bpf_map__fd(d->skel->maps.np_drop_stats);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		bool keep = false;

		key = next;
		prev = &key;
		for (size_t i = 0; i < n_live && !keep; i++)
			keep = live[i] == key.netns;
		if (!keep && bpf_map_delete_elem(fd, &key) == 0) {
			n++;
			prev = NULL; /* the walk position is gone: start over */
		}
	}
	if (removed)
		*removed = n;
	return 0;
}

static int sum_drop_stat(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	const struct np_drop_key *k = key;
	struct drop_stat *s = loader_priv__stat_vec_push(ctx);

	if (!s)
		return -ENOMEM;
	s->netns = k->netns;
	s->ifindex = k->ifindex;
	s->reason = k->reason;
	for (int c = 0; c < ncpus; c++) {
		const struct np_drop_value *v =
		    (const void *)((const char *)vals + (size_t)c * stride);

		s->packets += v->packets;
		s->bytes += v->bytes;
	}
	return 0;
}

int drops__read(struct drops *d, struct drop_stat **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (d->state != DROPS_LOADED)
		return -ENODEV;
	return loader_priv__read_summed(d->ncpus, d->skel->maps.np_drop_stats, sum_drop_stat,
					sizeof(**out), (void **)out, n);
}

int drops__map_fill(struct drops *d, uint32_t *entries, uint32_t *capacity)
{
	struct np_drop_key key, next;
	void *prev = NULL;
	uint32_t n = 0;
	int fd;

	*entries = *capacity = 0;
	if (d->state != DROPS_LOADED)
		return -ENODEV;
	fd = bpf_map__fd(d->skel->maps.np_drop_stats);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	if (errno != ENOENT)
		return -errno;
	*entries = n;
	*capacity = bpf_map__max_entries(d->skel->maps.np_drop_stats);
	return 0;
}

int drops__read_error(struct drops *d, enum np_drop_error idx, uint64_t *value)
{
	struct np_error_value *vals = NULL;
	__u32 key = (__u32)idx;
	int err = 0;

	*value = 0;
	if (d->state != DROPS_LOADED)
		return -ENODEV;
	vals = calloc((size_t)d->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.np_drop_errors), &key, vals)) {
		err = -errno;
		goto cleanup;
	}
	for (int c = 0; c < d->ncpus; c++)
		*value += vals[c].count;
cleanup:
	free(vals);
	return err;
}

int drops__prog_stat(struct drops *d, const char **name, uint64_t *run_time_ns, uint64_t *run_cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!d || d->state != DROPS_LOADED)
		return -ENODEV;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(d->skel->progs.np_kfree_skb), &info, &len))
		return -errno;
	*name = bpf_program__name(d->skel->progs.np_kfree_skb);
	*run_time_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}

const char *drops__reason_name(const struct drops *d, uint32_t reason, char *buf, size_t len)
{
	return drop_reasons__name(d ? d->reasons : NULL, reason, buf, len);
}

void drops__close(struct drops *d)
{
	if (!d)
		return;
	drops_bpf__destroy(d->skel); /* the tp_btf link dies with it: detached */
	drop_reasons__free(d->reasons);
	free(d);
}
