// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the sysfs-backed collectors: bounded attribute reads and sorted directory
 * listings. */
#ifndef NODEPATH_COLLECTORS_SYSUTIL_H
#define NODEPATH_COLLECTORS_SYSUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Upper bound on directory entries a collector looks at: a hostile or broken sysfs must not
 * make a scrape allocate without limit. */
#define SYSUTIL_MAX_ENTRIES 4096

/* Read <dir>/<name> (one line, trailing newline/space stripped) into buf. 0 or -errno. */
int sysutil__read_attr(const char *dir, const char *name, char *buf, size_t cap);

/* Entries of dir whose name starts with prefix (NULL: all but "." and ".."), sorted with
 * strverscmp so cpu2 < cpu10. *names is one malloc'd array of malloc'd strings; free with
 * sysutil__free_list. At most SYSUTIL_MAX_ENTRIES (-E2BIG beyond). */
int sysutil__list_dir(const char *dir, const char *prefix, char ***names, size_t *n);
void sysutil__free_list(char **names, size_t n);

/* sysutil__list_dir of <sysfs root>/<rel>, whose path goes to base (cap bytes). A directory
 * that does not exist (no such hardware or driver) is an empty list: 0 with *n = 0. */
int sysutil__list_sysfs(const char *rel, const char *prefix, char *base, size_t cap, char ***names,
			size_t *n);

/* True if name is "<prefix><digits>" (cpu12, thermal_zone0, mc1). */
bool sysutil__has_num_suffix(const char *name, const char *prefix);

#endif
