// SPDX-License-Identifier: Apache-2.0
/* nodepath_build_info: served with every scrape, like node_exporter's build_info, whatever
 * collectors run (it is not a collector and has no node_scrape_collector_* series); and the
 * --version text, in node_exporter's layout. */
#ifndef NODEPATH_BUILD_INFO_H
#define NODEPATH_BUILD_INFO_H

#include <stdio.h>

#include "expo.h"

void build_info__emit(struct expo_writer *w);
/* The git revision (12 hex digits, or "unknown" outside a git checkout) both carry. */
const char *build_info__revision(void);
void build_info__print_version(FILE *out);

#endif
