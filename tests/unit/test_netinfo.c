// SPDX-License-Identifier: Apache-2.0
/* CIDR parsing/matching and flanneld's subnet.env: real files, hostile input, and following a
 * file that appears late, changes and breaks. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "expo.h"
#include "netinfo.h"

static void fmt(const struct cidr *c, char *buf)
{
	cr_assert_eq(cidr__format(c, buf, 64), 0);
}

Test(cidr, parse_and_normalise)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "10.96.0.0/12", "10.96.0.0/12" },
		{ "10.244.1.1/24", "10.244.1.0/24" },
		{ "10.244.1.255/23", "10.244.0.0/23" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.168.1.77/32", "192.168.1.77/32" },
		{ "1.2.3.4/31", "1.2.3.4/31" },
		{ "1.2.3.5/31", "1.2.3.4/31" },
		{ "fd00:10:96::/112", "fd00:10:96::/112" },
		{ "fd00:10:244:1::1/64", "fd00:10:244:1::/64" },
		{ "2001:DB8:0:0:0:0:0:1/128", "2001:db8::1/128" },
		{ "::/0", "::/0" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65", "ffff:ffff:ffff:ffff:8000::/65" },
		{ "::ffff:10.0.0.1/120", "::ffff:10.0.0.0/120" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cidr c;

		cr_assert_eq(cidr__parse(ok[i].in, &c), 0, "%s", ok[i].in);
		fmt(&c, buf);
		cr_expect_str_eq(buf, ok[i].out, "%s", ok[i].in);
	}
}

Test(cidr, hostile)
{
	static const char *const bad[] = {
		"",
		"/",
		"10.0.0.0",
		"10.0.0.0/",
		"/8",
		"10.0.0.0/33",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/08",
		"10.0.0.0/8x",
		"10.0.0.0/ 8",
		" 10.0.0.0/8",
		"10.0.0/8",
		"10.0.0.0.0/8",
		"256.0.0.0/8",
		"10.0.0.01/8",
		"::/129",
		"fe80::1%eth0/64",
		"1:2:3:4:5:6:7:8:9/64",
		"x/8",
		"10.0.0.0/1000",
		"10.0.0.0//8",
		"10.0.0.0/8/8",
		"0x0a.0.0.0/8",
		":::/8",
	};
	struct cidr c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(cidr__parse(bad[i], &c), -EINVAL, "accepted \"%s\"", bad[i]);
	/* Length-bounded: the same text without a terminator and with trailing bytes. */
	cr_expect_eq(cidr__parse_n("10.0.0.0/8,10.1.0.0/16", 10, &c), 0);
	cr_expect_eq(c.prefix, 8);
	cr_expect_eq(cidr__parse_n("10.0.0.0/8", 9, &c), -EINVAL);
	/* A very long input is refused without reading past it. */
	char big[4096];

	memset(big, '1', sizeof(big));
	cr_expect_eq(cidr__parse_n(big, sizeof(big), &c), -EINVAL);
	big[100] = '/';
	cr_expect_eq(cidr__parse_n(big, sizeof(big), &c), -EINVAL);
}

Test(cidr, contains)
{
	struct cidr c;
	unsigned char a4[4], a6[16];

	cr_assert_eq(cidr__parse("10.96.0.0/12", &c), 0);
	inet_pton(AF_INET, "10.96.0.10", a4);
	cr_expect(cidr__contains(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.111.255.255", a4);
	cr_expect(cidr__contains(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.112.0.0", a4);
	cr_expect_not(cidr__contains(&c, AF_INET, a4));
	inet_pton(AF_INET, "10.95.255.255", a4);
	cr_expect_not(cidr__contains(&c, AF_INET, a4));
	inet_pton(AF_INET6, "::a60:a", a6);
	cr_expect_not(cidr__contains(&c, AF_INET6, a6));

	cr_assert_eq(cidr__parse("fd00:10:244::/56", &c), 0);
	inet_pton(AF_INET6, "fd00:10:244:ff::7", a6);
	cr_expect(cidr__contains(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "fd00:10:244:100::7", a6);
	cr_expect_not(cidr__contains(&c, AF_INET6, a6));

	cr_assert_eq(cidr__parse("0.0.0.0/0", &c), 0);
	inet_pton(AF_INET, "203.0.113.9", a4);
	cr_expect(cidr__contains(&c, AF_INET, a4));
}

static int parse(const char *s, struct flannel_subnet *fs)
{
	return flannel_subnet__parse(s, strlen(s), fs);
}

static void joined(const struct flannel_subnet *fs, char *nets, char *subs)
{
	cr_assert_eq(netinfo__join_cidrs(fs->networks, fs->n_networks, nets, 256), 0);
	cr_assert_eq(netinfo__join_cidrs(fs->subnets, fs->n_subnets, subs, 256), 0);
}

Test(flannel_subnet, as_flanneld_writes_it)
{
	struct flannel_subnet fs;
	char n[256], s[256];

	cr_assert_eq(parse("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
			   "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
			   &fs),
		     0);
	joined(&fs, n, s);
	cr_expect_str_eq(n, "10.244.0.0/16");
	cr_expect_str_eq(s, "10.244.1.0/24");
	cr_expect_eq(fs.mtu, 1450);
	cr_expect(fs.has_ipmasq && fs.ipmasq);
}

Test(flannel_subnet, dual_stack_and_multi_cidr)
{
	struct flannel_subnet fs;
	char n[256], s[256];

	/* IPv6 lines first: IPv4 still comes first in the labels. */
	cr_assert_eq(parse("FLANNEL_IPV6_NETWORK=2001:cafe:42::/56\n"
			   "FLANNEL_IPV6_SUBNET=2001:cafe:42::1/64,2001:cafd:42::1/64\n"
			   "FLANNEL_NETWORK=10.42.0.0/16,192.168.0.0/16\n"
			   "FLANNEL_SUBNET=10.42.0.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n",
			   &fs),
		     0);
	joined(&fs, n, s);
	cr_expect_str_eq(n, "10.42.0.0/16,192.168.0.0/16,2001:cafe:42::/56");
	cr_expect_str_eq(s, "10.42.0.0/24,2001:cafe:42::/64,2001:cafd:42::/64");
	cr_expect(fs.has_ipmasq && !fs.ipmasq);
}

Test(flannel_subnet, ipv6_only_and_tolerated_forms)
{
	struct flannel_subnet fs;
	char n[256], s[256];

	cr_assert_eq(
	    parse("# written by hand\r\n\r\n  FLANNEL_IPV6_NETWORK=\"fd00:10:244::/56\"  \r\n"
		  "export FLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\r\nOTHER=1\nnoequals\n"
		  "FLANNEL_MTU=1450",
		  &fs),
	    0);
	joined(&fs, n, s);
	cr_expect_str_eq(n, "fd00:10:244::/56");
	cr_expect_str_eq(s, "fd00:10:244:1::/64");
	cr_expect_eq(fs.mtu, 1450);
	cr_expect_not(fs.has_ipmasq);
	/* Later lines win, as in a shell. */
	cr_assert_eq(parse("FLANNEL_NETWORK=10.0.0.0/8\nFLANNEL_SUBNET=10.1.0.1/24\n"
			   "FLANNEL_NETWORK=10.244.0.0/16\n",
			   &fs),
		     0);
	joined(&fs, n, s);
	cr_expect_str_eq(n, "10.244.0.0/16");
	cr_expect_eq(fs.mtu, 0);
}

Test(flannel_subnet, hostile)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "", -ENODATA },
		{ "\n\n\n", -ENODATA },
		{ "FLANNEL_NETWORK=10.244.0.0/16\n", -ENODATA },
		{ "FLANNEL_SUBNET=10.244.1.1/24\n", -ENODATA },
		{ "FLANNEL_NETWORK=\nFLANNEL_SUBNET=10.244.1.1/24\n", -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0\nFLANNEL_SUBNET=10.244.1.1/24\n", -EINVAL },
		{ "FLANNEL_NETWORK=fd00::/56\nFLANNEL_SUBNET=10.244.1.1/24\n", -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16,\nFLANNEL_SUBNET=10.244.1.1/24\n", -EINVAL },
		{ "FLANNEL_NETWORK=,10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n", -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16 \nFLANNEL_SUBNET=10.244.1.1/24 garbage\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=abc\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=-1\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=67\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=65536\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
		  "FLANNEL_MTU=99999999999999999999999\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPMASQ=yes\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_IPMASQ=True\n",
		  -EINVAL },
		/* More CIDRs than fit. */
		{ "FLANNEL_NETWORK=1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,"
		  "7.0.0.0/8,8.0.0.0/8,9.0.0.0/8\nFLANNEL_SUBNET=10.244.1.1/24\n",
		  -EINVAL },
		{ "FLANNEL_NETWORK=1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,"
		  "7.0.0.0/8,8.0.0.0/8\nFLANNEL_IPV6_NETWORK=fd00::/8\nFLANNEL_SUBNET=10.244.1.1/24\n",
		  -EINVAL },
		/* Lower-case keys are not flannel's. */
		{ "flannel_network=10.244.0.0/16\nflannel_subnet=10.244.1.1/24\n", -ENODATA },
		{ "\"\"=\"\"\n=\n==\n\"\n", -ENODATA },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flannel_subnet fs;
		int err = parse(cases[i].text, &fs);

		cr_expect_eq(err, cases[i].want, "case %zu: got %d want %d", i, err, cases[i].want);
		if (err)
			cr_expect_eq(fs.n_networks + fs.n_subnets + fs.mtu, 0, "case %zu", i);
	}
}

Test(flannel_subnet, binary_and_long_lines)
{
	struct flannel_subnet fs;
	static char buf[70000];
	const char good[] = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n";

	/* A NUL inside a known value is refused; anywhere else it is just a bad line. */
	char nul[] = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=14\0"
		     "50\n";
	cr_expect_eq(flannel_subnet__parse(nul, sizeof(nul) - 1, &fs), -EINVAL);
	/* One 64 KiB line of junk and then the real content. */
	memset(buf, 'A', 65536);
	buf[65536] = '\n';
	memcpy(buf + 65537, good, sizeof(good) - 1);
	cr_expect_eq(flannel_subnet__parse(buf, 65537 + sizeof(good) - 1, &fs), 0);
	/* Random bytes never crash and never half-fill. */
	srand(1234);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % 200);

		memcpy(buf, good, sizeof(good) - 1);
		for (size_t i = 0; i < n; i++)
			buf[rand() % (sizeof(good) - 1 + 20)] = (char)rand();
		if (flannel_subnet__parse(buf, sizeof(good) - 1 + 20, &fs) != 0)
			cr_assert_eq(fs.n_networks + fs.n_subnets, 0);
	}
}

/* --- the followed file ------------------------------------------------------------------ */

static void write_file(const char *path, const char *text, int mtime_offset)
{
	char tmp[256];
	FILE *f;

	/* Like flanneld: temp file + rename, so a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	if (mtime_offset) {
		struct timespec ts[2];

		clock_gettime(CLOCK_REALTIME, &ts[0]);
		ts[1] = ts[0];
		ts[1].tv_sec += mtime_offset;
		cr_assert_eq(utimensat(AT_FDCWD, tmp, ts, 0), 0);
	}
	cr_assert_eq(rename(tmp, path), 0);
}

Test(netinfo, follows_file_that_appears_changes_and_breaks)
{
	char dir[] = "/tmp/np-netinfo-XXXXXX", path[128], n[256], s[256];
	struct flannel_subnet fs;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/subnet.env", dir);
	netinfo__set_path(path);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);

	write_file(path,
		   "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
		   "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
		   0);
	cr_assert_eq(netinfo__get(&fs), 0);
	joined(&fs, n, s);
	cr_expect_str_eq(s, "10.244.1.0/24");

	/* A new lease (same size, new inode and mtime). */
	write_file(path,
		   "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\n"
		   "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
		   2);
	cr_assert_eq(netinfo__get(&fs), 0);
	joined(&fs, n, s);
	cr_expect_str_eq(s, "10.244.7.0/24");

	/* Broken: no stale CIDRs are served. */
	write_file(path, "FLANNEL_NETWORK=garbage\n", 4);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);

	unlink(path);
	cr_expect_eq(netinfo__get(&fs), -ENOENT);
	netinfo__set_path(NULL);
	rmdir(dir);
}
