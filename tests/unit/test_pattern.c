// SPDX-License-Identifier: Apache-2.0
/* Filter patterns as node_exporter users write them (RE2 syntax) on PCRE2: the flag defaults,
 * (?i), lazy quantifiers, shorthand classes, anchoring, errors that name the flag. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "pattern.h"

static bool match_a(const char *pattern, enum pattern_anchor a, const char *s)
{
	struct pattern *re = NULL;
	bool m;

	cr_assert_eq(pattern__compile("test.flag", pattern, a, &re, NULL, 0), 0, "%s", pattern);
	m = pattern__match(re, s);
	pattern__free(re);
	return m;
}

static bool match(const char *pattern, const char *s)
{
	return match_a(pattern, PATTERN_SEARCH, s);
}

Test(pattern, node_exporter_diskstats_default)
{
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

/* node_exporter 1.5's upstream defaults (not Debian's patched ones): /mnt, /media and /run data
 * disks are kept; /run/credentials/<unit> (systemd's per-service secrets) is not. */
Test(pattern, filesystem_defaults)
{
	const char *mp = "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|"
			 "var/lib/containers/storage/.+)($|/)";
	const char *fs =
	    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|"
	    "hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|"
	    "securityfs|selinuxfs|squashfs|sysfs|tracefs)$";

	cr_assert(!match(mp, "/run"));
	cr_assert(!match(mp, "/run/data"));
	cr_assert(!match(mp, "/mnt/disk1"));
	cr_assert(!match(mp, "/media/usb"));
	cr_assert(match(mp, "/run/credentials/systemd-journald.service"));
	cr_assert(!match(mp, "/run/credentials"));
	cr_assert(match(mp, "/dev"));
	cr_assert(match(mp, "/dev/shm"));
	cr_assert(match(mp, "/proc/sys/fs/binfmt_misc"));
	cr_assert(match(mp, "/var/lib/docker/overlay2/abc"));
	cr_assert(!match(mp, "/var/lib/docker"));
	cr_assert(!match(mp, "/"));
	cr_assert(!match(mp, "/devices"));
	cr_assert(!match(mp, "/var/lib/kubelet/pods/x"));
	cr_assert(match(fs, "cgroup2"));
	cr_assert(match(fs, "overlay"));
	cr_assert(!match(fs, "ext4"));
	cr_assert(!match(fs, "tmpfs"));
	cr_assert(!match(fs, "overlayfs"));
}

Test(pattern, re2_syntax_node_exporter_users_write)
{
	/* case-insensitive flag group */
	cr_assert(match("(?i)^ETH\\d+$", "eth0"));
	cr_assert(match("^(?i:veth)[0-9a-f]+$", "VETH0a1b"));
	cr_assert(!match("^veth", "VETH0"));
	/* non-capturing groups, lazy quantifiers */
	cr_assert(match("^(?:veth|cali|tap)[a-z0-9]{4,}?$", "cali12ab"));
	cr_assert(match("^a.*?b$", "axxb"));
	cr_assert(match("^x+?$", "xxx"));
	/* shorthand classes outside and inside brackets */
	cr_assert(match("^a\\s+b$", "a \t b"));
	cr_assert(match("^\\w+$", "eth_0"));
	cr_assert(!match("^\\w+$", "eth-0"));
	cr_assert(match("^[\\d.]+$", "10.0.0.1"));
	cr_assert(match("^\\S+$", "flannel.1"));
	cr_assert(!match("^\\D+$", "a1"));
	cr_assert(match("^a\\.b$", "a.b"));
	cr_assert(!match("^a\\.b$", "axb"));
	/* RE2's \d is ASCII only, as without PCRE2_UCP */
	cr_assert(!match("^\\d$", "\xd9\xa3")); /* ARABIC-INDIC DIGIT THREE */
	/* Unicode classes and named groups */
	cr_assert(match("^\\pL+$", "r\xc3\xa9seau"));
	cr_assert(match("^(?P<dev>sd[a-z])\\d*$", "sdb2"));
	/* the empty pattern matches everything, ^$ only the empty name */
	cr_assert(match("", "anything"));
	cr_assert(match("^$", ""));
	cr_assert(!match("^$", "lo"));
	/* node_exporter's default netclass/netstat patterns */
	cr_assert(
	    match("^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|"
		  "Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|"
		  "TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|"
		  "RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|"
		  "SndbufErrors))$",
		  "TcpExt_ListenDrops"));
}

/* RE2 (no (?m)): '$' is the end of the text only, never before a final newline. */
Test(pattern, dollar_is_end_of_text)
{
	cr_assert(!match("^eth0$", "eth0\n"));
	cr_assert(match("(?m)^eth0$", "eth0\nx"));
}

Test(pattern, anchoring)
{
	cr_assert(match_a("eth", PATTERN_SEARCH, "veth0"));
	cr_assert(!match_a("eth", PATTERN_FULL, "veth0"));
	cr_assert(match_a("v?eth\\d", PATTERN_FULL, "veth0"));
	/* the alternation is grouped before anchoring: "a|b" must not become "^a|b$" */
	cr_assert(!match_a("ssh|cron", PATTERN_FULL, "sshd"));
	cr_assert(match_a("ssh|cron", PATTERN_FULL, "cron"));
	cr_assert(!match_a("ssh|cron", PATTERN_FULL, "anacron"));
	/* nothing in the pattern can escape the anchoring */
	cr_assert(!match_a("\\Qa)", PATTERN_FULL, "a)b"));
	cr_assert(match_a("\\Qa)", PATTERN_FULL, "a)"));
	cr_assert(!match_a("eth0$", PATTERN_FULL, "eth0\n"));
}

/* Interface and mount names are bytes, not necessarily UTF-8: Go reads each invalid byte as
 * U+FFFD, which '.' and negated classes match. */
Test(pattern, invalid_utf8_subject)
{
	cr_assert(match("^/srv/", "/srv/\xff\xfe"));
	cr_assert(match("^/srv/.*$", "/srv/a\xc3"));
	cr_assert(match("^/srv/..$", "/srv/\xff\xfe"));
	cr_assert(match("^/srv/[^/]$", "/srv/\xc3"));
	cr_assert(match("^/srv/\\x{fffd}$", "/srv/\xff"));
	cr_assert(!match("^/mnt", "/srv/\xff"));
	cr_assert(!match("^/srv/\\w", "/srv/\xff"));
}

Test(pattern, errors_name_the_flag)
{
	struct pattern *re = (struct pattern *)1;
	char err[256];

	cr_assert_eq(pattern__compile("collector.netdev.device-exclude", "^(veth|cali",
				      PATTERN_SEARCH, &re, err, sizeof(err)),
		     -EINVAL);
	cr_assert_null(re);
	cr_assert(strstr(err, "invalid --collector.netdev.device-exclude: "), "%s", err);
	cr_assert(strstr(err, "missing closing parenthesis at offset 11"), "%s", err);
	cr_assert_eq(pattern__compile("x", "a)", PATTERN_FULL, &re, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unmatched closing parenthesis at offset 1"), "%s", err);
	cr_assert_eq(pattern__compile("x", "a{2,1}", PATTERN_SEARCH, &re, NULL, 0), -EINVAL);
	cr_assert_eq(pattern__compile("x", "[z-a]", PATTERN_SEARCH, &re, NULL, 0), -EINVAL);
	cr_assert_eq(pattern__compile("x", "\\C", PATTERN_SEARCH, &re, NULL, 0), -EINVAL);
}
