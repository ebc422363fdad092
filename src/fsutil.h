// SPDX-License-Identifier: Apache-2.0
/* Bounded, root-relative file access for collectors. Every path a collector reads is
 * <root>/<relative path> where root comes from --path.procfs, --path.sysfs or --path.rootfs. */
#ifndef NODEPATH_FSUTIL_H
#define NODEPATH_FSUTIL_H

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Roots, set from flags; never NULL. */
const char *fs__procfs(void);
const char *fs__sysfs(void);
const char *fs__rootfs(void);
const char *fs__udev_data(void);

/* Join root and rel into out. -ENAMETOOLONG if it does not fit. */
int fs__join(char *out, size_t cap, const char *root, const char *rel);

/* Every open here is non-blocking and refuses anything but a regular file (procfs and sysfs
 * files are regular), so a FIFO, device, socket or directory put where a file is expected fails
 * at once instead of hanging or streaming. */
#define FS_ENOTREG (-EBADFD) /* not a regular file; fs__strerror says so */
#define FS_NOFOLLOW 1	     /* refuse a symlink as the last component (-ELOOP) */

/* Opens path read-only as above; st (may be NULL) receives its fstat. Returns the descriptor
 * or -errno / FS_ENOTREG. */
int fs__open_regular(const char *path, int flags, struct stat *st);

/* strerror for the errors above, with plain words for FS_ENOTREG and a refused symlink. */
const char *fs__strerror(int err);

/* Read a whole file into a NUL-terminated malloc'd buffer of at most max bytes (procfs files
 * report size 0, so it reads until EOF). -EFBIG if larger than max. *out freed by caller. */
int fs__read_file(const char *path, size_t max, char **out, size_t *len);

/* Same, with FS_* flags: FS_NOFOLLOW for files another program drops into a directory. */
int fs__read_file_flags(const char *path, int flags, size_t max, char **out, size_t *len);

/* Same for an open descriptor, read from offset 0 (pread: its file position is untouched). */
int fs__read_fd(int fd, size_t max, char **out, size_t *len);

/* Same, path = root + rel. */
int fs__read_rel(const char *root, const char *rel, size_t max, char **out, size_t *len);

/* Same, for a procfs seq_file whose records (lines) are at most max_record bytes: a short
 * read then means EOF, so the final read returning 0 is skipped. Only for files where that
 * read is expensive (/proc/net/udp walks the whole UDP hash table on every read). */
#define FS_SINGLE_RECORD 1 /* max_record of a file generated as one record (single_open) */
int fs__read_rel_records(const char *root, const char *rel, size_t max, size_t max_record,
			 char **out, size_t *len);

/* Read a small sysfs-style attribute (one line, trailing newline stripped) into buf. */
int fs__read_line(const char *path, char *buf, size_t cap);

#endif
