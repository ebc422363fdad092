/* HTTP endpoint on libmicrohttpd: the telemetry path, a landing page, health probes.
 *
 * One thread per connection (so a slow scrape never stalls a probe or another scrape), a
 * bounded number of connections overall and per client address, an idle timeout and a bounded
 * per-connection memory pool (oversized request lines and headers get 414/431 from MHD): a
 * flood or a slowloris can occupy connection slots for at most the timeout, never wedge the
 * agent. Scrapes themselves are limited to --web.max-requests at once, 503 beyond, as
 * promhttp's MaxRequestsInFlight. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "expo.h"
#include "flags.h"
#include "log.h"
#include "scrape.h"

static const char *opt_listen = ":9100";
NP_FLAG_STRING("web.listen-address", &opt_listen,
	       "Address on which to expose metrics and web interface: host:port, :port or "
	       "[v6addr]:port.");
static const char *opt_path = "/metrics";
NP_FLAG_STRING("web.telemetry-path", &opt_path, "Path under which to expose metrics.");
static unsigned long opt_max_requests = 40;
NP_FLAG_UINT("web.max-requests", &opt_max_requests,
	     "Maximum number of parallel scrape requests. Use 0 to disable.");

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define MAX_COLLECT_PARAMS 64
#define CONN_LIMIT 128
#define CONN_PER_IP_LIMIT 64
#define CONN_TIMEOUT_S 10
#define CONN_MEMORY 32768 /* request line + headers + response headers per connection */
#define THREAD_STACK (2UL << 20)

static struct MHD_Daemon *g_daemon;
static char *g_landing;
static unsigned long g_in_flight;

int http__parse_listen_address(const char *addr, char *host, size_t host_cap, char *port,
			       size_t port_cap)
{
	const char *colon, *h = addr, *p;
	size_t hlen;
	unsigned long pn = 0;

	if (!addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hlen = (size_t)(close - h);
		p = close + 2;
		if (hlen == 0)
			return -EINVAL;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - addr);
		/* A bare IPv6 address needs brackets, as in Go's net.SplitHostPort. */
		if (memchr(addr, ':', hlen))
			return -EINVAL;
		p = colon + 1;
	}
	if (*p == '\0' || strlen(p) > 5)
		return -EINVAL;
	for (const char *q = p; *q; q++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		pn = pn * 10 + (unsigned long)(*q - '0');
	}
	if (pn > 65535 || hlen >= host_cap || strlen(p) >= port_cap)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, port_cap, "%lu", pn);
	return 0;
}

static int bind_one(const struct sockaddr *sa, socklen_t len)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] serves IPv4 too, as Go's listener does. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, sa, len) < 0 || listen(fd, 128) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Returns a listening socket for --web.listen-address, or -errno (logged). */
static int open_listener(void)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[256], port[8];
	int fd = -EINVAL, rc;

	if (http__parse_listen_address(opt_listen, host, sizeof(host), port, sizeof(port))) {
		log_error("invalid --web.listen-address=\"%s\" (want host:port, :port or "
			  "[v6addr]:port)", opt_listen);
		return -EINVAL;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (host[0] == '\0') {
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in a4 = { .sin_family = AF_INET };

		a6.sin6_port = a4.sin_port = htons((uint16_t)atoi(port));
		fd = bind_one((struct sockaddr *)&a6, sizeof(a6));
		/* No IPv6 in this kernel or namespace: fall back to IPv4 only. */
		if (fd < 0 && fd != -EADDRINUSE && fd != -EACCES)
			fd = bind_one((struct sockaddr *)&a4, sizeof(a4));
	} else {
		rc = getaddrinfo(host, port, &hints, &res);
		if (rc) {
			log_error("cannot resolve --web.listen-address host=\"%s\" err=\"%s\"", host,
				  gai_strerror(rc));
			return -EINVAL;
		}
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			fd = bind_one(ai->ai_addr, ai->ai_addrlen);
			if (fd >= 0)
				break;
		}
		freeaddrinfo(res);
	}
	if (fd < 0)
		log_error("cannot listen address=\"%s\" err=\"%s\"", opt_listen, strerror(-fd));
	return fd;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len, bool copy)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	return reply(conn, status, CONTENT_TYPE_TEXT, text, strlen(text), false);
}

/* Printable, bounded copy of client input for an error body. */
static void sanitize(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < cap; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

struct collect_params {
	const char *names[MAX_COLLECT_PARAMS + 1];
	size_t n;
	bool too_many;
};

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct collect_params *cp = cls;

	if (strcmp(key, "collect[]") != 0)
		return MHD_YES;
	if (cp->n >= MAX_COLLECT_PARAMS) {
		cp->too_many = true;
		return MHD_NO;
	}
	cp->names[cp->n++] = value ? value : "";
	return MHD_YES;
}

/* Accept-Encoding allows gzip unless it is absent or given q=0. */
static bool gzip_accepted(const char *ae)
{
	char buf[512], *save = NULL, *tok;

	if (!ae)
		return false;
	snprintf(buf, sizeof(buf), "%s", ae);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *semi, *q;
		size_t len;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		semi = strchr(tok, ';');
		len = semi ? (size_t)(semi - tok) : strlen(tok);
		while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			len--;
		if (len != 4 || strncasecmp(tok, "gzip", 4) != 0)
			continue;
		if (!semi)
			return true;
		q = strstr(semi, "q=");
		return !q || strtod(q + 2, NULL) > 0;
	}
	return false;
}

/* gzip (RFC 1952) of in, at the fastest level: a scrape is small and CPU is the node's. */
static int gzip_buf(const char *in, size_t n, char **out, size_t *out_len)
{
	z_stream zs = { 0 };
	char *buf = NULL;
	uLong bound;
	int err = -ENOMEM;

	if (n > UINT_MAX)
		return -E2BIG;
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&zs, (uLong)n);
	buf = malloc(bound);
	if (!buf)
		goto cleanup;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)buf;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		err = -EIO;
		goto cleanup;
	}
	*out = buf;
	*out_len = zs.total_out;
	buf = NULL;
	err = 0;
cleanup:
	deflateEnd(&zs);
	free(buf);
	return err;
}

static enum MHD_Result serve_metrics(struct MHD_Connection *conn)
{
	struct collect_params cp = { 0 };
	struct expo_writer w;
	struct MHD_Response *r;
	const char *bad = NULL;
	char *body, msg[512], name[128];
	size_t len;
	bool gz;
	int err;
	enum MHD_Result ret;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, &cp);
	if (cp.too_many) {
		snprintf(msg, sizeof(msg), "too many collect[] parameters (at most %d)\n",
			 MAX_COLLECT_PARAMS);
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}

	if (opt_max_requests &&
	    __atomic_add_fetch(&g_in_flight, 1, __ATOMIC_ACQ_REL) > opt_max_requests) {
		__atomic_sub_fetch(&g_in_flight, 1, __ATOMIC_ACQ_REL);
		snprintf(msg, sizeof(msg),
			 "Limit of concurrent requests reached (%lu), try again later.\n",
			 opt_max_requests);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CONTENT_TYPE_TEXT, msg,
			     strlen(msg), true);
	}
	expo__init(&w);
	cp.names[cp.n] = NULL;
	err = scrape__write(&w, cp.n ? cp.names : NULL, &bad);
	gz = !err && gzip_accepted(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							       MHD_HTTP_HEADER_ACCEPT_ENCODING));
	body = w.buf;
	len = w.len;
	if (gz) {
		err = gzip_buf(w.buf, w.len, &body, &len);
		if (!err)
			expo__fini(&w);
	} else if (!err) {
		/* The response takes the writer's buffer. */
		w.buf = NULL;
		expo__fini(&w);
	}
	if (opt_max_requests)
		__atomic_sub_fetch(&g_in_flight, 1, __ATOMIC_ACQ_REL);

	if (err == -ENOENT) {
		expo__fini(&w);
		sanitize(name, sizeof(name), bad);
		snprintf(msg, sizeof(msg),
			 "Couldn't create filtered metrics handler: unknown or disabled collector "
			 "in collect[]: \"%s\"\n", name);
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}
	if (err) {
		expo__fini(&w);
		log_error("scrape failed err=\"%s\"", strerror(-err));
		snprintf(msg, sizeof(msg), "An error has occurred while serving metrics: %s\n",
			 strerror(-err));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CONTENT_TYPE_TEXT, msg,
			     strlen(msg), true);
	}

	if (body)
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* MHD calls this once when the headers are in, then with any body, then once more. Answering
 * on the first call makes MHD close the connection, so GET/HEAD (keep-alive for Prometheus)
 * are answered on the last call and a GET body is dropped as it arrives. nodepath takes no
 * request bodies: any other method is refused on the first call, before its body is read. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int first_call_marker;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n");
	if (*req_cls == NULL) {
		*req_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* A GET body means nothing here: drop it without buffering. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, opt_path) == 0)
		return serve_metrics(conn);
	if (strcmp(url, "/-/healthy") == 0 || strcmp(url, "/-/ready") == 0)
		return reply_text(conn, MHD_HTTP_OK, "OK\n");
	if (strcmp(url, "/") == 0)
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", g_landing,
			     strlen(g_landing), false);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "404 page not found\n");
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* Hostile clients make MHD talk; keep that out of the default log. */
	log_debug("http: %s", msg);
}

static char *html_escape(const char *s)
{
	size_t n = 1;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += 6;
	out = malloc(n);
	if (!out)
		return NULL;
	for (o = out; *s; s++) {
		switch (*s) {
		case '<':
			o = stpcpy(o, "&lt;");
			break;
		case '>':
			o = stpcpy(o, "&gt;");
			break;
		case '&':
			o = stpcpy(o, "&amp;");
			break;
		case '"':
			o = stpcpy(o, "&quot;");
			break;
		default:
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static int build_landing(void)
{
	char *path = html_escape(opt_path);
	int n;

	if (!path)
		return -ENOMEM;
	n = asprintf(&g_landing,
		     "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>nodepath</title>"
		     "</head>\n<body>\n<h1>nodepath</h1>\n<p>Node agent: node_exporter-compatible "
		     "host metrics and per-layer, per-pod eBPF packet counters.</p>\n<ul>\n"
		     "<li><a href=\"%s\">Metrics</a></li>\n"
		     "<li><a href=\"/-/healthy\">Health</a></li>\n</ul>\n"
		     "<p>Version %s</p>\n</body>\n</html>\n",
		     path, NODEPATH_VERSION);
	free(path);
	if (n < 0) {
		g_landing = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void log_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
		}
	}
	log_info("listening address=%s%s%s:%u telemetry_path=%s max_requests=%lu",
		 ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
		 port, opt_path, opt_max_requests);
}

int http__start(void)
{
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
			     MHD_USE_ERROR_LOG;
	int fd, err;

	if (!opt_path || opt_path[0] != '/' || strcmp(opt_path, "/-/healthy") == 0 ||
	    strcmp(opt_path, "/-/ready") == 0) {
		log_error("invalid --web.telemetry-path=\"%s\" (must start with / and not be a "
			  "health path)", opt_path ? opt_path : "");
		return -EINVAL;
	}
	err = build_landing();
	if (err)
		return err;
	fd = open_listener();
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	g_daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
		NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK, MHD_OPTION_END);
	if (!g_daemon) {
		log_error("cannot start HTTP server address=\"%s\"", opt_listen);
		close(fd);
		err = -EIO;
		goto fail;
	}
	log_listening(fd);
	return 0;
fail:
	free(g_landing);
	g_landing = NULL;
	return err;
}

void http__stop(void)
{
	if (g_daemon)
		MHD_stop_daemon(g_daemon);
	g_daemon = NULL;
	free(g_landing);
	g_landing = NULL;
}
