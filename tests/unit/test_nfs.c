// SPDX-License-Identifier: Apache-2.0
/* nfs collector: /proc/net/rpc/nfs parser on node_exporter's fixture, old kernels and hostile
 * input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/nfs.h"
#include "proc_fixture.h"

static int v4_index(const char *name)
{
	for (int i = 0; i < NFS_CLIENT_V4_PROCS; i++)
		if (strcmp(nfs_client_v4_names[i], name) == 0)
			return i;
	cr_assert_fail("no NFSv4 procedure %s", name);
	return -1;
}

Test(nfs, node_exporter_fixture)
{
	struct nfs_client_stats s;
	char *b = fx_load("proc/net/rpc/nfs");

	cr_assert_eq(nfs__parse_client(b, &s), 0);
	cr_assert_eq(s.net[1], 70); /* udp */
	cr_assert_eq(s.net[2], 69); /* tcp */
	cr_assert_eq(s.net[3], 45); /* connections */
	cr_assert_eq(s.rpc[0], 1218785755);
	cr_assert_eq(s.rpc[1], 374636);
	cr_assert_eq(s.rpc[2], 1218815394);
	cr_assert_eq(s.v2[0], 16);	   /* Null */
	cr_assert_eq(s.v2[17], 82);	   /* FsStat */
	cr_assert_eq(s.v3[1], 1061909262); /* GetAttr */
	cr_assert_eq(s.v3[21], 23729);	   /* Commit */
	cr_assert_eq(s.v4[v4_index("Null")], 98);
	cr_assert_eq(s.v4[v4_index("ReclaimComplete")], 35);
	cr_assert_eq(s.v4[v4_index("LayoutGet")], 1);
	cr_assert_eq(s.v4[v4_index("GetDeviceInfo")], 90);
	cr_assert_eq(s.v4[v4_index("LayoutCommit")], 26);
	/* The fixture's kernel counted 48 procedures: the later ones are 0. */
	cr_assert_eq(s.v4[v4_index("Clone")], 0);
	cr_assert_eq(s.v4[v4_index("SecinfoNoName")], 0);
	free(b);
}

/* A kernel without NFSv2 prints no proc2 line; one with NFS 4.2 counts more procedures than
 * node_exporter names. */
Test(nfs, missing_line_and_longer_proc4)
{
	struct nfs_client_stats s;
	char line[1024] = "net 1 2 3 4\nrpc 5 6 7\nproc4 69";
	char *b;

	for (int i = 1; i <= 69; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %d", 400 + i);
	strcat(line, "\n");
	b = fx_str(line);
	cr_assert_eq(nfs__parse_client(b, &s), 0);
	for (int i = 0; i < NFS_V2_PROCS; i++)
		cr_assert_eq(s.v2[i], 0);
	cr_assert_eq(s.v4[0], 401);
	cr_assert_eq(s.v4[NFS_CLIENT_V4_PROCS - 1], 459); /* Clone */
	free(b);
}

Test(nfs, empty_file_is_all_zero)
{
	struct nfs_client_stats s, zero;
	char *b = fx_str("");

	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(nfs__parse_client(b, &s), 0);
	cr_assert_eq(memcmp(&s, &zero, sizeof(s)), 0);
	free(b);
}

Test(nfs, hostile)
{
	static const char *const files[] = {
		"hostile/proc/nfs.net_short",	"hostile/proc/nfs.count_mismatch",
		"hostile/proc/nfs.proc2_short", "hostile/proc/nfs.negative",
		"hostile/proc/nfs.unknown",	"hostile/proc/nfs.blank_line",
		"hostile/proc/nfs.novalue",	"hostile/proc/nfs.overflow",
		"hostile/proc/binary.random",	"proc/net/rpc/nfsd",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct nfs_client_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(nfs__parse_client(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
