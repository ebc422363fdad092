// SPDX-License-Identifier: Apache-2.0
/* nfs and nfsd collectors: parsers for /proc/net/rpc/nfs (client) and /proc/net/rpc/nfsd
 * (server). Pure: buffer in, modified in place; struct out; 0 or -EINVAL. A line the kernel
 * did not print leaves its counters at 0, as node_exporter exports them. */
#ifndef NODEPATH_COLLECTORS_NFS_H
#define NODEPATH_COLLECTORS_NFS_H

#include <stdint.h>

#define NFS_V2_PROCS 18
#define NFS_V3_PROCS 22
#define NFS_CLIENT_V4_PROCS 59
/* proc4ops values kept: the count, then operations 0 to RELEASE_LOCKOWNER (39). */
#define NFSD_V4_OPS 41

struct nfs_client_stats {
	uint64_t net[4]; /* count, udp, tcp, tcp connections */
	uint64_t rpc[3]; /* calls, retransmissions, auth refreshes */
	uint64_t v2[NFS_V2_PROCS], v3[NFS_V3_PROCS], v4[NFS_CLIENT_V4_PROCS];
};
int nfs__parse_client(char *buf, struct nfs_client_stats *out);

struct nfs_server_stats {
	uint64_t rc[3];	 /* reply cache hits, misses, nocache */
	uint64_t fh[5];	 /* stale, ... (the rest unused by the kernel) */
	uint64_t io[2];	 /* bytes read, written */
	uint64_t th[2];	 /* threads, (always 0) */
	uint64_t ra[12]; /* read-ahead cache size, histogram, not found */
	uint64_t net[4];
	uint64_t rpc[5]; /* calls, bad, bad format, bad auth, bad client */
	uint64_t v2[NFS_V2_PROCS], v3[NFS_V3_PROCS];
	uint64_t v4ops[NFSD_V4_OPS]; /* [i]: value i of proc4ops (0 is the count) */
};
int nfs__parse_server(char *buf, struct nfs_server_stats *out);

extern const char *const nfs_v2_names[NFS_V2_PROCS];
extern const char *const nfs_v3_names[NFS_V3_PROCS];
extern const char *const nfs_client_v4_names[NFS_CLIENT_V4_PROCS];

#endif
