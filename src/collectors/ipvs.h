// SPDX-License-Identifier: Apache-2.0
/* ipvs collector: parsers for /proc/net/ip_vs_stats and /proc/net/ip_vs (pure: buffer in,
 * modified in place; struct out; 0 or -EINVAL/-ENOMEM, never a half-filled result). */
#ifndef NODEPATH_COLLECTORS_IPVS_H
#define NODEPATH_COLLECTORS_IPVS_H

#include <stddef.h>
#include <stdint.h>

struct ipvs_stats {
	uint64_t conns, in_pkts, out_pkts, in_bytes, out_bytes;
};
int ipvs__parse_stats(char *buf, struct ipvs_stats *out);

/* Addresses as Go's net.IP.String() writes them (node_exporter's label values): dotted IPv4,
 * IPv4-mapped IPv6 as IPv4, other IPv6 per RFC 5952. A firewall-mark service has no local
 * address or port: "" and 0, and local_mark holds the mark as the kernel prints it. */
#define IPVS_ADDR_MAX 48
struct ipvs_backend {
	char local_address[IPVS_ADDR_MAX];
	unsigned local_port;
	char local_mark[12];
	char proto[8];
	char remote_address[IPVS_ADDR_MAX];
	unsigned remote_port;
	uint64_t weight, active, inactive;
};
/* *out is malloc'd (NULL when there are no backends); caller frees. */
int ipvs__parse_backends(char *buf, struct ipvs_backend **out, size_t *n);

/* The backend label set (--collector.ipvs.backend-labels): a comma-separated subset of
 * local_address,local_port,remote_address,remote_port,proto,local_mark, always used in that
 * order. Bit i = label i. -EINVAL naming the first unknown label in *bad. */
#define IPVS_N_LABELS 6
extern const char *const ipvs_label_names[IPVS_N_LABELS];
int ipvs__parse_label_set(const char *spec, unsigned *mask, char *bad, size_t bad_cap);

/* Writes the value of label i for b into buf (cap >= IPVS_ADDR_MAX). */
void ipvs__label_value(const struct ipvs_backend *b, int i, char *buf, size_t cap);

#endif
