// SPDX-License-Identifier: Apache-2.0
/* mounts parser and rootfs prefix stripping. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "collectors/filesystem.h"
#include "sys_fixture.h"

Test(filesystem, k8s_node_mounts)
{
	char *buf = sys_fixture("proc/1/mounts");
	struct mount_entry *m;
	size_t n;

	cr_assert_eq(filesystem__parse_mounts(buf, &m, &n), 0);
	cr_assert_eq(n, 16);
	cr_assert_str_eq(m[4].device, "/dev/mapper/vg0-root");
	cr_assert_str_eq(m[4].mountpoint, "/");
	cr_assert_str_eq(m[4].fstype, "ext4");
	cr_assert_str_eq(m[7].options, "ro,relatime");
	cr_assert_str_eq(m[13].mountpoint, "/srv/data set"); /* \040 unescaped */
	free(m);
	free(buf);
}

Test(filesystem, this_vm)
{
	char *buf = sys_fixture("variants/mounts.vm");
	struct mount_entry *m;
	size_t n;

	cr_assert_eq(filesystem__parse_mounts(buf, &m, &n), 0);
	cr_assert_geq(n, 3);
	cr_assert_str_eq(m[0].fstype, "proc");
	free(m);
	free(buf);
}

Test(filesystem, hostile)
{
	char *buf = sys_fixture("hostile/sys/mounts.short");
	struct mount_entry *m;
	size_t n;

	cr_assert_eq(filesystem__parse_mounts(buf, &m, &n), -EINVAL);
	free(buf);
	buf = sys_fixture("hostile/sys/mounts.escapes");
	cr_assert_eq(filesystem__parse_mounts(buf, &m, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(m[0].mountpoint, "/a b");
	cr_assert_str_eq(m[1].mountpoint, "/c\td");
	free(m);
	free(buf);
	buf = sys_fixture("hostile/sys/empty");
	cr_assert_eq(filesystem__parse_mounts(buf, &m, &n), 0);
	cr_assert_eq(n, 0);
	free(m);
	free(buf);
}

Test(filesystem, strip_rootfs)
{
	char out[256];

	filesystem__strip_rootfs("/", "/var/lib", out, sizeof(out));
	cr_assert_str_eq(out, "/var/lib");
	filesystem__strip_rootfs("/host", "/host/var/lib", out, sizeof(out));
	cr_assert_str_eq(out, "/var/lib");
	filesystem__strip_rootfs("/host", "/host", out, sizeof(out));
	cr_assert_str_eq(out, "/");
	filesystem__strip_rootfs("/host", "/boot", out, sizeof(out));
	cr_assert_str_eq(out, "/boot");
}

/* A statvfs that blocks like one on a dead NFS server, for 1.5 s. */
static int slow_statvfs(const char *path, struct statvfs *st)
{
	memset(st, 0, sizeof(*st));
	if (strstr(path, "dead-nfs"))
		usleep(1500 * 1000);
	st->f_blocks = 10;
	st->f_bsize = 4096;
	return 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(filesystem, dead_mount_times_out_then_recovers)
{
	struct statvfs st;
	double t0;

	filesystem__statvfs = slow_statvfs;
	filesystem__set_timeout(1);
	cr_assert_eq(filesystem__statvfs_deadline("/srv/ok", "/srv/ok", &st), 0);
	cr_assert_eq(st.f_blocks, 10);
	t0 = mono();
	cr_assert_eq(filesystem__statvfs_deadline("/mnt/dead-nfs", "/mnt/dead-nfs", &st),
		     -ETIMEDOUT);
	cr_assert_lt(mono() - t0, 1.4, "the scrape waited for the blocked call");
	cr_assert(filesystem__is_stuck("/mnt/dead-nfs"));
	cr_assert(!filesystem__is_stuck("/srv/ok"));
	/* The abandoned call returns at 1.5 s and clears the mark. */
	usleep(900 * 1000);
	cr_assert(!filesystem__is_stuck("/mnt/dead-nfs"));
	filesystem__statvfs = statvfs;
	filesystem__set_timeout(5);
}
