// SPDX-License-Identifier: Apache-2.0
/* nfs collector: NFS client RPC statistics from /proc/net/rpc/nfs (node_nfs_*). Without the
 * nfs module the file is missing: -ENODATA (node_exporter's ErrNoData). The parsers of both
 * /proc/net/rpc files live here; nfsd.c emits the server's. */
#include "nfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "procparse.h"

/* Method label values: node_exporter's procfs field names, in the kernel's order. */
const char *const nfs_v2_names[NFS_V2_PROCS] = {
	"Null",	  "GetAttr", "SetAttr", "Root", "Lookup",  "ReadLink", "Read",	"WrCache", "Write",
	"Create", "Remove",  "Rename",	"Link", "SymLink", "MkDir",    "RmDir", "ReadDir", "FsStat",
};

const char *const nfs_v3_names[NFS_V3_PROCS] = {
	"Null",	   "GetAttr",	  "SetAttr", "Lookup", "Access",   "ReadLink", "Read",	 "Write",
	"Create",  "MkDir",	  "SymLink", "MkNod",  "Remove",   "RmDir",    "Rename", "Link",
	"ReadDir", "ReadDirPlus", "FsStat",  "FsInfo", "PathConf", "Commit",
};

const char *const nfs_client_v4_names[NFS_CLIENT_V4_PROCS] = {
	"Null",
	"Read",
	"Write",
	"Commit",
	"Open",
	"OpenConfirm",
	"OpenNoattr",
	"OpenDowngrade",
	"Close",
	"Setattr",
	"FsInfo",
	"Renew",
	"SetClientID",
	"SetClientIDConfirm",
	"Lock",
	"Lockt",
	"Locku",
	"Access",
	"Getattr",
	"Lookup",
	"LookupRoot",
	"Remove",
	"Rename",
	"Link",
	"Symlink",
	"Create",
	"Pathconf",
	"StatFs",
	"ReadLink",
	"ReadDir",
	"ServerCaps",
	"DelegReturn",
	"GetACL",
	"SetACL",
	"FsLocations",
	"ReleaseLockowner",
	"Secinfo",
	"FsidPresent",
	"ExchangeID",
	"CreateSession",
	"DestroySession",
	"Sequence",
	"GetLeaseTime",
	"ReclaimComplete",
	"LayoutGet",
	"GetDeviceInfo",
	"LayoutCommit",
	"LayoutReturn",
	"SecinfoNoName",
	"TestStateID",
	"FreeStateID",
	"GetDeviceList",
	"BindConnToSession",
	"DestroyClientID",
	"Seek",
	"Allocate",
	"DeAllocate",
	"LayoutStats",
	"Clone",
};

/* Every line is "<key> <value>..." with at least one value; proc4ops of NFS 4.2 has 76. */
#define NFS_MAX_FIELDS 256

struct nfs_line {
	char *key;
	uint64_t v[NFS_MAX_FIELDS];
	int n; /* values after the key */
};

/* Splits and parses one line; only the first max_values values are parsed when max_values >= 0
 * (the server's "th" line ends in floats on old kernels). */
static int nfs_split_line(char *line, struct nfs_line *l, int max_values)
{
	char *f[NFS_MAX_FIELDS + 1];
	int nf = pp_split(line, f, NFS_MAX_FIELDS + 1);

	if (nf < 2)
		return -EINVAL;
	l->key = f[0];
	l->n = nf - 1;
	if (max_values >= 0 && l->n > max_values)
		l->n = max_values;
	for (int i = 0; i < l->n; i++)
		if (parse__u64(f[i + 1], &l->v[i]))
			return -EINVAL;
	return 0;
}

/* Fixed-length line: exactly n values. */
static int nfs_take_exact(const struct nfs_line *l, uint64_t *dst, int n)
{
	if (l->n != n)
		return -EINVAL;
	memcpy(dst, l->v, (size_t)n * sizeof(*dst));
	return 0;
}

/* "procN <count> <count values>": the count must match and be at least min; values beyond
 * cap are ignored, missing ones (cap > count) stay 0. dst receives values 1..cap. */
static int nfs_take_counted(const struct nfs_line *l, uint64_t *dst, int min, int cap)
{
	int count;

	if (l->v[0] != (uint64_t)(l->n - 1) || l->v[0] < (uint64_t)min)
		return -EINVAL;
	count = l->n - 1;
	memset(dst, 0, (size_t)cap * sizeof(*dst));
	memcpy(dst, l->v + 1, (size_t)(count < cap ? count : cap) * sizeof(*dst));
	return 0;
}

int nfs__parse_client(char *buf, struct nfs_client_stats *out)
{
	struct nfs_line l;
	char *cur = buf, *line;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (!err && (line = pp_next_line(&cur)) != NULL) {
		err = nfs_split_line(line, &l, -1);
		if (err)
			break;
		if (strcmp(l.key, "net") == 0)
			err = nfs_take_exact(&l, out->net, 4);
		else if (strcmp(l.key, "rpc") == 0)
			err = nfs_take_exact(&l, out->rpc, 3);
		else if (strcmp(l.key, "proc2") == 0)
			err = nfs_take_counted(&l, out->v2, NFS_V2_PROCS, NFS_V2_PROCS);
		else if (strcmp(l.key, "proc3") == 0)
			err = nfs_take_counted(&l, out->v3, NFS_V3_PROCS, NFS_V3_PROCS);
		else if (strcmp(l.key, "proc4") == 0)
			/* Older kernels count fewer NFSv4 procedures: the rest stay 0. */
			err = nfs_take_counted(&l, out->v4, 0, NFS_CLIENT_V4_PROCS);
		else
			err = -EINVAL;
	}
	return err;
}

int nfs__parse_server(char *buf, struct nfs_server_stats *out)
{
	struct nfs_line l;
	char *cur = buf, *line;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (!err && (line = pp_next_line(&cur)) != NULL) {
		bool th = strncmp(line, "th", 2) == 0 && (line[2] == ' ' || line[2] == '\t');

		/* "th <threads> <0> [10 floats]": the floats are gone since 2.6.33 and unused. */
		err = nfs_split_line(line, &l, th ? 2 : -1);
		if (err)
			break;
		if (strcmp(l.key, "rc") == 0)
			err = nfs_take_exact(&l, out->rc, 3);
		else if (strcmp(l.key, "fh") == 0)
			err = nfs_take_exact(&l, out->fh, 5);
		else if (strcmp(l.key, "io") == 0)
			err = nfs_take_exact(&l, out->io, 2);
		else if (strcmp(l.key, "th") == 0)
			err = nfs_take_exact(&l, out->th, 2);
		else if (strcmp(l.key, "ra") == 0)
			err = nfs_take_exact(&l, out->ra, 12);
		else if (strcmp(l.key, "net") == 0)
			err = nfs_take_exact(&l, out->net, 4);
		else if (strcmp(l.key, "rpc") == 0)
			err = nfs_take_exact(&l, out->rpc, 5);
		else if (strcmp(l.key, "proc2") == 0)
			err = nfs_take_counted(&l, out->v2, NFS_V2_PROCS, NFS_V2_PROCS);
		else if (strcmp(l.key, "proc3") == 0)
			err = nfs_take_counted(&l, out->v3, NFS_V3_PROCS, NFS_V3_PROCS);
		else if (strcmp(l.key, "proc4") == 0)
			/* null and compound calls: not exported by node_exporter 1.5 */
			err = l.n == 3 && l.v[0] == 2 ? 0 : -EINVAL;
		else if (strcmp(l.key, "proc4ops") == 0)
			/* NFS 4.0 has operations 0-38 (RELEASE_LOCKOWNER, 39, came with 4.1). */
			err = nfs_take_counted(&l, out->v4ops + 1, 39, NFSD_V4_OPS - 1);
		else if (strcmp(l.key, "wdeleg_getattr") == 0)
			/* Linux 6.8: GETATTRs answered from a write delegation; no 1.5 family. */
			err = l.n == 1 ? 0 : -EINVAL;
		else
			err = -EINVAL;
	}
	return err;
}

static int nfs_collect(struct expo_writer *w)
{
	struct nfs_client_stats st;
	char *buf = NULL;
	int err;

	err = fs__read_rel(fs__procfs(), "net/rpc/nfs", PP_MAX_FILE, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("Not collecting NFS metrics");
		return -ENODATA;
	}
	if (err)
		return err;
	err = nfs__parse_client(buf, &st);
	free(buf);
	if (err) {
		log_error("malformed file", "path", "net/rpc/nfs");
		return err;
	}

	pp_emit(w, "node_nfs_connections_total", "Total number of NFSd TCP connections.",
		EXPO_COUNTER, (double)st.net[3]);
	expo__family(w, "node_nfs_packets_total",
		     "Total NFSd network packets (sent+received) by protocol type.", EXPO_COUNTER);
	expo__sample(w, "node_nfs_packets_total", &(struct expo_label){ "protocol", "tcp" }, 1,
		     (double)st.net[2]);
	expo__sample(w, "node_nfs_packets_total", &(struct expo_label){ "protocol", "udp" }, 1,
		     (double)st.net[1]);
	expo__family(w, "node_nfs_requests_total", "Number of NFS procedures invoked.",
		     EXPO_COUNTER);
	for (int i = 0; i < NFS_V2_PROCS; i++) {
		struct expo_label l[] = { { "method", nfs_v2_names[i] }, { "proto", "2" } };

		expo__sample(w, "node_nfs_requests_total", l, 2, (double)st.v2[i]);
	}
	for (int i = 0; i < NFS_V3_PROCS; i++) {
		struct expo_label l[] = { { "method", nfs_v3_names[i] }, { "proto", "3" } };

		expo__sample(w, "node_nfs_requests_total", l, 2, (double)st.v3[i]);
	}
	for (int i = 0; i < NFS_CLIENT_V4_PROCS; i++) {
		struct expo_label l[] = { { "method", nfs_client_v4_names[i] }, { "proto", "4" } };

		expo__sample(w, "node_nfs_requests_total", l, 2, (double)st.v4[i]);
	}
	pp_emit(w, "node_nfs_rpc_authentication_refreshes_total",
		"Number of RPC authentication refreshes performed.", EXPO_COUNTER,
		(double)st.rpc[2]);
	pp_emit(w, "node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.",
		EXPO_COUNTER, (double)st.rpc[1]);
	pp_emit(w, "node_nfs_rpcs_total", "Total number of RPCs performed.", EXPO_COUNTER,
		(double)st.rpc[0]);
	return 0;
}

static struct collector nfs_collector = {
	.name = "nfs",
	.default_enabled = true,
	.collect = nfs_collect,
};
NP_COLLECTOR(nfs_collector);
