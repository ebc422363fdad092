// SPDX-License-Identifier: Apache-2.0
/* diskstats collector: per-device I/O counters from <procfs>/diskstats and device identity from
 * the udev database, with node_exporter 1.5's names, units and default device exclude. */
#include "diskstats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "pattern.h"
#include "sysutil.h"

/* node_exporter 1.5's default. */
#define DEFAULT_EXCLUDE "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$"
static const char *opt_exclude = DEFAULT_EXCLUDE;
static const char *opt_include = "";
NP_FLAG_STRING("collector.diskstats.device-exclude", &opt_exclude,
	       "Regexp of diskstats devices to exclude (mutually exclusive to device-include).");
NP_FLAG_STRING("collector.diskstats.device-include", &opt_include,
	       "Regexp of diskstats devices to include (mutually exclusive to device-exclude).");

static struct pattern *dev_re;
static bool dev_re_include;
static bool udev_enabled;

static int parse_line(char *line, struct disk_stat *d)
{
	char *save = NULL, *tok;
	uint64_t v;
	unsigned int idx = 0;
	int err;

	memset(d, 0, sizeof(*d));
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), idx++) {
		if (idx == 2) {
			if (strlen(tok) >= sizeof(d->name))
				return -EINVAL;
			strcpy(d->name, tok);
			continue;
		}
		if (idx >= 3 + DISKSTATS_MAX_FIELDS)
			break; /* newer kernels may append fields; ignore them */
		err = parse__u64(tok, &v);
		if (err)
			return -EINVAL;
		if (idx == 0 || idx == 1) {
			if (v > 0xffffffffULL)
				return -EINVAL;
			if (idx == 0)
				d->major = (unsigned int)v;
			else
				d->minor = (unsigned int)v;
			continue;
		}
		d->v[idx - 3] = v;
		d->nfields = idx - 2;
	}
	return 0;
}

int diskstats__parse(const char *buf, struct disk_stat **out, size_t *n)
{
	struct disk_stat *arr = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = buf;
	int err = 0;

	*out = NULL;
	*n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		struct disk_stat d;

		if (len >= sizeof(line)) {
			err = -EINVAL;
			goto cleanup;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		if (strspn(line, " \t") == len)
			continue;
		err = parse_line(line, &d);
		if (err)
			goto cleanup;
		if (d.nfields < 11)
			continue;
		if (cnt == DISKSTATS_MAX_DEVICES) {
			err = -E2BIG;
			goto cleanup;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct disk_stat *na = realloc(arr, ncap * sizeof(*na));

			if (!na) {
				err = -ENOMEM;
				goto cleanup;
			}
			arr = na;
			cap = ncap;
		}
		arr[cnt++] = d;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
cleanup:
	free(arr);
	return err;
}

static void set_prop(char *dst, size_t cap, const char *v, size_t vlen)
{
	if (vlen >= cap)
		vlen = cap - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

void diskstats__parse_udev(const char *buf, struct udev_props *pr)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} keys[] = {
#define K(k, f) { k, offsetof(struct udev_props, f), sizeof(((struct udev_props *)0)->f) }
		K("ID_PATH", id_path),
		K("ID_WWN", id_wwn),
		K("ID_MODEL", id_model),
		K("ID_REVISION", id_revision),
		K("ID_FS_TYPE", fs_type),
		K("ID_FS_USAGE", fs_usage),
		K("ID_FS_UUID", fs_uuid),
		K("ID_FS_VERSION", fs_version),
		K("DM_NAME", dm_name),
		K("DM_UUID", dm_uuid),
		K("DM_VG_NAME", dm_vg_name),
		K("DM_LV_NAME", dm_lv_name),
		K("DM_LV_LAYER", dm_lv_layer),
		K("ID_ATA_WRITE_CACHE", ata_write_cache),
		K("ID_ATA_WRITE_CACHE_ENABLED", ata_write_cache_enabled),
		K("ID_ATA_ROTATION_RATE_RPM", ata_rotation_rate_rpm),
#undef K
	};
	char scsi_serial[128] = "", short_serial[128] = "";
	const char *p = buf;

	memset(pr, 0, sizeof(*pr));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *eq;

		if (len > 2 && p[0] == 'E' && p[1] == ':') {
			const char *kv = p + 2;
			size_t kvlen = len - 2;

			eq = memchr(kv, '=', kvlen);
			if (eq) {
				size_t klen = (size_t)(eq - kv);
				const char *val = eq + 1;
				size_t vlen = kvlen - klen - 1;

				for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
					if (strlen(keys[i].key) == klen &&
					    !memcmp(keys[i].key, kv, klen)) {
						set_prop((char *)pr + keys[i].off, keys[i].cap, val,
							 vlen);
						break;
					}
				}
				if (klen == 17 && !memcmp(kv, "SCSI_IDENT_SERIAL", 17))
					set_prop(scsi_serial, sizeof(scsi_serial), val, vlen);
				else if (klen == 15 && !memcmp(kv, "ID_SERIAL_SHORT", 15))
					set_prop(short_serial, sizeof(short_serial), val, vlen);
				else if (klen == 6 && !memcmp(kv, "ID_ATA", 6) && vlen > 0)
					pr->ata = 1;
			}
		}
		p += len + (nl ? 1 : 0);
	}
	strcpy(pr->serial, scsi_serial[0] ? scsi_serial : short_serial);
}

static const struct {
	const char *name, *help;
	enum expo_type type;
	double scale;
} fields[DISKSTATS_MAX_FIELDS] = {
	{ "node_disk_reads_completed_total", "The total number of reads completed successfully.",
	  EXPO_COUNTER, 1 },
	{ "node_disk_reads_merged_total", "The total number of reads merged.", EXPO_COUNTER, 1 },
	{ "node_disk_read_bytes_total", "The total number of bytes read successfully.",
	  EXPO_COUNTER, 512 },
	{ "node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
	  EXPO_COUNTER, 0.001 },
	{ "node_disk_writes_completed_total", "The total number of writes completed successfully.",
	  EXPO_COUNTER, 1 },
	{ "node_disk_writes_merged_total", "The number of writes merged.", EXPO_COUNTER, 1 },
	{ "node_disk_written_bytes_total", "The total number of bytes written successfully.",
	  EXPO_COUNTER, 512 },
	{ "node_disk_write_time_seconds_total",
	  "This is the total number of seconds spent by all writes.", EXPO_COUNTER, 0.001 },
	{ "node_disk_io_now", "The number of I/Os currently in progress.", EXPO_GAUGE, 1 },
	{ "node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", EXPO_COUNTER,
	  0.001 },
	{ "node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
	  EXPO_COUNTER, 0.001 },
	{ "node_disk_discards_completed_total",
	  "The total number of discards completed successfully.", EXPO_COUNTER, 1 },
	{ "node_disk_discards_merged_total", "The total number of discards merged.", EXPO_COUNTER,
	  1 },
	{ "node_disk_discarded_sectors_total",
	  "The total number of sectors discarded successfully.", EXPO_COUNTER, 1 },
	{ "node_disk_discard_time_seconds_total",
	  "This is the total number of seconds spent by all discards.", EXPO_COUNTER, 0.001 },
	{ "node_disk_flush_requests_total",
	  "The total number of flush requests completed successfully", EXPO_COUNTER, 1 },
	{ "node_disk_flush_requests_time_seconds_total",
	  "This is the total number of seconds spent by all flush requests.", EXPO_COUNTER, 0.001 },
};

static int diskstats_init(void)
{
	const char *pat = opt_exclude, *flag = "collector.diskstats.device-exclude";
	char path[4096];
	struct stat st;
	int err;

	/* As node_exporter: an include pattern replaces the default exclude, not a set one. */
	if (opt_include[0] && opt_exclude[0] && strcmp(opt_exclude, DEFAULT_EXCLUDE)) {
		log_error("device-include and device-exclude are mutually exclusive");
		return -EINVAL;
	}
	if (opt_include[0]) {
		pat = opt_include;
		flag = "collector.diskstats.device-include";
		dev_re_include = true;
	}
	err = pattern__compile(flag, pat, PATTERN_SEARCH, &dev_re, NULL, 0);
	if (err)
		return err;
	/* As node_exporter: no readable udev database means no udev-derived labels or series. */
	snprintf(path, sizeof(path), "%s", fs__udev_data());
	udev_enabled = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (!udev_enabled)
		log_info("udev data path unreadable, udev properties disabled", "path", path);
	return 0;
}

static void diskstats_fini(void)
{
	pattern__free(dev_re);
	dev_re = NULL;
}

static bool ignored(const char *name)
{
	bool m = pattern__match(dev_re, name);

	return dev_re_include ? !m : m;
}

static void read_udev(const struct disk_stat *d, struct udev_props *pr)
{
	char rel[64], *buf = NULL;

	memset(pr, 0, sizeof(*pr));
	if (!udev_enabled)
		return;
	snprintf(rel, sizeof(rel), "b%u:%u", d->major, d->minor);
	if (fs__read_rel(fs__udev_data(), rel, 1 << 16, &buf, NULL))
		return; /* no udev record: empty labels, as node_exporter */
	diskstats__parse_udev(buf, pr);
	free(buf);
}

static int diskstats_collect(struct expo_writer *w)
{
	struct disk_stat *ds = NULL;
	struct udev_props *up = NULL;
	bool *skip = NULL;
	char *buf = NULL;
	size_t n = 0;
	int err;

	err = fs__read_rel_records(fs__procfs(), "diskstats", 1 << 22, 1024, &buf, NULL);
	if (err) {
		log_warn("reading diskstats failed", "err", LOG_ERR(err));
		goto cleanup;
	}
	err = diskstats__parse(buf, &ds, &n);
	if (err) {
		log_warn("parsing diskstats failed", "err", LOG_ERR(err));
		goto cleanup;
	}
	up = calloc(n ? n : 1, sizeof(*up));
	skip = calloc(n ? n : 1, sizeof(*skip));
	if (!up || !skip) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		skip[i] = ignored(ds[i].name);
		if (!skip[i])
			read_udev(&ds[i], &up[i]);
	}

	for (size_t i = 0, any = 0; i < n; i++) {
		char maj[16], min[16];
		struct expo_label l[8] = {
			{ "device", ds[i].name },   { "major", maj },
			{ "minor", min },	    { "model", up[i].id_model },
			{ "path", up[i].id_path },  { "revision", up[i].id_revision },
			{ "serial", up[i].serial }, { "wwn", up[i].id_wwn },
		};

		if (skip[i])
			continue;
		if (!any++)
			expo__family(w, "node_disk_info", "Info of /sys/block/<block_device>.",
				     EXPO_GAUGE);
		snprintf(maj, sizeof(maj), "%u", ds[i].major);
		snprintf(min, sizeof(min), "%u", ds[i].minor);
		expo__sample(w, "node_disk_info", l, 8, 1);
	}
	for (unsigned int f = 0; f < DISKSTATS_MAX_FIELDS; f++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			struct expo_label l = { "device", ds[i].name };

			if (skip[i] || ds[i].nfields <= f)
				continue;
			if (!any)
				expo__family(w, fields[f].name, fields[f].help, fields[f].type);
			any = true;
			expo__sample(w, fields[f].name, &l, 1,
				     (double)ds[i].v[f] * fields[f].scale);
		}
	}
	/* udev-derived families exist only for devices udev knows about. */
	for (int pass = 0; pass < 5; pass++) {
		static const char *const names[5] = { "node_disk_filesystem_info",
						      "node_disk_device_mapper_info",
						      "node_disk_ata_rotation_rate_rpm",
						      "node_disk_ata_write_cache",
						      "node_disk_ata_write_cache_enabled" };
		static const char *const helps[5] = {
			"Info about disk filesystem.", "Info about disk device mapper.",
			"ATA disk rotation rate in RPMs (0 for SSDs).",
			"ATA disk has a write cache.", "ATA disk has its write cache enabled."
		};
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			struct udev_props *p = &up[i];
			struct expo_label l[6];
			const char *sv = NULL;
			size_t nl = 0;
			double v = 1;

			if (skip[i])
				continue;
			if (pass == 0) {
				if (!p->fs_type[0])
					continue;
				l[0] = (struct expo_label){ "device", ds[i].name };
				l[1] = (struct expo_label){ "type", p->fs_type };
				l[2] = (struct expo_label){ "usage", p->fs_usage };
				l[3] = (struct expo_label){ "uuid", p->fs_uuid };
				l[4] = (struct expo_label){ "version", p->fs_version };
				nl = 5;
			} else if (pass == 1) {
				if (!p->dm_name[0])
					continue;
				l[0] = (struct expo_label){ "device", ds[i].name };
				l[1] = (struct expo_label){ "lv_layer", p->dm_lv_layer };
				l[2] = (struct expo_label){ "lv_name", p->dm_lv_name };
				l[3] = (struct expo_label){ "name", p->dm_name };
				l[4] = (struct expo_label){ "uuid", p->dm_uuid };
				l[5] = (struct expo_label){ "vg_name", p->dm_vg_name };
				nl = 6;
			} else {
				if (!p->ata)
					continue;
				sv = pass == 2	 ? p->ata_rotation_rate_rpm
				     : pass == 3 ? p->ata_write_cache
						 : p->ata_write_cache_enabled;
				if (!sv[0] || parse__double(sv, &v))
					continue;
				l[0] = (struct expo_label){ "device", ds[i].name };
				nl = 1;
			}
			if (!any)
				expo__family(w, names[pass], helps[pass], EXPO_GAUGE);
			any = true;
			expo__sample(w, names[pass], l, nl, v);
		}
	}
cleanup:
	free(skip);
	free(up);
	free(ds);
	free(buf);
	return err;
}

static struct collector diskstats_collector = {
	.name = "diskstats",
	.default_enabled = true,
	.init = diskstats_init,
	.collect = diskstats_collect,
	.fini = diskstats_fini,
};
NP_COLLECTOR(diskstats_collector);
