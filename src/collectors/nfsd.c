// SPDX-License-Identifier: Apache-2.0
/* nfsd collector: NFS server statistics from /proc/net/rpc/nfsd (node_nfsd_*), parsed in nfs.c.
 * Without the nfsd module the file is missing: -ENODATA. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "nfs.h"
#include "procparse.h"

/* node_exporter 1.5's NFSv4 operation methods and their proc4ops values (operation + 1, see
 * RFC 7530/5661 numbering). 1.5 itself reads Verify, Write and RelLockOwner one value early
 * (SETCLIENTID, SETCLIENTID_CONFIRM and VERIFY); these are the operations the names say. */
static const struct {
	const char *name;
	int idx;
} v4_ops[] = {
	{ "Access", 4 },	{ "Close", 5 },	       { "Commit", 6 },	    { "Create", 7 },
	{ "DelegPurge", 8 },	{ "DelegReturn", 9 },  { "GetAttr", 10 },   { "GetFH", 11 },
	{ "Link", 12 },		{ "Lock", 13 },	       { "Lockt", 14 },	    { "Locku", 15 },
	{ "Lookup", 16 },	{ "LookupRoot", 17 },  { "Nverify", 18 },   { "Open", 19 },
	{ "OpenAttr", 20 },	{ "OpenConfirm", 21 }, { "OpenDgrd", 22 },  { "PutFH", 23 },
	{ "Read", 26 },		{ "ReadDir", 27 },     { "ReadLink", 28 },  { "Remove", 29 },
	{ "Rename", 30 },	{ "Renew", 31 },       { "RestoreFH", 32 }, { "SaveFH", 33 },
	{ "SecInfo", 34 },	{ "SetAttr", 35 },     { "Verify", 38 },    { "Write", 39 },
	{ "RelLockOwner", 40 },
};

static void emit_request(struct expo_writer *w, const char *method, const char *proto, uint64_t v)
{
	struct expo_label l[] = { { "method", method }, { "proto", proto } };

	expo__sample(w, "node_nfsd_requests_total", l, 2, (double)v);
}

static int nfsd_collect(struct expo_writer *w)
{
	struct nfs_server_stats st;
	char *buf = NULL;
	int err;

	err = fs__read_rel(fs__procfs(), "net/rpc/nfsd", PP_MAX_FILE, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("Not collecting NFSd metrics");
		return -ENODATA;
	}
	if (err)
		return err;
	err = nfs__parse_server(buf, &st);
	free(buf);
	if (err) {
		log_error("malformed file", "path", "net/rpc/nfsd");
		return err;
	}

	pp_emit(w, "node_nfsd_connections_total", "Total number of NFSd TCP connections.",
		EXPO_COUNTER, (double)st.net[3]);
	pp_emit(w, "node_nfsd_disk_bytes_read_total", "Total NFSd bytes read.", EXPO_COUNTER,
		(double)st.io[0]);
	pp_emit(w, "node_nfsd_disk_bytes_written_total", "Total NFSd bytes written.", EXPO_COUNTER,
		(double)st.io[1]);
	pp_emit(w, "node_nfsd_file_handles_stale_total", "Total number of NFSd stale file handles",
		EXPO_COUNTER, (double)st.fh[0]);
	expo__family(w, "node_nfsd_packets_total",
		     "Total NFSd network packets (sent+received) by protocol type.", EXPO_COUNTER);
	expo__sample(w, "node_nfsd_packets_total", &(struct expo_label){ "proto", "tcp" }, 1,
		     (double)st.net[2]);
	expo__sample(w, "node_nfsd_packets_total", &(struct expo_label){ "proto", "udp" }, 1,
		     (double)st.net[1]);
	pp_emit(w, "node_nfsd_read_ahead_cache_not_found_total",
		"Total number of NFSd read ahead cache not found.", EXPO_COUNTER,
		(double)st.ra[11]);
	pp_emit(w, "node_nfsd_read_ahead_cache_size_blocks",
		"How large the read ahead cache is in blocks.", EXPO_GAUGE, (double)st.ra[0]);
	pp_emit(w, "node_nfsd_reply_cache_hits_total",
		"Total number of NFSd Reply Cache hits (client lost server response).",
		EXPO_COUNTER, (double)st.rc[0]);
	pp_emit(w, "node_nfsd_reply_cache_misses_total",
		"Total number of NFSd Reply Cache an operation that requires caching (idempotent).",
		EXPO_COUNTER, (double)st.rc[1]);
	pp_emit(w, "node_nfsd_reply_cache_nocache_total",
		"Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).",
		EXPO_COUNTER, (double)st.rc[2]);
	expo__family(w, "node_nfsd_requests_total",
		     "Total number NFSd Requests by method and protocol.", EXPO_COUNTER);
	/* The null procedure is left out, as node_exporter does for the server. */
	for (int i = 1; i < NFS_V2_PROCS; i++)
		emit_request(w, nfs_v2_names[i], "2", st.v2[i]);
	for (int i = 1; i < NFS_V3_PROCS; i++)
		emit_request(w, nfs_v3_names[i], "3", st.v3[i]);
	for (size_t i = 0; i < sizeof(v4_ops) / sizeof(v4_ops[0]); i++)
		emit_request(w, v4_ops[i].name, "4", st.v4ops[v4_ops[i].idx]);
	expo__family(w, "node_nfsd_rpc_errors_total",
		     "Total number of NFSd RPC errors by error type.", EXPO_COUNTER);
	expo__sample(w, "node_nfsd_rpc_errors_total", &(struct expo_label){ "error", "auth" }, 1,
		     (double)st.rpc[3]);
	expo__sample(w, "node_nfsd_rpc_errors_total", &(struct expo_label){ "error", "cInt" }, 1,
		     (double)st.rpc[4]);
	expo__sample(w, "node_nfsd_rpc_errors_total", &(struct expo_label){ "error", "fmt" }, 1,
		     (double)st.rpc[2]);
	pp_emit(w, "node_nfsd_server_rpcs_total", "Total number of NFSd RPCs.", EXPO_COUNTER,
		(double)st.rpc[0]);
	pp_emit(w, "node_nfsd_server_threads",
		"Total number of NFSd kernel threads that are running.", EXPO_GAUGE,
		(double)st.th[0]);
	return 0;
}

static struct collector nfsd_collector = {
	.name = "nfsd",
	.default_enabled = true,
	.collect = nfsd_collect,
};
NP_COLLECTOR(nfsd_collector);
