// SPDX-License-Identifier: Apache-2.0
/* nodepath_build_info: served with every scrape, like node_exporter's build_info, whatever
 * collectors run (it is not a collector and has no node_scrape_collector_* series). */
#ifndef NODEPATH_BUILD_INFO_H
#define NODEPATH_BUILD_INFO_H

#include "expo.h"

void build_info__emit(struct expo_writer *w);

#endif
