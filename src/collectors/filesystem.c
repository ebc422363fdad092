// SPDX-License-Identifier: Apache-2.0
/* filesystem collector: node_exporter 1.5's node_filesystem_* from statvfs(2) on every mount in
 * <procfs>/1/mounts (falling back to <procfs>/mounts), paths under --path.rootfs, with its default
 * mount-point and fs-type excludes.
 *
 * A dead NFS server makes statvfs block in the kernel, uninterruptibly. node_exporter 1.5 lets that
 * one scrape hang and marks the mount "stuck" after --collector.filesystem.mount-timeout so later
 * scrapes skip it. Here statvfs runs on a helper thread and the scrape waits at most mount-timeout:
 * on timeout the mount is reported with node_filesystem_device_error 1, marked stuck, and skipped
 * (device_error 1) until the blocked call returns, which clears the mark. The blocked helper
 * thread is abandoned, not killed (nothing can kill it); one per stuck mount at most. */
#include "filesystem.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <time.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "pattern.h"
#include "sysutil.h"

static const char *opt_mp_exclude =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
static const char *opt_fs_exclude =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    "sysfs|tracefs)$";
static unsigned long opt_timeout_s = 5;
NP_FLAG_STRING("collector.filesystem.mount-points-exclude", &opt_mp_exclude,
	       "Regexp of mount points to exclude for filesystem collector.");
NP_FLAG_STRING("collector.filesystem.fs-types-exclude", &opt_fs_exclude,
	       "Regexp of filesystem types to exclude for filesystem collector.");
NP_FLAG_UINT("collector.filesystem.mount-timeout", &opt_timeout_s,
	     "how long to wait for a mount to respond before marking it as stale (seconds).");

static struct pattern *mp_re, *fs_re;

static void unescape_mp(char *s)
{
	char *o = s;

	while (*s) {
		if (!strncmp(s, "\\040", 4)) {
			*o++ = ' ';
			s += 4;
		} else if (!strncmp(s, "\\011", 4)) {
			*o++ = '\t';
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

int filesystem__parse_mounts(char *buf, struct mount_entry **out, size_t *n)
{
	struct mount_entry *arr = NULL;
	size_t cnt = 0, cap = 0;
	char *line, *save = NULL;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4], *fsave = NULL;
		int nf = 0;

		for (char *t = strtok_r(line, " \t", &fsave); t && nf < 4;
		     t = strtok_r(NULL, " \t", &fsave))
			f[nf++] = t;
		if (nf == 0)
			continue;
		if (nf < 4) {
			err = -EINVAL;
			goto cleanup;
		}
		if (cnt == FILESYSTEM_MAX_MOUNTS) {
			err = -E2BIG;
			goto cleanup;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct mount_entry *na = realloc(arr, ncap * sizeof(*na));

			if (!na) {
				err = -ENOMEM;
				goto cleanup;
			}
			arr = na;
			cap = ncap;
		}
		unescape_mp(f[1]);
		arr[cnt++] = (struct mount_entry){ f[0], f[1], f[2], f[3] };
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
cleanup:
	free(arr);
	return err;
}

void filesystem__strip_rootfs(const char *rootfs, const char *mp, char *out, size_t cap)
{
	size_t rl = strlen(rootfs);

	/* node_exporter: TrimPrefix(path, rootfs), "" becomes "/"; rootfs "/" changes nothing. */
	if (!strcmp(rootfs, "/") || strncmp(mp, rootfs, rl)) {
		snprintf(out, cap, "%s", mp);
		return;
	}
	snprintf(out, cap, "%s", mp[rl] ? mp + rl : "/");
}

/* ---- statvfs with a deadline --------------------------------------------------------------- */

struct stat_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char path[4096];
	char key[4096]; /* mount point label, for the stuck list */
	struct statvfs st;
	int err;
	bool done;
	bool abandoned; /* the waiter gave up; the thread frees the job */
};

static pthread_mutex_t stuck_mu = PTHREAD_MUTEX_INITIALIZER;
#define MAX_STUCK 64
static char *stuck[MAX_STUCK];

static bool is_stuck(const char *mp)
{
	bool r = false;

	pthread_mutex_lock(&stuck_mu);
	for (int i = 0; i < MAX_STUCK; i++)
		if (stuck[i] && !strcmp(stuck[i], mp))
			r = true;
	pthread_mutex_unlock(&stuck_mu);
	return r;
}

static bool mark_stuck(const char *mp)
{
	bool ok = false;

	pthread_mutex_lock(&stuck_mu);
	for (int i = 0; i < MAX_STUCK && !ok; i++) {
		if (!stuck[i]) {
			stuck[i] = strdup(mp);
			ok = stuck[i] != NULL;
		}
	}
	pthread_mutex_unlock(&stuck_mu);
	return ok;
}

static void unmark_stuck(const char *mp)
{
	pthread_mutex_lock(&stuck_mu);
	for (int i = 0; i < MAX_STUCK; i++) {
		if (stuck[i] && !strcmp(stuck[i], mp)) {
			free(stuck[i]);
			stuck[i] = NULL;
		}
	}
	pthread_mutex_unlock(&stuck_mu);
}

int (*filesystem__statvfs)(const char *path, struct statvfs *st) = statvfs;

static void *stat_thread(void *arg)
{
	struct stat_job *j = arg;
	struct statvfs st;
	int err = filesystem__statvfs(j->path, &st) ? -errno : 0;
	bool abandoned;

	/* Outlives the scrape that started it, so the registry's log context is not ours. */
	log__set_collector("filesystem");
	pthread_mutex_lock(&j->mu);
	j->st = st;
	j->err = err;
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned) {
		log_info("mount point responds again", "mountpoint", j->key);
		unmark_stuck(j->key);
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		free(j);
	}
	return NULL;
}

void filesystem__set_timeout(unsigned long seconds)
{
	opt_timeout_s = seconds;
}

bool filesystem__is_stuck(const char *mp)
{
	return is_stuck(mp);
}

int filesystem__statvfs_deadline(const char *path, const char *mp, struct statvfs *st)
{
	struct stat_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	struct timespec dl;
	pthread_t tid;
	int err = 0, rc;

	if (!j)
		return -ENOMEM;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->key, sizeof(j->key), "%s", mp);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	rc = pthread_create(&tid, &attr, stat_thread, j);
	pthread_attr_destroy(&attr);
	if (rc) {
		/* No thread: do it inline rather than not at all. */
		err = filesystem__statvfs(path, st) ? -errno : 0;
		goto free_job;
	}
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(opt_timeout_s ? opt_timeout_s : 1);
	pthread_mutex_lock(&j->mu);
	while (!j->done) {
		if (pthread_cond_timedwait(&j->cv, &j->mu, &dl) == ETIMEDOUT && !j->done) {
			/* Mark before releasing the job so the thread's unmark cannot come first. */
			mark_stuck(mp);
			j->abandoned = true;
			pthread_mutex_unlock(&j->mu);
			log_warn(
			    "mount point timed out, it is being labeled as stuck and will not be monitored",
			    "mountpoint", mp);
			return -ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&j->mu);
	err = j->err;
	*st = j->st;
free_job:
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
	return err;
}

/* ---- collector ---------------------------------------------------------------------------- */

struct fs_stat {
	const char *device, *fstype;
	char mp[4096];
	bool error, ro;
	double size, free, avail, files, files_free;
};

static int filesystem_init(void)
{
	int err;

	err = pattern__compile("collector.filesystem.mount-points-exclude", opt_mp_exclude,
			       PATTERN_SEARCH, &mp_re, NULL, 0);
	if (!err)
		err = pattern__compile("collector.filesystem.fs-types-exclude", opt_fs_exclude,
				       PATTERN_SEARCH, &fs_re, NULL, 0);
	if (err) {
		pattern__free(mp_re);
		mp_re = NULL;
	}
	return err;
}

static bool has_ro_option(const char *opts)
{
	const char *p = opts;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == 2 && !strncmp(p, "ro", 2))
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* ---- mount table cache -------------------------------------------------------------------- */

/* Reading <procfs>/1/mounts costs ~0.3 ms on a busy VM (the kernel formats every mount) and the
 * exclude regexes cost more; both only change when the mount table does. The kernel makes
 * /proc/<pid>/mounts pollable: POLLERR|POLLPRI once the table changed since the last poll. So the
 * file stays open and is re-read and re-filtered only then. A --path.procfs that is not a procfs
 * (test fixtures) has no such event and is re-read every scrape. Scrapes share one immutable,
 * reference-counted snapshot of the filtered mounts. */
struct mount_snapshot {
	int refs;
	char *buf;
	struct fs_stat *sel; /* device/fstype point into buf; stats filled per scrape copy */
	size_t n;
};

static pthread_mutex_t mcache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mount_snapshot *mcache;
static int mcache_fd = -1;
static bool mcache_pollable;

static void snapshot_put(struct mount_snapshot *ms)
{
	if (ms && __atomic_sub_fetch(&ms->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(ms->sel);
		free(ms->buf);
		free(ms);
	}
}

static int build_snapshot(char *buf, struct mount_snapshot **out)
{
	struct mount_snapshot *ms = calloc(1, sizeof(*ms));
	struct mount_entry *m = NULL;
	size_t n = 0;
	int err;

	if (!ms) {
		free(buf);
		return -ENOMEM;
	}
	ms->refs = 1;
	ms->buf = buf;
	err = filesystem__parse_mounts(buf, &m, &n);
	if (err) {
		log_warn("malformed mount point information");
		goto fail;
	}
	ms->sel = calloc(n ? n : 1, sizeof(*ms->sel));
	if (!ms->sel) {
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct fs_stat *f = &ms->sel[ms->n];
		bool dup = false;

		filesystem__strip_rootfs(fs__rootfs(), m[i].mountpoint, f->mp, sizeof(f->mp));
		if (pattern__match(mp_re, f->mp) || pattern__match(fs_re, m[i].fstype))
			continue;
		/* One series per (device, mountpoint, fstype), first mount wins, as node_exporter. */
		for (size_t k = 0; k < ms->n && !dup; k++)
			dup = !strcmp(ms->sel[k].mp, f->mp) &&
			      !strcmp(ms->sel[k].device, m[i].device) &&
			      !strcmp(ms->sel[k].fstype, m[i].fstype);
		if (dup)
			continue;
		f->device = m[i].device;
		f->fstype = m[i].fstype;
		f->ro = has_ro_option(m[i].options);
		ms->n++;
	}
	free(m);
	*out = ms;
	return 0;
fail:
	free(m);
	snapshot_put(ms);
	return err;
}

/* A reference to the current filtered mount list, refreshed if the table changed. */
static int mounts_get(struct mount_snapshot **out)
{
	struct mount_snapshot *ms = NULL;
	bool refresh = true;
	char *buf = NULL;
	int err = 0;

	pthread_mutex_lock(&mcache_mu);
	if (mcache_fd < 0) {
		char path[4096];
		struct statfs sfs;

		err = fs__join(path, sizeof(path), fs__procfs(), "1/mounts");
		if (!err) {
			mcache_fd = open(path, O_RDONLY | O_CLOEXEC);
			if (mcache_fd < 0 && errno == ENOENT &&
			    !fs__join(path, sizeof(path), fs__procfs(), "mounts"))
				mcache_fd = open(path, O_RDONLY | O_CLOEXEC);
			if (mcache_fd < 0)
				err = -errno;
		}
		if (err) {
			log_warn("opening mounts failed", "err", LOG_ERR(err));
			goto unlock;
		}
		mcache_pollable = fstatfs(mcache_fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	} else if (mcache && mcache_pollable) {
		struct pollfd pfd = { .fd = mcache_fd, .events = POLLPRI };

		refresh = poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLPRI));
	}
	if (refresh) {
		/* The kept descriptor is what poll() watches; 4 MiB is far above any mount table. */
		err = fs__read_fd(mcache_fd, (1u << 22) - 2, &buf, NULL);
		if (!err)
			err = build_snapshot(buf, &ms);
		if (err) {
			log_warn("reading mounts failed", "err", LOG_ERR(err));
			goto unlock;
		}
		snapshot_put(mcache);
		mcache = ms;
	}
	__atomic_add_fetch(&mcache->refs, 1, __ATOMIC_ACQ_REL);
	*out = mcache;
unlock:
	pthread_mutex_unlock(&mcache_mu);
	return err;
}

/* statvfs on these reads in-memory superblock counters: no deadline thread needed. Anything else
 * (nfs, cifs, fuse, ceph, 9p, ...) may block on a server and goes through statvfs_deadline. */
static bool local_fs(const char *t)
{
	static const char *const local[] = { "ext2",	 "ext3",  "ext4",  "xfs",   "btrfs",
					     "tmpfs",	 "vfat",  "exfat", "f2fs",  "jfs",
					     "zfs",	 "ramfs", "ntfs",  "ntfs3", "hfsplus",
					     "reiserfs", "nilfs2" };

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!strcmp(local[i], t))
			return true;
	return false;
}

static int filesystem_collect(struct expo_writer *w)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "node_filesystem_avail_bytes",
		  "Filesystem space available to non-root users in bytes.",
		  offsetof(struct fs_stat, avail) },
		{ "node_filesystem_files", "Filesystem total file nodes.",
		  offsetof(struct fs_stat, files) },
		{ "node_filesystem_files_free", "Filesystem total free file nodes.",
		  offsetof(struct fs_stat, files_free) },
		{ "node_filesystem_free_bytes", "Filesystem free space in bytes.",
		  offsetof(struct fs_stat, free) },
		{ "node_filesystem_size_bytes", "Filesystem size in bytes.",
		  offsetof(struct fs_stat, size) },
	};
	struct mount_snapshot *ms = NULL;
	struct fs_stat *s = NULL;
	size_t ns = 0;
	int err;

	err = mounts_get(&ms);
	if (err)
		return err;
	ns = ms->n;
	s = malloc((ns ? ns : 1) * sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto cleanup;
	}
	memcpy(s, ms->sel, ns * sizeof(*s));
	for (size_t i = 0; i < ns; i++) {
		struct fs_stat *f = &s[i];
		char path[4096];
		struct statvfs st;
		int serr;

		if (is_stuck(f->mp) || fs__join(path, sizeof(path), fs__rootfs(), f->mp)) {
			f->error = true;
			continue;
		}
		if (local_fs(f->fstype))
			serr = filesystem__statvfs(path, &st) ? -errno : 0;
		else
			serr = filesystem__statvfs_deadline(path, f->mp, &st);
		if (serr) {
			log_debug("statvfs failed", "path", path, "err", LOG_ERR(serr));
			f->error = true;
			continue;
		}
		f->size = (double)st.f_blocks * (double)st.f_bsize;
		f->free = (double)st.f_bfree * (double)st.f_bsize;
		f->avail = (double)st.f_bavail * (double)st.f_bsize;
		f->files = (double)st.f_files;
		f->files_free = (double)st.f_ffree;
	}

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]) + 2; k++) {
		const char *name, *help;
		bool any = false;

		if (k == 0) {
			name = "node_filesystem_device_error";
			help =
			    "Whether an error occurred while getting statistics for the given device.";
		} else if (k == 1) {
			name = "node_filesystem_readonly";
			help = "Filesystem read-only status.";
		} else {
			name = fams[k - 2].name;
			help = fams[k - 2].help;
		}
		for (size_t i = 0; i < ns; i++) {
			struct expo_label l[3] = { { "device", s[i].device },
						   { "fstype", s[i].fstype },
						   { "mountpoint", s[i].mp } };
			double v;

			if (k == 0)
				v = s[i].error;
			else if (s[i].error)
				continue;
			else if (k == 1)
				v = s[i].ro;
			else
				v = *(double *)((char *)&s[i] + fams[k - 2].off);
			if (!any)
				expo__family(w, name, help, EXPO_GAUGE);
			any = true;
			expo__sample(w, name, l, 3, v);
		}
	}
cleanup:
	free(s);
	snapshot_put(ms);
	return err;
}

static void filesystem_fini(void)
{
	pthread_mutex_lock(&mcache_mu);
	snapshot_put(mcache);
	mcache = NULL;
	if (mcache_fd >= 0)
		close(mcache_fd);
	mcache_fd = -1;
	pthread_mutex_unlock(&mcache_mu);
	pattern__free(mp_re);
	pattern__free(fs_re);
	mp_re = fs_re = NULL;
}

static struct collector filesystem_collector = {
	.name = "filesystem",
	.default_enabled = true,
	.init = filesystem_init,
	.collect = filesystem_collect,
	.fini = filesystem_fini,
};
NP_COLLECTOR(filesystem_collector);
