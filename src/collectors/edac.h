// SPDX-License-Identifier: Apache-2.0
/* edac collector: <sysfs>/devices/system/edac/mc/mcN (memory controller error counters). */
#ifndef NODEPATH_COLLECTORS_EDAC_H
#define NODEPATH_COLLECTORS_EDAC_H

#include <stddef.h>
#include <stdint.h>

#define EDAC_MAX_CSROWS 256

struct edac_csrow {
	char csrow[16];
	uint64_t ce, ue;
};

struct edac_mc {
	char controller[16];
	uint64_t ce, ue, ce_noinfo, ue_noinfo;
	size_t ncsrows;
	struct edac_csrow csrows[EDAC_MAX_CSROWS];
};

/* Read one mcN directory: ce_count, ue_count, ce_noinfo_count, ue_noinfo_count are required
 * (as node_exporter), each csrowN/{ce,ue}_count too. 0 or -errno (-EINVAL when malformed). */
int edac__read_mc(const char *dir, const char *num, struct edac_mc *mc);

#endif
