// SPDX-License-Identifier: Apache-2.0
/* The drop counters' half of the loader (see loader_drops.h): drops.bpf.c's light skeleton, its
 * maps pinned by hand next to netpath's, its namespace filter and counters, and the kernel's drop
 * reason names. */
#include "loader_drops.h"
#include "loader_priv.h"
#include "bpf_diag.h"
#include "btf_enum.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "drops.lskel.h"

#define DROP_PREFIX "SKB_DROP_REASON_"
#define SKB_PREFIX "SKB_"
#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

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

struct reasons_ctx {
	struct drop_reasons *r;
	size_t cap;
};

static int add_reason(const char *name, int64_t value, void *arg)
{
	struct reasons_ctx *c = arg;
	struct drop_reasons *r = c->r;
	char *copy;

	/* Reasons are u32 in the tracepoint: a 32-bit enumerator read as signed (SUBSYS_MASK,
	 * 0xffff0000, in BTF without the unsigned flag) is that u32; one past 32 bits is never seen
	 * there. */
	if (!*name || value < INT32_MIN || value > UINT32_MAX)
		return 0;
	if (strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)) == 0)
		name += strlen(DROP_PREFIX);
	else if (strncmp(name, SKB_PREFIX, strlen(SKB_PREFIX)) == 0)
		name += strlen(SKB_PREFIX);
	if (r->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 128;
		struct drop_reason *items = reallocarray(r->items, cap, sizeof(*items));

		if (!items)
			return -ENOMEM;
		r->items = items;
		c->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	r->items[r->n].value = (uint32_t)value;
	r->items[r->n].name = copy;
	r->n++;
	return 0;
}

int drop_reasons__read(int fd, struct drop_reasons **out, const char **why)
{
	struct reasons_ctx c = { 0 };
	const char *w = NULL;
	int err;

	*out = NULL;
	c.r = calloc(1, sizeof(*c.r));
	if (!c.r)
		return -ENOMEM;
	err = btf_enum__read(fd, "skb_drop_reason", add_reason, &c, &w);
	if (err) {
		if (err == -ENOENT)
			w = "kernel has no enum skb_drop_reason (needs >= 5.17)";
		else if (err == -ENOMEM)
			w = "out of memory";
		if (why)
			*why = w;
		drop_reasons__free(c.r);
		return err;
	}
	qsort(c.r->items, c.r->n, sizeof(*c.r->items), reason_cmp);
	*out = c.r;
	if (why)
		*why = NULL;
	return 0;
}

int drop_reasons__load(struct drop_reasons **out, const char **why)
{
	int fd, err;

	*out = NULL;
	fd = open(KERNEL_BTF, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (why)
			*why = "no kernel BTF (" KERNEL_BTF ")";
		return err;
	}
	err = drop_reasons__read(fd, out, why);
	close(fd);
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
	uint32_t capacity; /* of np_drop_stats */
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

static int stats_fd(const struct drops *d)
{
	return d->skel->maps.np_drop_stats.map_fd;
}

/* Every CPU's value of one key, side by side (the kernel rounds each up to 8 bytes). */
static size_t percpu_size(uint32_t value_size, int ncpus)
{
	return (((size_t)value_size + 7) & ~(size_t)7) * (size_t)ncpus;
}

/* Copies every entry of the previous agent's map into ours before our program is attached: its
 * program died with it, so the old map no longer moves and nothing counted is lost or doubled. */
static int copy_entries(int from, int to, const struct bpf_map_info *info, int ncpus,
			uint32_t *copied)
{
	char key[64], next[64];
	void *vals = NULL;
	int err = 0;

	*copied = 0;
	if (info->key_size > sizeof(key))
		return -E2BIG;
	vals = malloc(percpu_size(info->value_size, ncpus));
	if (!vals)
		return -ENOMEM;
	if (info->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		for (uint32_t i = 0; i < info->max_entries; i++) {
			if (bpf_map_lookup_elem(from, &i, vals) ||
			    bpf_map_update_elem(to, &i, vals, 0)) {
				err = -errno;
				goto cleanup;
			}
			(*copied)++;
		}
		goto cleanup;
	}
	for (void *prev = NULL; bpf_map_get_next_key(from, prev, next) == 0; prev = key) {
		memcpy(key, next, info->key_size);
		if (bpf_map_lookup_elem(from, key, vals)) {
			if (errno == ENOENT)
				continue; /* deleted since: nothing to carry */
			err = -errno;
			goto cleanup;
		}
		if (bpf_map_update_elem(to, key, vals, BPF_ANY)) {
			err = -errno;
			goto cleanup;
		}
		(*copied)++;
	}
cleanup:
	free(vals);
	return err;
}

/* The light skeleton neither pins nor re-uses pins, so the agent does both: an earlier agent's
 * pin of the same layout and capacity has its counters carried into our new map, which then
 * takes the pin's place (renamed over it, so the path never goes missing); a pin of another
 * layout or capacity is replaced and its counters restart, as the tc counters' pins do. bpffs
 * refuses dots in names, hence the suffix of the temporary pin. */
static int pin_carrying_over(int fd, const char *pin_root, const char *name, int ncpus)
{
	struct bpf_map_info have = {}, old = {};
	__u32 len = sizeof(have);
	char path[4096], tmp[4096];
	int old_fd = -1, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", pin_root, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/%s_replacing", pin_root, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (bpf_obj_get_info_by_fd(fd, &have, &len))
		return -errno;
	old_fd = bpf_obj_get(path);
	if (old_fd >= 0) {
		len = sizeof(old);
		if (bpf_obj_get_info_by_fd(old_fd, &old, &len)) {
			err = -errno;
			goto cleanup;
		}
		if (old.type != have.type || old.key_size != have.key_size ||
		    old.value_size != have.value_size || old.max_entries != have.max_entries ||
		    old.map_flags != have.map_flags) {
			log_warn(
			    "pinned map has another layout or capacity; replacing it, its counters restart from zero",
			    "path", path, "max_entries", LOG_UINT(old.max_entries), "want",
			    LOG_UINT(have.max_entries));
		} else {
			uint32_t copied = 0;

			/* A failed copy still replaces the pin: drop counters that restart (a
			 * reset Prometheus handles) beat no drop counters at all. */
			err = copy_entries(old_fd, fd, &old, ncpus, &copied);
			if (err)
				log_warn(
				    "cannot carry over a pinned map's counters; replacing it, its counters restart from zero",
				    "path", path, "carried", LOG_UINT(copied), "err", LOG_ERR(err));
			else
				log_debug("carried over pinned counters", "path", path, "entries",
					  LOG_UINT(copied));
			err = 0;
		}
	} else if (errno != ENOENT) {
		err = -errno;
		goto cleanup;
	}
	if (unlink(tmp) && errno != ENOENT) {
		err = -errno;
		goto cleanup;
	}
	if (bpf_obj_pin(fd, tmp)) {
		err = -errno;
		goto cleanup;
	}
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
cleanup:
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

static int load_and_attach(struct drops *d, const struct drops_opts *opts)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = loader_priv__ensure_bpffs(opts->pin_path);
	if (err) {
		d->why = "no bpffs at the pin path";
		return err;
	}
	d->skel = drops_bpf__open();
	if (!d->skel) {
		d->why = "cannot open the BPF object";
		return -ENOMEM;
	}
	d->skel->maps.np_drop_stats.max_entries = opts->max_entries; /* 0: the object's */
	/* The kernel does the CO-RE relocations and finds the tracepoint's BTF id itself: no copy
	 * of the kernel's BTF in this process. */
	err = drops_bpf__load(d->skel);
	if (err) {
		d->why = "cannot load the kfree_skb program";
		return err;
	}
	if (bpf_obj_get_info_by_fd(stats_fd(d), &info, &len)) {
		d->why = "cannot read np_drop_stats";
		return -errno;
	}
	d->capacity = info.max_entries;
	err = pin_carrying_over(stats_fd(d), opts->pin_path, "np_drop_stats", d->ncpus);
	if (!err)
		err = pin_carrying_over(d->skel->maps.np_drop_errors.map_fd, opts->pin_path,
					"np_drop_errors", d->ncpus);
	if (err) {
		d->why = "cannot pin the drop counters";
		return err;
	}
	/* The light skeleton's attach is the raw bpf(2) call: -1 and errno. */
	if (drops_bpf__attach(d->skel)) {
		d->why = "cannot attach to tp_btf/kfree_skb";
		return -errno;
	}
	return 0;
}

int drops__open(const struct drops_opts *opts, struct drops **out)
{
	struct drops *d = NULL;
	const char *why = NULL;
	int err;

	*out = NULL;
	if (!opts->pin_path)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ncpus = libbpf_num_possible_cpus();
	/* The reason argument and enum skb_drop_reason came together (5.17), and the program needs
	 * kernel BTF anyway: without the enum the kernel cannot run it. */
	err = drop_reasons__load(&d->reasons, &why);
	if (err == -ENOMEM)
		goto cleanup;
	if (err) {
		d->state = DROPS_UNSUPPORTED;
		d->err = err;
		d->why = why;
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
			 opts->pin_path, "np_drop_stats_capacity", LOG_UINT(d->capacity));
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
	if (bpf_map_update_elem(d->skel->maps.np_drop_netns.map_fd, &inode, &v, BPF_ANY))
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
	if (bpf_map_delete_elem(d->skel->maps.np_drop_netns.map_fd, &inode))
		err = -errno;
	/* Its counters go too, even if the filter entry was already gone. The walk restarts after
	 * each delete: the deleted key was its position. */
	fd = stats_fd(d);
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
	fd = stats_fd(d);
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
	return loader_priv__read_summed_fd(d->ncpus, stats_fd(d), sizeof(struct np_drop_key),
					   sizeof(struct np_drop_value), sum_drop_stat,
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
	fd = stats_fd(d);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	if (errno != ENOENT)
		return -errno;
	*entries = n;
	*capacity = d->capacity;
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
	if (bpf_map_lookup_elem(d->skel->maps.np_drop_errors.map_fd, &key, vals)) {
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
	if (bpf_obj_get_info_by_fd(d->skel->progs.np_kfree_skb.prog_fd, &info, &len))
		return -errno;
	*name = "np_kfree_skb";
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
