// SPDX-License-Identifier: Apache-2.0
/* One whole exposition, as node_exporter serves it: the selected collectors with their
 * node_scrape_collector_* series, then the families every scrape carries whatever collect[]
 * says (process_*, nodepath_build_info). The HTTP layer only transports what this writes. */
#ifndef NODEPATH_SCRAPE_H
#define NODEPATH_SCRAPE_H

#include "expo.h"

#include <stddef.h>

/* The collector selection of a request, from its collect[] (run only these) and exclude[] (run
 * every enabled collector but these) values, as node_exporter does. *out: NULL for no filter,
 * else a malloc'd NULL-terminated list of registry names (free() it). 0; -EINVAL if both kinds
 * are given (*bad_name NULL); -ENOENT with *bad_name for an exclude[] name that is no collector
 * (a typo would otherwise exclude nothing, silently; a known but disabled one is fine);
 * -ENOMEM. collect[] names are checked by scrape__write, as before. */
int scrape__filter(const char *const *collect, size_t ncollect, const char *const *exclude,
		   size_t nexclude, const char ***out, const char **bad_name);

/* filter, bad_name: as registry__scrape. 0 or -errno (-ENOENT: bad collect[] name). */
int scrape__write(struct expo_writer *w, const char *const *filter, const char **bad_name);

#endif
