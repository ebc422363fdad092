// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the sysfs-backed collectors (see sysutil.h). */
#include "sysutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

int sysutil__read_attr(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int err = fs__join(path, sizeof(path), dir, name);

	if (err)
		return err;
	return fs__read_line(path, buf, cap);
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

void sysutil__free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sysutil__list_sysfs(const char *rel, const char *prefix, char *base, size_t cap, char ***names,
			size_t *n)
{
	int err = fs__join(base, cap, fs__sysfs(), rel);

	*names = NULL;
	*n = 0;
	if (err)
		return err;
	err = sysutil__list_dir(base, prefix, names, n);
	return err == -ENOENT ? 0 : err;
}

int sysutil__list_dir(const char *dir, const char *prefix, char ***names, size_t *n)
{
	size_t cnt = 0, cap = 0, plen = prefix ? strlen(prefix) : 0;
	char **list = NULL;
	struct dirent *de;
	DIR *d;
	int err = 0;

	*names = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (plen && strncmp(de->d_name, prefix, plen))
			continue;
		if (cnt == SYSUTIL_MAX_ENTRIES) {
			err = -E2BIG;
			break;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nl = realloc(list, ncap * sizeof(*nl));

			if (!nl) {
				err = -ENOMEM;
				break;
			}
			list = nl;
			cap = ncap;
		}
		list[cnt] = strdup(de->d_name);
		if (!list[cnt]) {
			err = -ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (err) {
		sysutil__free_list(list, cnt);
		return err;
	}
	if (cnt)
		qsort(list, cnt, sizeof(*list), cmp_names);
	*names = list;
	*n = cnt;
	return 0;
}

bool sysutil__has_num_suffix(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (strncmp(name, prefix, pl))
		return false;
	name += pl;
	if (!*name)
		return false;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}
