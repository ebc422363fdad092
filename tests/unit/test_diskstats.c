// SPDX-License-Identifier: Apache-2.0
/* diskstats parser and udev database parser on fixtures and hostile input. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/diskstats.h"
#include "sys_fixture.h"

static size_t parse(const char *rel, struct disk_stat **ds, int want)
{
	char *buf = sys_fixture(rel);
	size_t n = 0;
	int err = diskstats__parse(buf, ds, &n);

	cr_assert_eq(err, want, "%s: %d", rel, err);
	free(buf);
	return n;
}

Test(diskstats, server_kernel_5_15)
{
	struct disk_stat *ds;
	size_t n = parse("proc/diskstats", &ds, 0);

	cr_assert_eq(n, 12);
	cr_assert_str_eq(ds[2].name, "sda");
	cr_assert_eq(ds[2].major, 8);
	cr_assert_eq(ds[2].minor, 0);
	cr_assert_eq(ds[2].nfields, 17);
	cr_assert_eq(ds[2].v[0], 8923411ULL);
	cr_assert_eq(ds[2].v[2], 1283470466ULL); /* sectors read */
	cr_assert_eq(ds[2].v[16], 1017363ULL);	 /* flush ticks */
	cr_assert_str_eq(ds[7].name, "nvme0n1");
	cr_assert_eq(ds[7].major, 259);
	/* sr0 has only the 11 classic fields */
	cr_assert_str_eq(ds[11].name, "sr0");
	cr_assert_eq(ds[11].nfields, 11);
	free(ds);
}

Test(diskstats, this_vm_and_kernel_4_19)
{
	struct disk_stat *ds;
	size_t n = parse("variants/diskstats.vm", &ds, 0);

	cr_assert_geq(n, 1);
	free(ds);
	n = parse("variants/diskstats.4_19", &ds, 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(ds[2].nfields, 11);
	cr_assert_str_eq(ds[2].name, "dm-0");
	cr_assert_eq(ds[2].v[10], 634233ULL);
	free(ds);
}

Test(diskstats, hostile)
{
	struct disk_stat *ds;

	parse("hostile/sys/diskstats.nonnumeric", &ds, -EINVAL);
	parse("hostile/sys/diskstats.huge", &ds, -EINVAL);
	parse("hostile/sys/diskstats.longname", &ds, -EINVAL);
	parse("hostile/sys/diskstats.negative", &ds, -EINVAL);
	/* Lines with too few fields are skipped, as procfs does. */
	cr_assert_eq(parse("hostile/sys/diskstats.short", &ds, 0), 0);
	free(ds);
	cr_assert_eq(parse("hostile/sys/empty", &ds, 0), 0);
	free(ds);
	parse("hostile/sys/binary.random", &ds, -EINVAL);
}

Test(diskstats, udev_ata_disk)
{
	char *buf = sys_fixture("root/run/udev/data/b8:0");
	struct udev_props p;

	diskstats__parse_udev(buf, &p);
	cr_assert_str_eq(p.id_model, "Samsung_SSD_860_EVO_1TB");
	cr_assert_str_eq(p.serial, "S3Z9NB0K123456X");
	cr_assert_str_eq(p.id_wwn, "0x5002538e40a1b2c3");
	cr_assert_str_eq(p.id_path, "pci-0000:00:17.0-ata-1");
	cr_assert_str_eq(p.id_revision, "RVT04B6Q");
	cr_assert_eq(p.ata, 1);
	cr_assert_str_eq(p.ata_rotation_rate_rpm, "0");
	cr_assert_str_eq(p.fs_type, "");
	free(buf);
}

Test(diskstats, udev_lvm)
{
	char *buf = sys_fixture("root/run/udev/data/b253:0");
	struct udev_props p;

	diskstats__parse_udev(buf, &p);
	cr_assert_str_eq(p.dm_name, "vg0-root");
	cr_assert_str_eq(p.dm_vg_name, "vg0");
	cr_assert_str_eq(p.dm_lv_name, "root");
	cr_assert_str_eq(p.dm_lv_layer, "");
	cr_assert_str_eq(p.fs_type, "ext4");
	cr_assert_str_eq(p.fs_usage, "filesystem");
	cr_assert_eq(p.ata, 0);
	free(buf);
}

Test(diskstats, udev_hostile)
{
	char *buf = sys_fixture("hostile/sys/udev.long");
	struct udev_props p;

	diskstats__parse_udev(buf, &p);
	cr_assert_eq(strlen(p.id_model), sizeof(p.id_model) - 1); /* truncated, not overflowed */
	cr_assert_str_eq(p.serial, "");
	free(buf);
	buf = sys_fixture("hostile/sys/binary.random");
	diskstats__parse_udev(buf, &p);
	free(buf);
}
