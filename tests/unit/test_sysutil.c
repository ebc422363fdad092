// SPDX-License-Identifier: Apache-2.0
/* sysutil: RE2-style flag patterns on POSIX regex, sorted listings, name suffixes. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/sysutil.h"
#include "sys_fixture.h"

static bool match(const char *pattern, const char *s)
{
	regex_t re;
	bool m;

	cr_assert_eq(sysutil__regex_compile(&re, pattern), 0, "%s", pattern);
	m = sysutil__regex_match(&re, s);
	regfree(&re);
	return m;
}

Test(sysutil, node_exporter_diskstats_default)
{
	/* node_exporter 1.5's own spelling, with \d */
	const char *p = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

	cr_assert(match(p, "sda1"));
	cr_assert(match(p, "nvme0n1p2"));
	cr_assert(match(p, "loop7"));
	cr_assert(match(p, "xvda3"));
	cr_assert(!match(p, "sda"));
	cr_assert(!match(p, "nvme0n1"));
	cr_assert(!match(p, "dm-0"));
	cr_assert(!match(p, "md127"));
	cr_assert(!match(p, "vda"));
}

Test(sysutil, filesystem_defaults)
{
	const char *mp =
	    "^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
	const char *fs =
	    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|"
	    "hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|"
	    "securityfs|selinuxfs|squashfs|sysfs|tracefs)$";

	cr_assert(match(mp, "/run"));
	cr_assert(match(mp, "/run/containerd/x"));
	cr_assert(match(mp, "/var/lib/docker/overlay2/abc"));
	cr_assert(!match(mp, "/var/lib/docker"));
	cr_assert(!match(mp, "/"));
	cr_assert(!match(mp, "/runner"));
	cr_assert(!match(mp, "/var/lib/kubelet/pods/x"));
	cr_assert(match(fs, "cgroup2"));
	cr_assert(match(fs, "overlay"));
	cr_assert(!match(fs, "ext4"));
	cr_assert(!match(fs, "tmpfs"));
}

Test(sysutil, shorthand_classes)
{
	cr_assert(match("^a\\s+b$", "a \t b"));
	cr_assert(match("^\\w+$", "eth_0"));
	cr_assert(!match("^\\w+$", "eth-0"));
	cr_assert(match("^[\\d.]+$", "10.0.0.1")); /* inside brackets */
	cr_assert(match("^a\\.b$", "a.b"));
	cr_assert(!match("^a\\.b$", "axb"));
	cr_assert(match("^$", ""));
}

Test(sysutil, bad_patterns)
{
	regex_t re;

	cr_assert_eq(sysutil__regex_compile(&re, "(unclosed"), -EINVAL);
	cr_assert_eq(sysutil__regex_compile(&re, "(?i)eth"), -EINVAL); /* RE2-only syntax */
}

Test(sysutil, list_dir_version_order)
{
	char **names;
	size_t n;

	cr_assert_eq(sysutil__list_dir(SYS_FIX "/class/hwmon", "hwmon", &names, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(names[0], "hwmon0");
	cr_assert_str_eq(names[3], "hwmon3");
	sysutil__free_list(names, n);
	cr_assert_eq(sysutil__list_dir(SYS_FIX "/no/such/dir", NULL, &names, &n), -ENOENT);
}

Test(sysutil, num_suffix)
{
	cr_assert(sysutil__has_num_suffix("cpu12", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpu", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpufreq", "cpu"));
	cr_assert(!sysutil__has_num_suffix("cpu1a", "cpu"));
}
