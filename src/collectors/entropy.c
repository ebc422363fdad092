/* entropy collector: node_entropy_available_bits and node_entropy_pool_size_bits from
 * /proc/sys/kernel/random. Also the single-number file helpers (proc_parsers.h) that conntrack
 * and cpu use too. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fsutil.h"
#include "parse.h"
#include "proc_parsers.h"

int pp_parse_single_u64(char *buf, uint64_t *v)
{
	char *f[2];

	if (pp_split(buf, f, 2) != 1)
		return -EINVAL;
	return parse__u64(f[0], v) ? -EINVAL : 0;
}

int pp_read_single_u64(const char *root, const char *rel, uint64_t *v)
{
	char *buf = NULL;
	/* single-number files are one record: no read to EOF */
	int err = fs__read_rel_records(root, rel, 4096, FS_SINGLE_RECORD, &buf, NULL);

	if (err)
		return err;
	err = pp_parse_single_u64(buf, v);
	free(buf);
	return err;
}

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
