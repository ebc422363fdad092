/* Bounded, root-relative file reads and checked number parsing shared by the collectors. */
#include "fsutil.h"
#include "flags.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	size_t rl = strlen(root);
	int n;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*rel == '/')
		rel++;
	if (rl == 1 && root[0] == '/')
		n = snprintf(out, cap, "/%s", rel);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)rl, root, rel);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int fs__read_file(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, err = 0;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
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
		r = read(fd, buf + n, cap - n - 1);
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
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
cleanup:
	free(buf);
	close(fd);
	return err;
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
	ssize_t r;
	int fd;

	if (cap == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, cap - 1);
	if (r < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

int fs__parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int fs__parse_i64(const char *s, long long *out)
{
	long long v;
	char *end;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -errno;
	if (*end != '\0' || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

int fs__parse_double(const char *s, double *out)
{
	double v;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno)
		return -errno;
	if (*end != '\0' || end == s || isnan(v))
		return -EINVAL;
	*out = v;
	return 0;
}
