// SPDX-License-Identifier: Apache-2.0
/* nfsd collector: /proc/net/rpc/nfsd parser on node_exporter's fixture, newer kernels and
 * hostile input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/nfs.h"
#include "proc_fixture.h"

Test(nfsd, node_exporter_fixture)
{
	struct nfs_server_stats s;
	char *b = fx_load("proc/net/rpc/nfsd");

	cr_assert_eq(nfs__parse_server(b, &s), 0);
	cr_assert_eq(s.rc[0], 0);
	cr_assert_eq(s.rc[1], 6);
	cr_assert_eq(s.rc[2], 18622);
	cr_assert_eq(s.fh[0], 0);
	cr_assert_eq(s.io[0], 157286400);
	cr_assert_eq(s.io[1], 72864);
	cr_assert_eq(s.th[0], 8); /* the ten histogram floats after it are not read */
	cr_assert_eq(s.ra[0], 32);
	cr_assert_eq(s.ra[11], 0);
	cr_assert_eq(s.net[1], 55);
	cr_assert_eq(s.net[2], 917);
	cr_assert_eq(s.net[3], 1);
	cr_assert_eq(s.rpc[0], 18628);
	cr_assert_eq(s.rpc[2], 1);   /* bad format */
	cr_assert_eq(s.rpc[3], 2);   /* bad auth */
	cr_assert_eq(s.rpc[4], 0);   /* bad client */
	cr_assert_eq(s.v2[1], 69);   /* GetAttr */
	cr_assert_eq(s.v2[4], 4410); /* Lookup */
	cr_assert_eq(s.v2[16], 99);  /* ReadDir */
	cr_assert_eq(s.v3[3], 2719); /* Lookup */
	cr_assert_eq(s.v3[17], 216); /* ReadDirPlus */
	/* proc4ops value i is operation i - 1 (RFC 7530 numbering). */
	cr_assert_eq(s.v4ops[4], 1098);	 /* ACCESS (3) */
	cr_assert_eq(s.v4ops[10], 8179); /* GETATTR (9) */
	cr_assert_eq(s.v4ops[23], 9609); /* PUTFH (22) */
	cr_assert_eq(s.v4ops[26], 150);	 /* READ (25) */
	cr_assert_eq(s.v4ops[31], 1236); /* RENEW (30) */
	cr_assert_eq(s.v4ops[36], 3);	 /* SETCLIENTID (35) */
	cr_assert_eq(s.v4ops[37], 3);	 /* SETCLIENTID_CONFIRM (36) */
	cr_assert_eq(s.v4ops[38], 0);	 /* VERIFY (37) */
	cr_assert_eq(s.v4ops[39], 0);	 /* WRITE (38) */
	cr_assert_eq(s.v4ops[40], 0);	 /* RELEASE_LOCKOWNER (39) */
	free(b);
}

/* Linux 6.8 added wdeleg_getattr; NFS 4.0 servers count 39 operations (no RELEASE_LOCKOWNER). */
Test(nfsd, newer_and_older_kernels)
{
	struct nfs_server_stats s;
	char *b = fx_load("proc/variants/nfsd.wdeleg");
	char line[512] = "th 4 0\nproc4ops 39";

	cr_assert_eq(nfs__parse_server(b, &s), 0);
	cr_assert_eq(s.v4ops[26], 150);
	free(b);

	for (int i = 1; i <= 39; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %d", 100 + i);
	strcat(line, "\n");
	b = fx_str(line);
	cr_assert_eq(nfs__parse_server(b, &s), 0);
	cr_assert_eq(s.th[0], 4);
	cr_assert_eq(s.v4ops[39], 139);
	cr_assert_eq(s.v4ops[40], 0);
	free(b);
}

Test(nfsd, hostile)
{
	static const char *const files[] = {
		"hostile/proc/nfsd.th_short",	 "hostile/proc/nfsd.rc_short",
		"hostile/proc/nfsd.proc4_count", "hostile/proc/nfsd.ops_short",
		"hostile/proc/nfsd.ra_short",	 "hostile/proc/nfsd.io_garbage",
		"hostile/proc/nfsd.wdeleg_two",	 "hostile/proc/nfsd.unknown",
		"hostile/proc/binary.random",	 "proc/net/rpc/nfs",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct nfs_server_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(nfs__parse_server(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
