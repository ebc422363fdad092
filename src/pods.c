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

/* Every table operation is O(log n): a node can hold thousands of cache files a failed DEL left
 * behind, and one file event must not cost a pass over all of them. Two AVL trees link the same
 * records: by file name (rescan, events), and by (interface, newest first, name) for readers,
 * where the leftmost record of an interface is the one that names it. */
struct pod_node {
	struct pod_node *l, *r;
	int h;
};

/* One directory entry we have looked at, good or bad. Its stamp (mtime, size, inode) decides
 * whether the file must be parsed again, and keeps a bad file from being logged every rescan. */
struct pod_file {
	struct pod_node by_name;
	struct pod_node by_iface; /* linked iff info */
	char *name;
	long long mtime_ns;
	long long size;
	unsigned long long ino;
	enum pod_parse_err err;
	struct pod_info *info; /* non-NULL iff err == POD_PARSE_OK */
};

/* The record a tree node is embedded in. */
static struct pod_file *file_of(const struct pod_node *n, size_t off)
{
	return (struct pod_file *)(void *)((const char *)n - off);
}
#define FILE_OF(n, member) file_of((n), offsetof(struct pod_file, member))

struct pod_table {
	char *dir;
	pthread_mutex_t update_lock; /* serialises writers */
	pthread_rwlock_t lock;	     /* protects the trees and counters below */
	struct pod_node *files;	     /* by name */
	size_t nfiles;
	struct pod_node *view; /* files with info, by interface: the readers' view */
	size_t nview;	       /* distinct interfaces in view */
	uint64_t generation;
	uint64_t skipped;
	bool warned_full;
	int dir_err_logged; /* last errno logged for the directory, to log a change once */
	bool complete;	    /* a full rescan finished (atomic: read without the lock) */
	bool listed;	    /* a full rescan read the directory (atomic, as complete) */
	bool read_failed;   /* a file the rescan met could not be judged (update_lock) */
	bool stopping;	    /* atomic: stop_watch asked the watcher to leave a long rescan */

	bool in_progress; /* a rescan skipped a write in progress (update_lock) */

	/* Watcher state: set up by start_watch, then owned by the watcher thread. */
	pthread_t thread;
	bool watching;
	int stop_fd;
	int ifd;       /* inotify fd, -1 without inotify */
	int wd;	       /* watch on dir, -1 while the directory is missing */
	int watch_err; /* last add_watch errno logged */
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
	return t;
}

static void pod_file__free(struct pod_file *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->info);
	free(f);
}

/* Post-order: children before their parent, which is freed. */
static void free_files(struct pod_node *n)
{
	if (!n)
		return;
	free_files(n->l);
	free_files(n->r);
	pod_file__free(FILE_OF(n, by_name));
}

void pod_table__destroy(struct pod_table *t)
{
	if (!t)
		return;
	pod_table__stop_watch(t);
	free_files(t->files);
	pthread_rwlock_destroy(&t->lock);
	pthread_mutex_destroy(&t->update_lock);
	free(t->dir);
	free(t);
}

/* --- AVL tree (recursion depth <= 1.44 log2 n: 20 levels at POD_FILES_MAX) ---------------- */

typedef int (*node_cmp)(const struct pod_node *a, const struct pod_node *b);

static int node_h(const struct pod_node *n)
{
	return n ? n->h : 0;
}

static void node_fix(struct pod_node *n)
{
	int hl = node_h(n->l), hr = node_h(n->r);

	n->h = 1 + (hl > hr ? hl : hr);
}

static struct pod_node *rot_right(struct pod_node *y)
{
	struct pod_node *x = y->l;

	y->l = x->r;
	x->r = y;
	node_fix(y);
	node_fix(x);
	return x;
}

static struct pod_node *rot_left(struct pod_node *x)
{
	struct pod_node *y = x->r;

	x->r = y->l;
	y->l = x;
	node_fix(x);
	node_fix(y);
	return y;
}

static struct pod_node *rebalance(struct pod_node *n)
{
	int bf;

	node_fix(n);
	bf = node_h(n->l) - node_h(n->r);
	if (bf > 1) {
		if (node_h(n->l->l) < node_h(n->l->r))
			n->l = rot_left(n->l);
		return rot_right(n);
	}
	if (bf < -1) {
		if (node_h(n->r->r) < node_h(n->r->l))
			n->r = rot_right(n->r);
		return rot_left(n);
	}
	return n;
}

/* Keys are unique in both trees (file names are). */
static struct pod_node *avl_insert(struct pod_node *root, struct pod_node *n, node_cmp cmp)
{
	if (!root) {
		n->l = n->r = NULL;
		n->h = 1;
		return n;
	}
	if (cmp(n, root) < 0)
		root->l = avl_insert(root->l, n, cmp);
	else
		root->r = avl_insert(root->r, n, cmp);
	return rebalance(root);
}

static struct pod_node *avl_unlink_min(struct pod_node *n, struct pod_node **min)
{
	if (!n->l) {
		*min = n;
		return n->r;
	}
	n->l = avl_unlink_min(n->l, min);
	return rebalance(n);
}

/* Unlink n, which is in the tree. */
static struct pod_node *avl_remove(struct pod_node *root, struct pod_node *n, node_cmp cmp)
{
	struct pod_node *m = NULL, *r;

	if (!root)
		return NULL;
	if (root == n) {
		if (!n->r)
			return n->l;
		r = avl_unlink_min(n->r, &m);
		m->l = n->l;
		m->r = r;
		return rebalance(m);
	}
	if (cmp(n, root) < 0)
		root->l = avl_remove(root->l, n, cmp);
	else
		root->r = avl_remove(root->r, n, cmp);
	return rebalance(root);
}

static int cmp_name(const struct pod_node *a, const struct pod_node *b)
{
	return strcmp(FILE_OF(a, by_name)->name, FILE_OF(b, by_name)->name);
}

/* By interface, then newest first (a stale file naming the same veth loses), then by name so
 * equal stamps still give one answer. */
static int cmp_iface(const struct pod_node *a, const struct pod_node *b)
{
	const struct pod_file *x = FILE_OF(a, by_iface), *y = FILE_OF(b, by_iface);
	int c = strcmp(x->info->interface, y->info->interface);

	if (c)
		return c;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns > y->mtime_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct pod_file *find_file(const struct pod_table *t, const char *name)
{
	const struct pod_node *n = t->files;

	while (n) {
		int c = strcmp(name, FILE_OF(n, by_name)->name);

		if (c == 0)
			return FILE_OF(n, by_name);
		n = c < 0 ? n->l : n->r;
	}
	return NULL;
}

/* The record that names ifname for readers: the leftmost of its interface. */
static const struct pod_file *find_iface(const struct pod_table *t, const char *ifname)
{
	const struct pod_node *n = t->view, *hit = NULL;

	while (n) {
		int c = strcmp(ifname, FILE_OF(n, by_iface)->info->interface);

		if (c == 0)
			hit = n;
		n = c <= 0 ? n->l : n->r;
	}
	return hit ? FILE_OF(hit, by_iface) : NULL;
}

static void view_link(struct pod_table *t, struct pod_file *f)
{
	if (!find_iface(t, f->info->interface))
		t->nview++;
	t->view = avl_insert(t->view, &f->by_iface, cmp_iface);
}

static void view_unlink(struct pod_table *t, struct pod_file *f)
{
	t->view = avl_remove(t->view, &f->by_iface, cmp_iface);
	if (!find_iface(t, f->info->interface))
		t->nview--;
}

/* --- writer side (update_lock held) ------------------------------------------------------ */

/* Replace (nf != NULL) or remove (nf == NULL) the file record for name. Takes ownership of nf.
 * Nothing is allocated here, so a change is never half done. */
static int apply(struct pod_table *t, const char *name, struct pod_file *nf)
{
	struct pod_file *old;
	int err = 0;

	pthread_rwlock_wrlock(&t->lock);
	old = find_file(t, name);
	if (!old && !nf)
		goto unlock;
	if (!old && t->nfiles >= POD_FILES_MAX) {
		if (!t->warned_full)
			log_warn("CNI cache has too many files; ignoring the rest", "path", t->dir,
				 "max_files", LOG_INT(POD_FILES_MAX));
		t->warned_full = true;
		err = -ENOSPC;
		goto unlock;
	}
	if (old) {
		t->files = avl_remove(t->files, &old->by_name, cmp_name);
		if (old->info)
			view_unlink(t, old);
		t->nfiles--;
	}
	if (nf) {
		t->files = avl_insert(t->files, &nf->by_name, cmp_name);
		if (nf->info)
			view_link(t, nf);
		t->nfiles++;
		nf = NULL;
	}
	t->generation++;
unlock:
	pthread_rwlock_unlock(&t->lock);
	pod_file__free(old);
	pod_file__free(nf);
	return err;
}

/* Stamp of the record for name, read under the read lock (update_lock excludes other writers,
 * so it cannot change before we act on it). */
static bool same_stamp(struct pod_table *t, const char *name, const struct stat *st)
{
	const struct pod_file *f;
	bool same = false;

	pthread_rwlock_rdlock(&t->lock);
	f = find_file(t, name);
	if (f) {
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
	struct pod_file *nf = NULL;
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
		t->read_failed = true;
		return;
	}
	if (same_stamp(t, name, &st))
		goto cleanup;
	nf = calloc(1, sizeof(*nf));
	if (!nf) {
		t->read_failed = true;
		goto cleanup;
	}
	nf->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	nf->size = (long long)st.st_size;
	nf->ino = (unsigned long long)st.st_ino;
	age = now_ns() - nf->mtime_ns;
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
		nf->err = POD_PARSE_OVERSIZED;
	} else {
		err = fs__read_fd(fd, POD_CACHE_FILE_MAX, &buf, &len);
		if (err == -EFBIG && young) {
			t->in_progress = true;
			goto cleanup;
		}
		if (err == -EFBIG) {
			nf->err = POD_PARSE_OVERSIZED;
		} else if (err) {
			log_warn("cannot read CNI cache file", "path", path, "err", LOG_ERR(err));
			t->read_failed = true;
			goto cleanup;
		} else {
			nf->info = malloc(sizeof(*nf->info));
			if (!nf->info) {
				free(buf);
				t->read_failed = true;
				goto cleanup;
			}
			nf->err = pod_cache__parse(buf, len, nf->info);
			free(buf);
			if (nf->err == POD_PARSE_TRUNCATED && young) {
				t->in_progress = true;
				goto cleanup;
			}
		}
	}
	if (nf->err != POD_PARSE_OK) {
		free(nf->info);
		nf->info = NULL;
	}
	/* Recorded like a skipped file (so it is not re-read on every rescan) but neither counted
	 * nor logged: every containerd sandbox has one. */
	if (nf->err != POD_PARSE_OK && nf->err != POD_PARSE_LOOPBACK) {
		pthread_rwlock_wrlock(&t->lock);
		t->skipped++;
		pthread_rwlock_unlock(&t->lock);
		/* Logged once per (name, mtime, size, inode): the record below remembers it. A
		 * macvlan/ipvlan attachment has no host veth to label; that is normal. */
		if (nf->err == POD_PARSE_NO_HOST_IFACE)
			log_debug("CNI cache file names no host interface; not a veth pod", "path",
				  path);
		else
			log_warn("skipping CNI cache file", "path", path, "err",
				 pod_parse_err__str(nf->err));
	}
	nf->name = strdup(name);
	if (!nf->name) {
		t->read_failed = true;
		goto cleanup;
	}
	if (apply(t, name, nf))
		t->read_failed = true; /* no room: the file is not in the table */
	nf = NULL;
cleanup:
	pod_file__free(nf);
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

struct stale_walk {
	char **names; /* the directory's, sorted */
	size_t n;
	char **stale;
	size_t nstale, cap;
};

/* In-order walk of the by-name tree; stops at the first non-zero return. */
static int walk_names(struct pod_node *n, int (*fn)(struct pod_file *f, void *ctx), void *ctx)
{
	int ret;

	if (!n)
		return 0;
	ret = walk_names(n->l, fn, ctx);
	if (!ret)
		ret = fn(FILE_OF(n, by_name), ctx);
	if (!ret)
		ret = walk_names(n->r, fn, ctx);
	return ret;
}

static int collect_stale(struct pod_file *f, void *ctx)
{
	struct stale_walk *w = ctx;

	if (w->n && bsearch(&f->name, w->names, w->n, sizeof(*w->names), cmp_str))
		return 0;
	if (w->nstale == w->cap)
		return -ENOMEM;
	w->stale[w->nstale] = strdup(f->name);
	if (!w->stale[w->nstale])
		return -ENOMEM;
	w->nstale++;
	return 0;
}

int pod_table__rescan(struct pod_table *t)
{
	struct stale_walk w = { 0 };
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int err = 0;

	pthread_mutex_lock(&t->update_lock);
	t->in_progress = false;
	t->read_failed = false;
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
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) /* the listing ended early: what is missing was not judged */
				t->read_failed = true;
			break;
		}
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (n >= POD_FILES_MAX) {
			t->read_failed = true; /* the rest is not in the table */
			break;
		}
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
	for (size_t i = 0; i < n; i++) {
		/* Thousands of stale files take a while: stop_watch must not wait for them. */
		if (__atomic_load_n(&t->stopping, __ATOMIC_RELAXED)) {
			err = -ECANCELED;
			goto cleanup;
		}
		update_file_locked(t, names[i], false);
	}
sweep:
	/* Records whose file is no longer listed. */
	pthread_rwlock_rdlock(&t->lock);
	w.names = names;
	w.n = n;
	w.cap = t->nfiles;
	w.stale = calloc(w.cap ? w.cap : 1, sizeof(*w.stale));
	if (w.stale)
		walk_names(t->files, collect_stale, &w);
	pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; i < w.nstale; i++) {
		apply(t, w.stale[i], NULL);
		free(w.stale[i]);
	}
	free(w.stale);
cleanup:
	/* Listed: every file there was judged, none left for later (a write in progress, a file
	 * that could not be read). */
	if (err == 0 && !t->in_progress && !t->read_failed)
		__atomic_store_n(&t->listed, true, __ATOMIC_RELEASE);
	/* Complete even when the directory is missing or unreadable: pod names are best effort,
	 * and that state is logged. Not when memory ran out or the watcher is stopping. */
	if (err != -ENOMEM && err != -ECANCELED)
		__atomic_store_n(&t->complete, true, __ATOMIC_RELEASE);
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
	const struct pod_file *f;
	int err = -ENOENT;

	if (strlen(ifname) >= POD_IFNAME_MAX)
		return -ENOENT;
	pthread_rwlock_rdlock(&t->lock);
	f = find_iface(t, ifname);
	if (f) {
		*out = *f->info;
		err = 0;
	}
	pthread_rwlock_unlock(&t->lock);
	return err;
}

struct view_walk {
	int (*cb)(const struct pod_info *pi, void *ctx);
	void *ctx;
	const char *last; /* interface of the previous record: only the first of each counts */
};

static int walk_view(const struct pod_node *n, struct view_walk *w)
{
	const struct pod_info *pi;
	int ret;

	if (!n)
		return 0;
	ret = walk_view(n->l, w);
	if (ret)
		return ret;
	pi = FILE_OF(n, by_iface)->info;
	if (!w->last || strcmp(w->last, pi->interface) != 0) {
		w->last = pi->interface;
		ret = w->cb(pi, w->ctx);
		if (ret)
			return ret;
	}
	return walk_view(n->r, w);
}

int pod_table__foreach(struct pod_table *t, int (*cb)(const struct pod_info *pi, void *ctx),
		       void *ctx)
{
	struct view_walk w = { .cb = cb, .ctx = ctx };
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = walk_view(t->view, &w);
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

bool pod_table__complete(struct pod_table *t)
{
	return __atomic_load_n(&t->complete, __ATOMIC_ACQUIRE);
}

bool pod_table__listed(struct pod_table *t)
{
	return __atomic_load_n(&t->listed, __ATOMIC_ACQUIRE);
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
	long long next_resync, trim_at = 0, t0 = mono_ms();

	/* The first full scan runs here, not in start_watch: the agent serves meanwhile (readiness
	 * says when it is done), and the memory parsing takes is set up in this thread's arena. */
	next_resync = rescan_due(t);
	if (pod_table__complete(t))
		log_info("CNI cache read", "dir", t->dir, "pods", LOG_UINT(pod_table__count(t)),
			 "skipped", LOG_UINT(pod_table__skipped_files(t)), "duration_ms",
			 LOG_INT(mono_ms() - t0));

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
	int err;

	if (t->watching)
		return -EALREADY;
	__atomic_store_n(&t->stopping, false, __ATOMIC_RELAXED);
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd < 0) {
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
	t->watching = true;
	return 0;
fail:
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->ifd = t->wd = t->stop_fd = -1;
	return err;
}

void pod_table__stop_watch(struct pod_table *t)
{
	uint64_t one = 1;

	if (!t->watching)
		return;
	__atomic_store_n(&t->stopping, true, __ATOMIC_RELAXED);
	if (write(t->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("cannot signal the CNI cache watcher", "err", LOG_ERR(errno));
	pthread_join(t->thread, NULL);
	if (t->ifd >= 0)
		close(t->ifd);
	close(t->stop_fd);
	t->ifd = t->wd = t->stop_fd = -1;
	t->watching = false;
}
