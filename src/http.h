// SPDX-License-Identifier: Apache-2.0
/* HTTP endpoint (libmicrohttpd): /metrics (--web.telemetry-path), landing page at /, gzip when
 * accepted, 404/405 as node_exporter, at most --web.max-requests scrapes at once (503 beyond). */
#ifndef NODEPATH_HTTP_H
#define NODEPATH_HTTP_H

#include <stddef.h>

/* Checks --web.telemetry-path and binds --web.listen-address, without serving yet: main() calls
 * it before any BPF program is attached, so a busy or invalid address fails fast and leaves the
 * datapath untouched. 0 or -errno (logged). */
int http__bind(void);
/* Start serving on --web.listen-address (binding it first if http__bind was not called). 0 or
 * -errno (logged). */
int http__start(void);
void http__stop(void);

/* Splits --web.listen-address ("host:port", ":port", "[v6addr]:port") into host ("" = every
 * address) and a decimal port 0..65535. 0 or -EINVAL. Exposed for unit tests. */
int http__parse_listen_address(const char *addr, char *host, size_t host_cap, char *port,
			       size_t port_cap);

#endif
