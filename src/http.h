/* HTTP endpoint (libmicrohttpd): /metrics (--web.telemetry-path), landing page at /, gzip when
 * accepted, 404/405 as node_exporter, at most --web.max-requests scrapes at once (503 beyond). */
#ifndef NODEPATH_HTTP_H
#define NODEPATH_HTTP_H

/* Start serving on --web.listen-address. 0 or -errno (logged). */
int http__start(void);
void http__stop(void);

#endif
