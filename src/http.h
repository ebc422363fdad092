// SPDX-License-Identifier: Apache-2.0
/* HTTP endpoint (libmicrohttpd): /metrics (--web.telemetry-path), landing page at /, gzip when
 * accepted, 404/405 as node_exporter, at most --web.max-requests scrapes at once (503 beyond).
 * /-/healthy (liveness) is 200 while the process serves; /-/ready is 200 when the readiness
 * check says so, else 503 with its reason as a plain-text line. */
#ifndef NODEPATH_HTTP_H
#define NODEPATH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Readiness check, called on HTTP threads for every /-/ready: true when ready, else false with a
 * one-line reason written to reason[len]. Must be cheap and must not block. */
typedef bool (*http_ready_fn)(char *reason, size_t len);

/* Set before http__start (NULL, the default: always ready). */
void http__set_ready(http_ready_fn fn);

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
