// SPDX-License-Identifier: Apache-2.0
/* The pod table: every libcni cache file of --path.cni-cache, parsed, keyed by host interface,
 * kept current by an inotify watcher thread. Locking is described in pods.h. */
#include "pods.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "fsutil.h"
#include "log.h"

static const char *opt_cni_cache = "/var/lib/cni/results";
NP_FLAG_STRING("path.cni-cache", &opt_cni_cache,
	       "libcni result cache directory (pod identity of host veths).");

const char *pods__cache_dir(void)
{
	return opt_cni_cache;
}

/* A directory with more files than this is not a CNI cache we understand; the rest is ignored
 * (logged once) so memory stays bounded. A node runs at most a few hundred pods. */
#define POD_FILES_MAX 16384

/* libcni writes in place (open O_TRUNC, write, close). A file seen before its writer closed it
 * (IN_CREATE, or a rescan racing the write) that is this young and empty or ends early is a
 * write in progress: not recorded or logged, the previous record of the name stays, and the
 * IN_CLOSE_WRITE that follows judges it. A file known to be closed (IN_CLOSE_WRITE, IN_MOVED_TO,
 * an explicit update_file) is judged at once. If the writer died, the next rescan finds the file
 * old and logs it. */
#define POD_IN_PROGRESS_NS (2LL * 1000 * 1000 * 1000)

#define WATCH_RETRY_MS 500
#define WATCH_RESYNC_MS 30000

/* One directory entry we have looked at, good or bad. Its stamp (mtime, size, inode) decides
 * whether the file must be parsed again, and keeps a bad file from being logged every rescan. */
struct pod_file {
	char *name;
	long long mtime_ns;
	long long size;
	unsigned long long ino;
	enum pod_parse_err err;
	struct pod_info *info; /* non-NULL iff err == POD_PARSE_OK */
};

struct pod_table {
	char *dir;
	pthread_mutex_t update_lock; /* serialises writers */
	pthread_rwlock_t lock;	     /* protects files, view, counters below */
	struct pod_file *files;	     /* sorted by name */
	size_t nfiles, capfiles;
	/* Readers' view: one pointer per host interface (the newest file wins when a stale file
	 * names the same veth), sorted by interface for bsearch and stable output. */
	const struct pod_info **view;
	size_t nview;
	uint64_t generation;
	uint64_t skipped;
	bool warned_full;
	int dir_err_logged; /* last errno logged for the directory, to log a change once */

	bool in_progress; /* a rescan skipped a write in progress (update_lock) */

	/* Watcher state: set up by start_watch, then owned by the watcher thread. */
	pthread_t thread;
	bool watching;
	int stop_fd;
	int ifd;       /* inotify fd, -1 without inotify */
	int wd;	       /* watch on dir, -1 while the directory is missing */
	int watch_err; /* last add_watch errno logged */
	int ready_fd;  /* eventfd: the watcher's first scan is done */
};

struct pod_table *pod_table__create(const char *dir)
{
	struct pod_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->dir = strdup(dir);
	if (!t->dir) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->update_lock, NULL);
	pthread_rwlock_init(&t->lock, NULL);
	t->stop_fd = -1;
	t->ifd = -1;
	t->wd = -1;
	t->ready_fd = -1;
	return t;
}

static void pod_file__free(struct pod_file *f)
{
	free(f->name);
	free(f->info);
}

void pod_table__destroy(struct pod_table *t)
{
	if (!t)
		return;
	pod_table__stop_watch(t);
	for (size_t i = 0; i < t->nfiles; i++)
		pod_file__free(&t->files[i]);
	free(t->files);
	free(t->view);
	pthread_rwlock_destroy(&t->lock);
	pthread_mutex_destroy(&t->update_lock);
	free(t->dir);
	free(t);
}

/* --- writer side (update_lock held) ------------------------------------------------------ */

static int find_file(const struct pod_table *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->files[mid].name, name);

		if (c == 0) {
			*found = true;
			return (int)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return (int)lo;
}

static int cmp_view(const void *a, const void *b)
{
	const struct pod_info *x = *(const struct pod_info *const *)a;
	const struct pod_info *y = *(const struct pod_info *const *)b;

	return strcmp(x->interface, y->interface);
}

/* Rebuild the readers' view from files (write lock held) into arrays the caller allocated
 * before changing anything, so running out of memory never leaves a view of freed infos. */
static void build_view(struct pod_table *t, const struct pod_info **view, long long *mtimes)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nfiles; i++) {
		if (t->files[i].info) {
			mtimes[n] = t->files[i].mtime_ns;
			view[n++] = t->files[i].info;
		}
	}
	/* Sort by interface, then drop duplicates keeping the newest file. A stable order for
	 * equal interfaces is not needed: the mtime decides. */
	for (size_t i = 1; i < n; i++) {
		const struct pod_info *v = view[i];
		long long m = mtimes[i];
		size_t j = i;

		while (j > 0 && strcmp(view[j - 1]->interface, v->interface) > 0) {
			view[j] = view[j - 1];
			mtimes[j] = mtimes[j - 1];
			j--;
		}
		view[j] = v;
		mtimes[j] = m;
	}
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(view[out - 1]->interface, view[i]->interface) == 0) {
			if (mtimes[i] > mtimes[out - 1]) {
				view[out - 1] = view[i];
				mtimes[out - 1] = mtimes[i];
			}
			continue;
		}
		view[out] = view[i];
		mtimes[out] = mtimes[i];
		out++;
	}
	free(t->view);
	t->view = view;
	t->nview = out;
}

/* Replace (nf != NULL) or remove (nf == NULL) the file record for name. Takes ownership of nf's
 * allocations. Returns -ENOMEM with nothing changed if memory runs out. */
static int apply(struct pod_table *t, const char *name, struct pod_file *nf)
{
	const struct pod_info **view = NULL;
	long long *mtimes = NULL;
	struct pod_file old = { 0 };
	bool found;
	int idx, err = 0;
	size_t vcap;

	pthread_rwlock_wrlock(&t->lock);
	idx = find_file(t, name, &found);
	if (!found && !nf)
		goto unlock;
	if (!found && t->nfiles >= POD_FILES_MAX) {
		if (!t->warned_full)
			log_warn("CNI cache has too many files; ignoring the rest", "path", t->dir,
				 "max_files", LOG_INT(POD_FILES_MAX));
		t->warned_full = true;
		err = -ENOSPC;
		goto unlock;
	}
	if (!found && t->nfiles == t->capfiles) {
		size_t cap = t->capfiles ? t->capfiles * 2 : 64;
		struct pod_file *nfiles = realloc(t->files, cap * sizeof(*nfiles));

		if (!nfiles) {
			err = -ENOMEM;
			goto unlock;
		}
		t->files = nfiles;
		t->capfiles = cap;
	}
	vcap = t->nfiles + 1;
	view = calloc(vcap, sizeof(*view));
	mtimes = calloc(vcap, sizeof(*mtimes));
	if (!view || !mtimes) {
		err = -ENOMEM;
		goto unlock;
	}
	if (found) {
		old = t->files[idx];
		if (nf) {
			t->files[idx] = *nf;
		} else {
			memmove(&t->files[idx], &t->files[idx + 1],
				(t->nfiles - (size_t)idx - 1) * sizeof(*t->files));
			t->nfiles--;
		}
	} else {
		memmove(&t->files[idx + 1], &t->files[idx],
			(t->nfiles - (size_t)idx) * sizeof(*t->files));
		t->files[idx] = *nf;
		t->nfiles++;
	}
	build_view(t, view, mtimes);
	view = NULL;
	t->generation++;
unlock:
	pthread_rwlock_unlock(&t->lock);
	pod_file__free(&old);
	free(view);
	free(mtimes);
	if (err && nf)
		pod_file__free(nf);
	return err;
}

/* Stamp of the record for name, read under the read lock (update_lock excludes other writers,
 * so it cannot change before we act on it). */
static bool same_stamp(struct pod_table *t, const char *name, const struct stat *st)
{
	bool found, same = false;
	int idx;

	pthread_rwlock_rdlock(&t->lock);
	idx = find_file(t, name, &found);
	if (found) {
		const struct pod_file *f = &t->files[idx];

		same = f->mtime_ns ==
			   (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec &&
		       f->size == (long long)st->st_size &&
		       f->ino == (unsigned long long)st->st_ino;
	}
	pthread_rwlock_unlock(&t->lock);
	return same;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void update_file_locked(struct pod_table *t, const char *name, bool closed)
{
	struct pod_file nf = { 0 };
	char path[PATH_MAX];
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	long long age;
	bool young;
	int fd = -1, err;

	/* inotify names are single components; refuse anything else rather than leave dir. */
	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	if (fs__join(path, sizeof(path), t->dir, name))
		return;
	/* No symlinks, and never block: a FIFO put here must not stall the watcher. The stamp
	 * comes from the open file, so it matches the bytes read. */
	fd = fs__open_regular(path, FS_NOFOLLOW, &st);
	if (fd == -ENOENT || fd == -ELOOP || fd == FS_ENOTREG || fd == -EISDIR) {
		/* Gone, or not a regular file (libcni writes regular files only). */
		apply(t, name, NULL);
		goto cleanup;
	}
	if (fd < 0) {
		/* EACCES, EMFILE: not the file's fault; try again on the next event/resync. */
		log_warn("cannot open CNI cache file", "path", path, "err", fs__strerror(fd));
		return;
	}
	if (same_stamp(t, name, &st))
		goto cleanup;
	nf.mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	nf.size = (long long)st.st_size;
	nf.ino = (unsigned long long)st.st_ino;
	age = now_ns() - nf.mtime_ns;
	/* A future mtime is clock skew, not youth. */
	young = !closed && age >= 0 && age < POD_IN_PROGRESS_NS;
	if (st.st_size == 0 && young) {
		t->in_progress = true;
		goto cleanup;
	}
	if (st.st_size > POD_CACHE_FILE_MAX) {
		/* A young file may still be growing: judged (and logged once) when closed, not
		 * here and again at IN_CLOSE_WRITE with a new size. */
		if (young) {
			t->in_progress = true;
			goto cleanup;
		}
		nf.err = POD_PARSE_OVERSIZED;
	} else {
		err = fs__read_fd(fd, POD_CACHE_FILE_MAX, &buf, &len);
		if (err == -EFBIG && young) {
			t->in_progress = true;
			goto cleanup;
		}
		if (err == -EFBIG) {
			nf.err = POD_PARSE_OVERSIZED;
		} else if (err) {
			log_warn("cannot read CNI cache file", "path", path, "err", LOG_ERR(err));
			goto cleanup;
		} else {
			nf.info = malloc(sizeof(*nf.info));
			if (!nf.info) {
				free(buf);
				goto cleanup;
			}
			nf.err = pod_cache__parse(buf, len, nf.info);
			free(buf);
			if (nf.err == POD_PARSE_TRUNCATED && young) {
				t->in_progress = true;
				free(nf.info);
				goto cleanup;
			}
		}
	}
	if (nf.err != POD_PARSE_OK) {
		free(nf.info);
		nf.info = NULL;
	}
	/* Recorded like a skipped file (so it is not re-read on every rescan) but neither counted
	 * nor logged: every containerd sandbox has one. */
	if (nf.err != POD_PARSE_OK && nf.err != POD_PARSE_LOOPBACK) {
		pthread_rwlock_wrlock(&t->lock);
		t->skipped++;
		pthread_rwlock_unlock(&t->lock);
		/* Logged once per (name, mtime, size, inode): the record below remembers it. A
		 * macvlan/ipvlan attachment has no host veth to label; that is normal. */
		if (nf.err == POD_PARSE_NO_HOST_IFACE)
			log_debug("CNI cache file names no host interface; not a veth pod", "path",
				  path);
		else
			log_warn("skipping CNI cache file", "path", path, "err",
				 pod_parse_err__str(nf.err));
	}
	nf.name = strdup(name);
	if (!nf.name) {
		free(nf.info);
		goto cleanup;
	}
	apply(t, name, &nf);
cleanup:
	if (fd >= 0)
		close(fd);
}

void pod_table__update_file(struct pod_table *t, const char *name)
{
	pthread_mutex_lock(&t->update_lock);
	update_file_locked(t, name, true);
	pthread_mutex_unlock(&t->update_lock);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pod_table__rescan(struct pod_table *t)
{
	char **names = NULL, **stale = NULL;
	size_t n = 0, cap = 0, nstale = 0;
	struct dirent *de;
	DIR *d = NULL;
	int err = 0;

	pthread_mutex_lock(&t->update_lock);
	t->in_progress = false;
	d = opendir(t->dir);
	if (!d) {
		err = -errno;
		if (err != t->dir_err_logged && err != -ENOENT)
			log_warn("cannot read CNI cache directory", "path", t->dir, "err",
				 LOG_ERR(err));
		t->dir_err_logged = err;
		/* A directory that is gone takes its pods with it; a permission error keeps
		 * what we know. */
		if (err == -ENOENT || err == -ENOTDIR)
			goto sweep;
		goto cleanup;
	}
	t->dir_err_logged = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (n >= POD_FILES_MAX)
			break;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				err = -ENOMEM;
				goto cleanup;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto cleanup;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		update_file_locked(t, names[i], false);
sweep:
	/* Records whose file is no longer listed. */
	pthread_rwlock_rdlock(&t->lock);
	stale = calloc(t->nfiles ? t->nfiles : 1, sizeof(*stale));
	for (size_t i = 0; stale && i < t->nfiles; i++) {
		if (!n || !bsearch(&t->files[i].name, names, n, sizeof(*names), cmp_str))
			stale[nstale++] = strdup(t->files[i].name);
	}
	pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; i < nstale; i++) {
		if (stale[i])
			apply(t, stale[i], NULL);
		free(stale[i]);
	}
	free(stale);
cleanup:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	pthread_mutex_unlock(&t->update_lock);
	return err;
}

/* --- reader side ------------------------------------------------------------------------- */

int pod_table__lookup(struct pod_table *t, const char *ifname, struct pod_info *out)
{
	struct pod_info key;
	const struct pod_info *kp = &key, **hit;
	int err = -ENOENT;

	if (strlen(ifname) >= sizeof(key.interface))
		return -ENOENT;
	strcpy(key.interface, ifname);
	pthread_rwlock_rdlock(&t->lock);
	hit = t->nview ? bsearch(&kp, t->view, t->nview, sizeof(*t->view), cmp_view) : NULL;
	if (hit) {
		*out = **hit;
		err = 0;
	}
	pthread_rwlock_unlock(&t->lock);
	return err;
}

int pod_table__foreach(struct pod_table *t, int (*cb)(const struct pod_info *pi, void *ctx),
		       void *ctx)
{
	int ret = 0;

	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->nview && !ret; i++)
		ret = cb(t->view[i], ctx);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

size_t pod_table__count(struct pod_table *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->nview;
	pthread_rwlock_unlock(&t->lock);
	return n;
}

uint64_t pod_table__generation(struct pod_table *t)
{
	uint64_t g;

	pthread_rwlock_rdlock(&t->lock);
	g = t->generation;
	pthread_rwlock_unlock(&t->lock);
	return g;
}

uint64_t pod_table__skipped_files(struct pod_table *t)
{
	uint64_t s;

	pthread_rwlock_rdlock(&t->lock);
	s = t->skipped;
	pthread_rwlock_unlock(&t->lock);
	return s;
}

/* --- watcher ----------------------------------------------------------------------------- */

#define WATCH_MASK                                                                               \
	(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | \
	 IN_MOVE_SELF | IN_ONLYDIR)

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Handle one read() worth of events. Returns true if the watch is gone (directory deleted or
 * moved), so the caller re-establishes it. */
static bool handle_events(struct pod_table *t, int ifd, int wd, bool *rescan)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool gone = false;
	ssize_t r;

	for (;;) {
		r = read(ifd, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				*rescan = true;
				continue;
			}
			if (ev->wd != wd)
				continue;
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
				gone = true;
				continue;
			}
			if (!ev->len || (ev->mask & IN_ISDIR))
				continue;
			pthread_mutex_lock(&t->update_lock);
			update_file_locked(t, ev->name, !(ev->mask & IN_CREATE));
			pthread_mutex_unlock(&t->update_lock);
		}
	}
	return gone;
}

/* Establish the directory watch if there is none. True if a new one was set up. */
static bool try_watch(struct pod_table *t)
{
	if (t->ifd < 0 || t->wd >= 0)
		return false;
	t->wd = inotify_add_watch(t->ifd, t->dir, WATCH_MASK);
	if (t->wd >= 0) {
		if (t->watch_err == ENOENT)
			log_info("the CNI cache directory appeared", "flag", "path.cni-cache",
				 "path", t->dir);
		t->watch_err = 0;
		return true;
	}
	/* Once per cause: a node without pods yet has no directory, which is worth one line. */
	if (errno != t->watch_err)
		log_warn(errno == ENOENT ? "the CNI cache directory does not exist: pods have no "
					   "names until it appears"
					 : "cannot watch CNI cache; retrying",
			 "flag", "path.cni-cache", "path", t->dir, "err", LOG_ERR(errno));
	t->watch_err = errno;
	return false;
}

/* Rescan and say when the next one is due: soon if a write in progress was skipped (its close
 * event may have happened before the watch existed), else after the resync interval. */
static long long rescan_due(struct pod_table *t)
{
	bool again;

	pod_table__rescan(t);
	pthread_mutex_lock(&t->update_lock);
	again = t->in_progress;
	pthread_mutex_unlock(&t->update_lock);
	return mono_ms() + (again ? POD_IN_PROGRESS_NS / 1000000 + 100 : WATCH_RESYNC_MS);
}

/* After pods went away, hand freed heap back to the OS (all glibc arenas, so also what the
 * scrapes that listed those pods allocated): without it the agent's RSS stays at the churn's peak.
 * Coalesced, so a burst of deletions costs one trim. */
#define WATCH_TRIM_DELAY_MS 250

static void *watch_main(void *arg)
{
	struct pod_table *t = arg;
	long long next_resync, trim_at = 0;
	uint64_t one = 1;

	/* The first full scan runs here, so the memory parsing takes is set up at start (in this
	 * thread's arena), not during the first burst of pods. */
	next_resync = rescan_due(t);
	if (write(t->ready_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("CNI cache watcher: cannot signal start", "err", LOG_ERR(errno));

	for (;;) {
		struct pollfd pfd[2] = { { .fd = t->stop_fd, .events = POLLIN },
					 { .fd = t->ifd, .events = POLLIN } };
		bool rescan = try_watch(t); /* files created before the watch existed */
		size_t before = pod_table__count(t);
		long long timeout, now;

		if (rescan)
			next_resync = rescan_due(t);
		rescan = false;
		now = mono_ms();
		timeout = t->wd < 0 ? WATCH_RETRY_MS : next_resync - now;
		if (trim_at && trim_at - now < timeout)
			timeout = trim_at - now;
		if (timeout < 0)
			timeout = 0;
		if (poll(pfd, t->ifd >= 0 ? 2 : 1, (int)timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (t->ifd >= 0 && (pfd[1].revents & POLLIN) &&
		    handle_events(t, t->ifd, t->wd, &rescan)) {
			/* The kernel dropped the watch with the directory; forget it and let the
			 * rescan see the directory missing (pods go away). */
			inotify_rm_watch(t->ifd, t->wd);
			t->wd = -1;
			rescan = true;
		}
		/* Without a watch (no directory yet, no inotify) polling is all we have; with one,
		 * a periodic resync guards against lost events. */
		if (rescan || t->wd < 0 || mono_ms() >= next_resync)
			next_resync = rescan_due(t);
		if (pod_table__count(t) < before && !trim_at)
			trim_at = mono_ms() + WATCH_TRIM_DELAY_MS;
		if (trim_at && mono_ms() >= trim_at) {
			malloc_trim(0);
			trim_at = 0;
		}
	}
	return NULL;
}

int pod_table__start_watch(struct pod_table *t)
{
	uint64_t v;
	int err;

	if (t->watching)
		return -EALREADY;
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->ready_fd = eventfd(0, EFD_CLOEXEC);
	if (t->stop_fd < 0 || t->ready_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* The watch exists before the first scan, so no file written after it is missed. */
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd < 0)
		log_warn("inotify unavailable: CNI cache is rescanned periodically", "err",
			 LOG_ERR(errno), "interval_ms", LOG_INT(WATCH_RETRY_MS));
	try_watch(t);
	err = -pthread_create(&t->thread, NULL, watch_main, t);
	if (err)
		goto fail;
	/* Return with the table filled: callers scrape right after start. */
	while (read(t->ready_fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	t->watching = true;
	return 0;
fail:
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	if (t->ready_fd >= 0)
		close(t->ready_fd);
	t->ifd = t->wd = t->stop_fd = t->ready_fd = -1;
	return err;
}

void pod_table__stop_watch(struct pod_table *t)
{
	uint64_t one = 1;

	if (!t->watching)
		return;
	if (write(t->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("cannot signal the CNI cache watcher", "err", LOG_ERR(errno));
	pthread_join(t->thread, NULL);
	if (t->ifd >= 0)
		close(t->ifd);
	close(t->stop_fd);
	close(t->ready_fd);
	t->ifd = t->wd = t->stop_fd = t->ready_fd = -1;
	t->watching = false;
}
