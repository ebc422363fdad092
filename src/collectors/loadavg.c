// SPDX-License-Identifier: Apache-2.0
/* loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fsutil.h"
#include "parse.h"
#include "loadavg.h"
#include "procparse.h"

int loadavg__parse(char *buf, double load[3])
{
	char *f[8];
	int n = pp_split(buf, f, 8);

	if (n < 3 && n != -E2BIG)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (parse__double(f[i], &load[i]) || load[i] < 0)
			return -EINVAL;
	}
	return 0;
}

static int loadavg_collect(struct expo_writer *w)
{
	double load[3];
	char *buf = NULL;
	int err;

	err = fs__read_rel_records(fs__procfs(), "loadavg", 4096, FS_SINGLE_RECORD, &buf, NULL);
	if (err)
		return err;
	err = loadavg__parse(buf, load);
	free(buf);
	if (err)
		return err;
	pp_emit(w, "node_load1", "1m load average.", EXPO_GAUGE, load[0]);
	pp_emit(w, "node_load5", "5m load average.", EXPO_GAUGE, load[1]);
	pp_emit(w, "node_load15", "15m load average.", EXPO_GAUGE, load[2]);
	return 0;
}

static struct collector loadavg_collector = {
	.name = "loadavg",
	.default_enabled = true,
	.collect = loadavg_collect,
};
NP_COLLECTOR(loadavg_collector);
