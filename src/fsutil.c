// SPDX-License-Identifier: Apache-2.0
/* Bounded, root-relative file reads shared by the collectors. */
#include "fsutil.h"
#include "flags.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

static const char *opt_procfs = "/proc";
static const char *opt_sysfs = "/sys";
static const char *opt_rootfs = "/";
static const char *opt_udev = "/run/udev/data";
NP_FLAG_STRING("path.procfs", &opt_procfs, "procfs mountpoint.");
NP_FLAG_STRING("path.sysfs", &opt_sysfs, "sysfs mountpoint.");
NP_FLAG_STRING("path.rootfs", &opt_rootfs, "rootfs mountpoint.");
NP_FLAG_STRING("path.udev.data", &opt_udev, "udev data path.");

const char *fs__procfs(void)
{
	return opt_procfs;
}

const char *fs__sysfs(void)
{
	return opt_sysfs;
}

const char *fs__rootfs(void)
{
	return opt_rootfs;
}

const char *fs__udev_data(void)
{
	return opt_udev;
}

int fs__join(char *out, size_t cap, const char *root, const char *rel)
{
	size_t rl = strlen(root), nl;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*rel == '/')
		rel++;
	if (rl == 1 && root[0] == '/')
		rl = 0; /* "/" + rel */
	nl = strlen(rel);
	if (rl + 1 + nl >= cap)
		return -ENAMETOOLONG;
	memcpy(out, root, rl);
	out[rl] = '/';
	memcpy(out + rl + 1, rel, nl + 1);
	return 0;
}

/* Kept-open descriptors for procfs and sysfs files.
 *
 * A scrape reads ~50 such files; open+close costs 2-6 us each on a loaded VM (path walk, the
 * /proc/self/net lookup, file allocation and release), often more than producing the content.
 * Both filesystems regenerate a file on every read at offset 0 (seq_file resets its iterator
 * there; sysfs calls the attribute's show() again), so the descriptor is kept and re-read with
 * pread from 0. Only files on procfs or sysfs are kept: fixture trees and regular files
 * (textfile, os-release) are opened every time, so a file replaced by rename is always seen.
 *
 * A kept descriptor always reads the object it was opened on. A removed sysfs node or a dead
 * task then fails the read (ENODEV, ESRCH): the path is opened again and read once more. The one
 * case where the same path would silently name another object is a renamed network interface
 * whose old name is reused; netclass, which reads those directories, does not use this cache.
 *
 * Concurrent scrapes: one mutex per path, held for the whole read (seq_file keeps the position of
 * a multi-read file per open file). Slots are never freed while the process runs; when the table
 * or the descriptor budget is full, new paths are read the old way. */
#define FD_CACHE_SLOTS 512 /* power of two */
#define FD_CACHE_MAX_FDS 256
#define PROC_SUPER_MAGIC_ 0x9fa0
#define SYSFS_MAGIC_ 0x62656572

struct fd_slot {
	char *path; /* NULL: free */
	bool sysfs; /* every sysfs file is one record: a short read is EOF */
	int fd;	    /* -1 after a failed reopen: opened again on the next read */
	size_t last_len;
	pthread_mutex_t mu;
};

static struct fd_slot g_fds[FD_CACHE_SLOTS];
static pthread_mutex_t g_fds_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t g_fds_open;
static size_t g_fds_budget;

int fs__open_regular(const char *path, int flags, struct stat *st)
{
	struct stat tmp;
	int oflags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	int fd;

	if (flags & FS_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if (!st)
		st = &tmp;
	fd = open(path, oflags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : FS_ENOTREG;
	}
	return fd;
}

const char *fs__strerror(int err)
{
	if (err == FS_ENOTREG)
		return "not a regular file";
	if (err == -ELOOP)
		return "is a symbolic link, not followed";
	return strerror(err < 0 ? -err : err);
}

static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Caller holds g_fds_mu. The slot holding path, or the free slot where it would go, or NULL
 * when the table is full. */
static struct fd_slot *fds_probe(const char *path)
{
	size_t mask = FD_CACHE_SLOTS - 1, i = path_hash(path) & mask;

	for (size_t k = 0; k < FD_CACHE_SLOTS; k++, i = (i + 1) & mask) {
		if (!g_fds[i].path || strcmp(g_fds[i].path, path) == 0)
			return &g_fds[i];
	}
	return NULL;
}

static struct fd_slot *fds_find(const char *path)
{
	struct fd_slot *e;

	pthread_mutex_lock(&g_fds_mu);
	e = fds_probe(path);
	if (e && !e->path)
		e = NULL;
	pthread_mutex_unlock(&g_fds_mu);
	return e;
}

static bool keepable(int fd, bool *sysfs)
{
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return false;
	*sysfs = sf.f_type == SYSFS_MAGIC_;
	return sf.f_type == PROC_SUPER_MAGIC_ || sf.f_type == SYSFS_MAGIC_;
}

/* Hands fd (just opened on path) to the cache. Returns the slot now owning it, locked, or NULL
 * if it was not kept (the caller then reads and closes fd itself). */
static struct fd_slot *fds_adopt(const char *path, int fd)
{
	struct fd_slot *e = NULL;
	bool sysfs;

	if (!keepable(fd, &sysfs))
		return NULL;
	pthread_mutex_lock(&g_fds_mu);
	if (!g_fds_budget) {
		struct rlimit rl;

		/* Never take more than a quarter of the descriptor limit. */
		g_fds_budget = FD_CACHE_MAX_FDS;
		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur / 4 < g_fds_budget)
			g_fds_budget = rl.rlim_cur / 4 ? rl.rlim_cur / 4 : 1;
	}
	if (g_fds_open < g_fds_budget)
		e = fds_probe(path);
	if (e && e->path) {
		e = NULL; /* another scrape kept its own meanwhile: read ours the old way */
	} else if (e) {
		e->path = strdup(path);
		if (e->path) {
			pthread_mutex_init(&e->mu, NULL);
			e->fd = fd;
			e->sysfs = sysfs;
			e->last_len = 0;
			g_fds_open++;
			pthread_mutex_lock(&e->mu);
		} else {
			e = NULL;
		}
	}
	pthread_mutex_unlock(&g_fds_mu);
	return e;
}

/* seq_file fills at most its buffer (at least 4096 bytes) per read and stops early only when
 * the next record does not fit: a read that leaves room both in the caller's buffer and for a
 * record of at most max_record bytes in 4096 ended at EOF. */
#define SEQ_MIN_BUF 4096

/* Reads fd from offset 0 to EOF into a malloc'd NUL-terminated buffer. max_record (0: unknown)
 * lets a short read of a seq_file count as EOF, saving the read that returns 0: for files like
 * /proc/net/udp that read walks a whole hash table again. */
static int read_all_at0(int fd, size_t max, size_t hint, size_t max_record, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int err = 0;

	/* Start with room for the last size seen plus some growth: one pass, no realloc. */
	while (cap <= hint + hint / 4 + 1 && cap <= max)
		cap *= 2;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			if (cap > max) {
				err = -EFBIG;
				goto cleanup;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
		}
		r = pread(fd, buf + n, cap - n - 1, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			goto cleanup;
		}
		if (max_record && max_record < SEQ_MIN_BUF &&
		    (size_t)r <= SEQ_MIN_BUF - max_record && n + 1 < cap)
			break;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	*len = n;
cleanup:
	free(buf);
	return err;
}

/* One read of a whole file or of one attribute line, through whichever descriptor. */
struct reader {
	int (*fn)(struct reader *rd, int fd);
	size_t max, hint;  /* whole file: limit, last size seen */
	size_t max_record; /* whole file: longest seq_file record, 0 if unknown */
	char *out;	   /* whole file: malloc'd result; line: caller's buffer */
	size_t len, cap;
};

static int read_whole(struct reader *rd, int fd)
{
	return read_all_at0(fd, rd->max, rd->hint, rd->max_record, &rd->out, &rd->len);
}

static int read_one_line(struct reader *rd, int fd)
{
	ssize_t r = pread(fd, rd->out, rd->cap - 1, 0);

	if (r < 0)
		return -errno;
	rd->len = (size_t)r;
	return 0;
}

/* Errors that mean the object behind a kept descriptor is gone (removed sysfs node, dead task,
 * unregistered sysctl): the path may name a new one. Others (EINVAL from a link without speed)
 * are the file's answer and come back the same from a fresh descriptor. */
static bool gone(int err)
{
	return err == -ENODEV || err == -ESRCH || err == -ENOENT || err == -ESTALE;
}

/* Caller holds e->mu. Reads through the kept descriptor; if the object behind it is gone or
 * there is none, opens the path again once. */
static int slot_read(struct fd_slot *e, struct reader *rd)
{
	int err;

	rd->hint = e->last_len;
	if (e->sysfs && !rd->max_record)
		rd->max_record = FS_SINGLE_RECORD;
	if (e->fd >= 0) {
		err = rd->fn(rd, e->fd);
		if (!gone(err))
			goto done;
		close(e->fd);
		e->fd = -1;
		pthread_mutex_lock(&g_fds_mu);
		g_fds_open--;
		pthread_mutex_unlock(&g_fds_mu);
	}
	err = fs__open_regular(e->path, 0, NULL);
	if (err < 0)
		return err;
	e->fd = err;
	pthread_mutex_lock(&g_fds_mu);
	g_fds_open++;
	pthread_mutex_unlock(&g_fds_mu);
	err = rd->fn(rd, e->fd);
done:
	if (!err)
		e->last_len = rd->len;
	return err;
}

static int read_path(const char *path, int flags, struct reader *rd)
{
	struct fd_slot *e = flags ? NULL : fds_find(path);
	int fd, err;

	if (e) {
		pthread_mutex_lock(&e->mu);
		err = slot_read(e, rd);
		pthread_mutex_unlock(&e->mu);
		return err;
	}
	fd = fs__open_regular(path, flags, NULL);
	if (fd < 0)
		return fd;
	rd->hint = 0;
	/* A kept descriptor is reopened without the caller's flags: only plain reads keep one. */
	e = flags ? NULL : fds_adopt(path, fd);
	err = rd->fn(rd, fd);
	if (e) {
		if (!err)
			e->last_len = rd->len;
		pthread_mutex_unlock(&e->mu);
	} else {
		close(fd);
	}
	return err;
}

static int read_file_rec(const char *path, int flags, size_t max, size_t max_record, char **out,
			 size_t *len)
{
	struct reader rd = { .fn = read_whole, .max = max, .max_record = max_record };
	int err;

	*out = NULL;
	if (len)
		*len = 0;
	err = read_path(path, flags, &rd);
	if (err)
		return err;
	*out = rd.out;
	if (len)
		*len = rd.len;
	return 0;
}

int fs__read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t n = 0;
	int err = read_all_at0(fd, max, 0, 0, out, &n);

	if (len)
		*len = err ? 0 : n;
	return err;
}

int fs__read_file(const char *path, size_t max, char **out, size_t *len)
{
	return read_file_rec(path, 0, max, 0, out, len);
}

int fs__read_file_flags(const char *path, int flags, size_t max, char **out, size_t *len)
{
	return read_file_rec(path, flags, max, 0, out, len);
}

int fs__read_rel_records(const char *root, const char *rel, size_t max, size_t max_record,
			 char **out, size_t *len)
{
	char path[PATH_MAX];
	int err = fs__join(path, sizeof(path), root, rel);

	if (err)
		return err;
	return read_file_rec(path, 0, max, max_record, out, len);
}

int fs__read_rel(const char *root, const char *rel, size_t max, char **out, size_t *len)
{
	char path[PATH_MAX];
	int err = fs__join(path, sizeof(path), root, rel);

	if (err)
		return err;
	return fs__read_file(path, max, out, len);
}

int fs__read_line(const char *path, char *buf, size_t cap)
{
	struct reader rd = { .fn = read_one_line, .out = buf, .cap = cap };
	size_t r;
	int err;

	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	err = read_path(path, 0, &rd);
	if (err)
		return err;
	r = rd.len;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}
