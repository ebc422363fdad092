// SPDX-License-Identifier: Apache-2.0
/* HTTP endpoint (libmicrohttpd): /metrics (--web.telemetry-path), landing page at /, gzip when
 * accepted, 404/405 as node_exporter, at most --web.max-requests scrapes at once (503 beyond). */
#ifndef NODEPATH_HTTP_H
#define NODEPATH_HTTP_H

#include <stddef.h>

/* Start serving on --web.listen-address. 0 or -errno (logged). */
int http__start(void);
void http__stop(void);

/* Splits --web.listen-address ("host:port", ":port", "[v6addr]:port") into host ("" = every
 * address) and a decimal port 0..65535. 0 or -EINVAL. Exposed for unit tests. */
int http__parse_listen_address(const char *addr, char *host, size_t host_cap, char *port,
			       size_t port_cap);

#endif
