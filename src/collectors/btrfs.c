// SPDX-License-Identifier: Apache-2.0
/* btrfs collector: per-filesystem allocation (node_btrfs_{reserved,used,size}_bytes,
 * node_btrfs_allocation_ratio), global reserve, devices and label from <sysfs>/fs/btrfs/<uuid>,
 * as node_exporter 1.5. For a filesystem mounted (per <procfs>/1/mounts) under --path.rootfs,
 * the devices come from the btrfs ioctls instead, as there: size, unused bytes and the error
 * counters per device, labelled with the device's btrfs UUID. A mount point that cannot be
 * opened or queried falls back to sysfs silently (a debug log), as node_exporter does. A missing
 * sysfs attribute file is 0 or "" as there; a malformed one fails the collector. No btrfs
 * loaded: no series. */
#include "btrfs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "filesystem.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

#define BTRFS_ATTR_MAX 4096
#define BTRFS_SECTOR 512 /* sysfs device sizes are in 512-byte sectors whatever the device */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

int btrfs__parse_value(char *buf, uint64_t *v)
{
	return parse__u64(trim(buf), v) ? -EINVAL : 0;
}

double btrfs__ratio(const char *mode, size_t devices)
{
	double d = (double)devices;

	if (strcmp(mode, "single") == 0 || strcmp(mode, "raid0") == 0)
		return 1;
	if (strcmp(mode, "dup") == 0 || strcmp(mode, "raid1") == 0 || strcmp(mode, "raid10") == 0)
		return 2;
	if (strcmp(mode, "raid5") == 0)
		return d / (d - 1);
	if (strcmp(mode, "raid6") == 0)
		return d / (d - 2);
	return 0;
}

/* Whole attribute, trimmed, malloc'd; "" when the file does not exist. */
static int read_text(const char *dir, const char *rel, char **out)
{
	char path[PATH_MAX];
	int err;

	*out = NULL;
	err = fs__join(path, sizeof(path), dir, rel);
	if (err)
		return err;
	err = fs__read_file(path, BTRFS_ATTR_MAX, out, NULL);
	if (err == -ENOENT) {
		*out = strdup("");
		return *out ? 0 : -ENOMEM;
	}
	if (err)
		return err;
	memmove(*out, trim(*out), strlen(trim(*out)) + 1);
	return 0;
}

/* A number; 0 when the file does not exist. */
static int read_value(const char *dir, const char *rel, uint64_t *v)
{
	char *buf = NULL;
	int err = read_text(dir, rel, &buf);

	*v = 0;
	if (!err && buf[0])
		err = btrfs__parse_value(buf, v);
	if (err == -EINVAL)
		log_error("malformed btrfs attribute", "dir", dir, "file", rel);
	free(buf);
	return err;
}

struct btrfs_layout {
	char *mode;
	uint64_t total, used;
};

struct btrfs_group {
	uint64_t reserved;
	char **modes;
	size_t n;
	struct btrfs_layout *layouts;
};

static const char *const btrfs_groups[] = { "data", "metadata", "system" };
#define BTRFS_N_GROUPS 3

struct btrfs_fs {
	char *uuid, *label;
	uint64_t rsv;
	char **devs;
	size_t ndev;
	uint64_t *dev_size;
	struct btrfs_group g[BTRFS_N_GROUPS];
};

static void fs_free(struct btrfs_fs *f)
{
	free(f->uuid);
	free(f->label);
	sysutil__free_list(f->devs, f->ndev);
	free(f->dev_size);
	for (int i = 0; i < BTRFS_N_GROUPS; i++) {
		sysutil__free_list(f->g[i].modes, f->g[i].n);
		free(f->g[i].layouts);
	}
	memset(f, 0, sizeof(*f));
}

/* Entries of dir (which must exist, as node_exporter requires), whole list; subdirectories only
 * when dirs_only. */
static int list(const char *dir, bool dirs_only, char ***names, size_t *n)
{
	struct stat st;
	size_t k = 0;
	int err;

	if (stat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	err = sysutil__list_dir(dir, NULL, names, n);
	if (err || !dirs_only)
		return err;
	for (size_t i = 0; i < *n; i++) {
		char path[PATH_MAX];

		if (fs__join(path, sizeof(path), dir, (*names)[i]) == 0 && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			(*names)[k++] = (*names)[i];
		else
			free((*names)[i]);
	}
	*n = k;
	return 0;
}

static int read_group(const char *fsdir, const char *name, struct btrfs_group *g)
{
	char dir[PATH_MAX];
	int err;

	if (snprintf(dir, sizeof(dir), "%s/allocation/%s", fsdir, name) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	err = read_value(dir, "bytes_reserved", &g->reserved);
	if (err)
		return err;
	err = list(dir, true, &g->modes, &g->n);
	if (err)
		return err;
	g->layouts = calloc(g->n ? g->n : 1, sizeof(*g->layouts));
	if (!g->layouts)
		return -ENOMEM;
	for (size_t i = 0; i < g->n && !err; i++) {
		char rel[NAME_MAX + 32];

		g->layouts[i].mode = g->modes[i];
		snprintf(rel, sizeof(rel), "%s/total_bytes", g->modes[i]);
		err = read_value(dir, rel, &g->layouts[i].total);
		snprintf(rel, sizeof(rel), "%s/used_bytes", g->modes[i]);
		if (!err)
			err = read_value(dir, rel, &g->layouts[i].used);
	}
	return err;
}

static int read_fs(const char *base, const char *name, struct btrfs_fs *f)
{
	char dir[PATH_MAX], sub[PATH_MAX], **features = NULL;
	size_t nfeatures = 0;
	int err;

	if (snprintf(dir, sizeof(dir), "%s/%s", base, name) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	err = fs__join(sub, sizeof(sub), dir, "devices");
	if (err)
		return err;
	err = list(sub, false, &f->devs, &f->ndev);
	if (err)
		return err;
	f->dev_size = calloc(f->ndev ? f->ndev : 1, sizeof(*f->dev_size));
	if (!f->dev_size)
		return -ENOMEM;
	for (size_t i = 0; i < f->ndev && !err; i++) {
		char rel[NAME_MAX + 16];

		snprintf(rel, sizeof(rel), "%s/size", f->devs[i]);
		err = read_value(sub, rel, &f->dev_size[i]);
		f->dev_size[i] *= BTRFS_SECTOR;
	}
	if (!err)
		err = read_text(dir, "label", &f->label);
	if (!err)
		err = read_text(dir, "metadata_uuid", &f->uuid);
	if (!err && !f->uuid[0]) {
		free(f->uuid);
		f->uuid = strdup(name);
		if (!f->uuid)
			err = -ENOMEM;
	}
	/* Not exported, but node_exporter fails a filesystem without it. */
	if (!err)
		err = fs__join(sub, sizeof(sub), dir, "features");
	if (!err)
		err = list(sub, false, &features, &nfeatures);
	sysutil__free_list(features, nfeatures);
	if (!err)
		err = read_value(dir, "allocation/global_rsv_size", &f->rsv);
	for (int i = 0; i < BTRFS_N_GROUPS && !err; i++)
		err = read_group(dir, btrfs_groups[i], &f->g[i]);
	return err;
}

/* One device as the ioctls report it. */
struct btrfs_dev {
	char name[BTRFS_DEVICE_PATH_NAME_MAX + 1]; /* last component of the device path */
	char uuid[37];
	uint64_t total, used;
	uint64_t errs[5]; /* write, read, flush, corruption, generation (BTRFS_DEV_STAT_*) */
};

struct btrfs_mounted {
	char fsid[33]; /* hex, no dashes, as the sysfs UUID without its dashes */
	struct btrfs_dev *devs;
	size_t n;
};

static const char *const btrfs_err_types[5] = { "write", "read", "flush", "corruption",
						"generation" };

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void uuid_string(const unsigned char u[16], char out[37])
{
	char h[33];

	hex(u, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* The devices of the filesystem open at fd. 0, or -errno from an ioctl. */
static int query_devices(int fd, const struct btrfs_ioctl_fs_info_args *fi, struct btrfs_mounted *m)
{
	m->devs = calloc(fi->num_devices ? fi->num_devices : 1, sizeof(*m->devs));
	if (!m->devs)
		return -ENOMEM;
	/* Device ids need not start at 0 nor be contiguous. */
	for (uint64_t id = 0; id <= fi->max_id && m->n < fi->num_devices; id++) {
		struct btrfs_ioctl_dev_info_args di = { .devid = id };
		struct btrfs_ioctl_get_dev_stats ds = { .devid = id,
							.nr_items = BTRFS_DEV_STAT_VALUES_MAX };
		struct btrfs_dev *d = &m->devs[m->n];
		const char *base;

		if (ioctl(fd, BTRFS_IOC_DEV_INFO, &di) != 0) {
			if (errno == ENODEV)
				continue;
			return -errno;
		}
		if (ioctl(fd, BTRFS_IOC_GET_DEV_STATS, &ds) != 0)
			return -errno;
		di.path[sizeof(di.path) - 1] = 0;
		base = strrchr((const char *)di.path, '/');
		snprintf(d->name, sizeof(d->name), "%s", base ? base + 1 : (const char *)di.path);
		uuid_string(di.uuid, d->uuid);
		d->total = di.total_bytes;
		d->used = di.bytes_used;
		for (int k = 0; k < 5; k++)
			d->errs[k] = ds.values[k];
		m->n++;
	}
	return 0;
}

/* Mounted btrfs filesystems, one entry per filesystem (the first mount point that answers). */
static int query_mounted(struct btrfs_mounted **out, size_t *nout)
{
	struct mount_entry *me = NULL;
	struct btrfs_mounted *m = NULL;
	char path[PATH_MAX], *buf = NULL;
	size_t nme = 0, n = 0;
	int err;

	*out = NULL;
	*nout = 0;
	err = fs__join(path, sizeof(path), fs__procfs(), "1/mounts");
	if (!err)
		err = fs__read_file(path, 1u << 22, &buf, NULL);
	if (err == -ENOENT && !fs__join(path, sizeof(path), fs__procfs(), "mounts"))
		err = fs__read_file(path, 1u << 22, &buf, NULL);
	if (!err)
		err = filesystem__parse_mounts(buf, &me, &nme);
	if (err)
		goto cleanup;
	m = calloc(nme ? nme : 1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nme; i++) {
		struct btrfs_ioctl_fs_info_args fi;
		bool seen = false;
		int fd, e;

		if (strcmp(me[i].fstype, "btrfs") != 0)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(me[j].fstype, "btrfs") == 0 &&
			       strcmp(me[j].device, me[i].device) == 0;
		if (seen || fs__join(path, sizeof(path), fs__rootfs(), me[i].mountpoint))
			continue;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			log_debug("Error inspecting btrfs mountpoint", "mountPoint", path, "err",
				  LOG_ERR(errno));
			continue;
		}
		memset(&fi, 0, sizeof(fi));
		e = ioctl(fd, BTRFS_IOC_FS_INFO, &fi) ? -errno : 0;
		if (!e) {
			hex(fi.fsid, 16, m[n].fsid);
			for (size_t j = 0; j < n && !seen; j++)
				seen = strcmp(m[j].fsid, m[n].fsid) == 0;
			if (!seen)
				e = query_devices(fd, &fi, &m[n]);
		}
		close(fd);
		if (e || seen) {
			if (e)
				log_debug("Error querying btrfs filesystem", "mountPoint", path,
					  "err", LOG_ERR(e));
			free(m[n].devs);
			memset(&m[n], 0, sizeof(m[n]));
			continue;
		}
		n++;
	}
	*out = m;
	*nout = n;
	m = NULL;
cleanup:
	free(m);
	free(me);
	free(buf);
	return err;
}

static const struct btrfs_mounted *find_mounted(const struct btrfs_mounted *m, size_t n,
						const char *uuid)
{
	char h[33];
	size_t k = 0;

	for (const char *p = uuid; *p && k < 32; p++)
		if (*p != '-')
			h[k++] = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
	h[k] = '\0';
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].fsid, h) == 0)
			return &m[i];
	return NULL;
}

static void emit_layouts(struct expo_writer *w, const char *name, const char *help,
			 const struct btrfs_fs *fs, size_t nfs, int what)
{
	expo__family(w, name, help, EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		for (int g = 0; g < BTRFS_N_GROUPS; g++) {
			for (size_t k = 0; k < fs[i].g[g].n; k++) {
				const struct btrfs_layout *l = &fs[i].g[g].layouts[k];
				struct expo_label lab[] = { { "block_group_type", btrfs_groups[g] },
							    { "mode", l->mode },
							    { "uuid", fs[i].uuid } };
				double v = what == 0   ? btrfs__ratio(l->mode, fs[i].ndev)
					   : what == 1 ? (double)l->total
						       : (double)l->used;

				expo__sample(w, name, lab, 3, v);
			}
		}
	}
}

static int btrfs_collect(struct expo_writer *w)
{
	char base[PATH_MAX], **names = NULL;
	struct btrfs_mounted *mt = NULL;
	struct btrfs_fs *fs = NULL;
	size_t n = 0, nfs = 0, nmt = 0;
	bool any_mounted = false;
	int err;

	err = sysutil__list_sysfs("fs/btrfs", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	fs = calloc(n ? n : 1, sizeof(*fs));
	if (!fs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		/* Filesystems are named by UUID; "features" lists what the module supports. */
		if (!strchr(names[i], '-'))
			continue;
		err = read_fs(base, names[i], &fs[nfs]);
		nfs++;
		if (err) {
			log_error("cannot read a btrfs filesystem", "uuid", names[i], "err",
				  fs__strerror(err));
			goto cleanup;
		}
	}
	if (nfs == 0)
		goto cleanup;
	if (query_mounted(&mt, &nmt))
		log_debug("Error querying btrfs device stats with ioctl");
	for (size_t i = 0; i < nfs; i++)
		any_mounted = any_mounted || find_mounted(mt, nmt, fs[i].uuid);
	emit_layouts(w, "node_btrfs_allocation_ratio",
		     "Data allocation ratio for a layout/data type", fs, nfs, 0);
	if (any_mounted)
		expo__family(w, "node_btrfs_device_errors_total", "Errors reported for the device",
			     EXPO_COUNTER);
	for (size_t i = 0; i < nfs; i++) {
		const struct btrfs_mounted *m = find_mounted(mt, nmt, fs[i].uuid);

		for (size_t d = 0; m && d < m->n; d++) {
			for (int k = 0; k < 5; k++) {
				struct expo_label l[] = { { "btrfs_dev_uuid", m->devs[d].uuid },
							  { "device", m->devs[d].name },
							  { "type", btrfs_err_types[k] },
							  { "uuid", fs[i].uuid } };

				expo__sample(w, "node_btrfs_device_errors_total", l, 4,
					     (double)m->devs[d].errs[k]);
			}
		}
	}
	expo__family(w, "node_btrfs_device_size_bytes",
		     "Size of a device that is part of the filesystem.", EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		const struct btrfs_mounted *m = find_mounted(mt, nmt, fs[i].uuid);

		for (size_t d = 0; m && d < m->n; d++) {
			struct expo_label l[] = { { "btrfs_dev_uuid", m->devs[d].uuid },
						  { "device", m->devs[d].name },
						  { "uuid", fs[i].uuid } };

			expo__sample(w, "node_btrfs_device_size_bytes", l, 3,
				     (double)m->devs[d].total);
		}
		for (size_t d = 0; !m && d < fs[i].ndev; d++) {
			struct expo_label l[] = { { "device", fs[i].devs[d] },
						  { "uuid", fs[i].uuid } };

			expo__sample(w, "node_btrfs_device_size_bytes", l, 2,
				     (double)fs[i].dev_size[d]);
		}
	}
	if (any_mounted)
		expo__family(w, "node_btrfs_device_unused_bytes",
			     "Unused bytes unused on a device that is part of the filesystem.",
			     EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		const struct btrfs_mounted *m = find_mounted(mt, nmt, fs[i].uuid);

		for (size_t d = 0; m && d < m->n; d++) {
			struct expo_label l[] = { { "btrfs_dev_uuid", m->devs[d].uuid },
						  { "device", m->devs[d].name },
						  { "uuid", fs[i].uuid } };

			expo__sample(w, "node_btrfs_device_unused_bytes", l, 3,
				     (double)(m->devs[d].total - m->devs[d].used));
		}
	}
	expo__family(w, "node_btrfs_global_rsv_size_bytes", "Size of global reserve.", EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		struct expo_label l = { "uuid", fs[i].uuid };

		expo__sample(w, "node_btrfs_global_rsv_size_bytes", &l, 1, (double)fs[i].rsv);
	}
	expo__family(w, "node_btrfs_info", "Filesystem information", EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		struct expo_label l[] = { { "label", fs[i].label }, { "uuid", fs[i].uuid } };

		expo__sample(w, "node_btrfs_info", l, 2, 1);
	}
	expo__family(w, "node_btrfs_reserved_bytes", "Amount of space reserved for a data type",
		     EXPO_GAUGE);
	for (size_t i = 0; i < nfs; i++) {
		for (int g = 0; g < BTRFS_N_GROUPS; g++) {
			struct expo_label l[] = { { "block_group_type", btrfs_groups[g] },
						  { "uuid", fs[i].uuid } };

			expo__sample(w, "node_btrfs_reserved_bytes", l, 2,
				     (double)fs[i].g[g].reserved);
		}
	}
	emit_layouts(w, "node_btrfs_size_bytes", "Amount of space allocated for a layout/data type",
		     fs, nfs, 1);
	emit_layouts(w, "node_btrfs_used_bytes", "Amount of used space by a layout/data type", fs,
		     nfs, 2);
	err = 0;
cleanup:
	for (size_t i = 0; fs && i < nfs; i++)
		fs_free(&fs[i]);
	free(fs);
	for (size_t i = 0; i < nmt; i++)
		free(mt[i].devs);
	free(mt);
	sysutil__free_list(names, n);
	return err;
}

static struct collector btrfs_collector = {
	.name = "btrfs",
	.default_enabled = true,
	.collect = btrfs_collect,
};
NP_COLLECTOR(btrfs_collector);
