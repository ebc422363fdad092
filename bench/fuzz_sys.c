// SPDX-License-Identifier: Apache-2.0
/* libFuzzer harness for the sysfs/disk/filesystem/textfile parsers (bench/fuzz_sys.sh): every
 * parser gets the same bytes; any crash, leak or sanitizer report is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/diskstats.h"
#include "collectors/filesystem.h"
#include "collectors/mdadm.h"
#include "collectors/process.h"
#include "collectors/textfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = malloc(size + 1), *c;
	struct disk_stat *ds;
	struct udev_props up;
	struct md_stat *md;
	struct proc_self_stat st;
	struct mount_entry *m;
	struct tf_file f;
	unsigned long long bt;
	unsigned int line;
	size_t n;

	if (!b)
		return 0;
	memcpy(b, data, size);
	b[size] = '\0';
	if (!diskstats__parse(b, &ds, &n))
		free(ds);
	diskstats__parse_udev(b, &up);
	if (!mdadm__parse(b, &md, &n))
		free(md);
	process__parse_stat(b, &st);
	process__parse_btime(b, &bt);
	c = strdup(b); /* the next two parse in place */
	if (c && !filesystem__parse_mounts(c, &m, &n))
		free(m);
	free(c);
	c = strdup(b);
	if (c && !textfile__parse(c, &f, &line))
		textfile__free(&f);
	free(c);
	free(b);
	return 0;
}
