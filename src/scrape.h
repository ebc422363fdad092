// SPDX-License-Identifier: Apache-2.0
/* One whole exposition, as node_exporter serves it: the selected collectors with their
 * node_scrape_collector_* series, then the families every scrape carries whatever collect[]
 * says (process_*, nodepath_build_info). The HTTP layer only transports what this writes. */
#ifndef NODEPATH_SCRAPE_H
#define NODEPATH_SCRAPE_H

#include "expo.h"

/* filter, bad_name: as registry__scrape. 0 or -errno (-ENOENT: bad collect[] name). */
int scrape__write(struct expo_writer *w, const char *const *filter, const char **bad_name);

#endif
