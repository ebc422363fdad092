// SPDX-License-Identifier: Apache-2.0
/* entropy collector: node_entropy_available_bits and node_entropy_pool_size_bits from
 * /proc/sys/kernel/random. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fsutil.h"
#include "procparse.h"

static int entropy_collect(struct expo_writer *w)
{
	uint64_t avail, pool;
	int err;

	err = pp_read_single_u64(fs__procfs(), "sys/kernel/random/entropy_avail", &avail);
	if (!err)
		err = pp_read_single_u64(fs__procfs(), "sys/kernel/random/poolsize", &pool);
	if (err)
		return err;
	pp_emit(w, "node_entropy_available_bits", "Bits of available entropy.", EXPO_GAUGE,
		(double)avail);
	pp_emit(w, "node_entropy_pool_size_bits", "Bits of entropy pool.", EXPO_GAUGE,
		(double)pool);
	return 0;
}

static struct collector entropy_collector = {
	.name = "entropy",
	.default_enabled = true,
	.collect = entropy_collect,
};
NP_COLLECTOR(entropy_collector);
