// SPDX-License-Identifier: Apache-2.0
/* filefd collector: node_filefd_allocated and node_filefd_maximum from /proc/sys/fs/file-nr. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fsutil.h"
#include "parse.h"
#include "filefd.h"
#include "procparse.h"

int filefd__parse(char *buf, double *allocated, double *maximum)
{
	char *f[4];
	uint64_t a, unused, m;

	/* "allocated \t free(always 0 since 2.6) \t max" */
	if (pp_split(buf, f, 4) != 3 || parse__u64(f[0], &a) || parse__u64(f[1], &unused) ||
	    parse__u64(f[2], &m))
		return -EINVAL;
	*allocated = (double)a;
	*maximum = (double)m;
	return 0;
}

static int filefd_collect(struct expo_writer *w)
{
	double a, m;
	char *buf = NULL;
	int err;

	err = fs__read_rel_records(fs__procfs(), "sys/fs/file-nr", 4096, FS_SINGLE_RECORD, &buf,
				   NULL);
	if (err)
		return err;
	err = filefd__parse(buf, &a, &m);
	free(buf);
	if (err)
		return err;
	pp_emit(w, "node_filefd_allocated", "File descriptor statistics: allocated.", EXPO_GAUGE,
		a);
	pp_emit(w, "node_filefd_maximum", "File descriptor statistics: maximum.", EXPO_GAUGE, m);
	return 0;
}

static struct collector filefd_collector = {
	.name = "filefd",
	.default_enabled = true,
	.collect = filefd_collect,
};
NP_COLLECTOR(filefd_collector);
