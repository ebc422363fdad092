// SPDX-License-Identifier: Apache-2.0
/* HTTP endpoint on libmicrohttpd: the telemetry path, a landing page, health probes.
 *
 * Connections live in a small pool of epoll threads, so an idle or slow socket costs a few
 * kilobytes, never a thread. Scrapes (and bcrypt checks) run on a pool of job threads with the
 * connection suspended, so a slow scrape never stalls a probe. A watchdog gives every
 * request a deadline for its whole header phase (MHD only has an idle timeout, which a client
 * sending one byte at a time never trips), trims the heap after bursts and re-reads
 * --web.config.file. Limits: connections overall and per client address, a bounded
 * per-connection memory pool (414/431 beyond it), --web.max-requests scrapes at once (503
 * beyond, as promhttp's MaxRequestsInFlight). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <zlib.h>

#include "expo.h"
#include "flags.h"
#include "log.h"
#include "scrape.h"
#include "webconfig.h"

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
/* An idle connection costs an fd and its MHD pool, a few pages once touched: 1,024 of them stay
 * well under 16 MB. One address may hold 64, so it takes 16 addresses, each re-opening a
 * connection at least every HEADER_DEADLINE_S, to fill the table. */
#define CONN_LIMIT 1024
#define CONN_PER_IP_LIMIT 64
#define CONN_TIMEOUT_S 10    /* idle: no byte in either direction */
#define HEADER_DEADLINE_S 10 /* from accept (or the previous answer + idle time) to the request */
#define CONN_MEMORY 32768    /* request line + headers + response headers per connection */
#define POOL_THREADS 2	     /* epoll threads; answers that take time run on job threads */
#define JOB_LIMIT 64	     /* scrapes and bcrypt checks at once, beyond --web.max-requests */
#define JOB_IDLE_S 5	     /* a burst's threads (and their stack pages) go soon after it */
#define THREAD_STACK (2UL << 20)
#define WATCHDOG_TICK_MS 500
#define TRIM_INTERVAL_S 5

/* One per open connection, from MHD's connection notifications: what the watchdog needs to cut
 * a request that is too slow to arrive. */
struct conn_track {
	struct MHD_Connection *conn;
	int fd;
	bool cut;
	struct timespec deadline; /* tv_sec 0: the request is in, being answered */
	struct conn_track *prev, *next;
};

static struct MHD_Daemon *g_daemon;
static struct web_config *g_daemon_cfg; /* the TLS settings g_daemon runs with */
static int g_listen_fd = -1;
static int g_bound_fd = -1; /* from http__bind, until http__start hands it to MHD */
static char *g_landing;
static http_ready_fn g_ready; /* NULL: always ready */
static unsigned long g_in_flight;
static unsigned long g_jobs;
static bool g_stopping;
static pthread_mutex_t g_track_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_track *g_tracks;
static unsigned long g_closed_since_trim;
static pthread_t g_watchdog;
static bool g_watchdog_running;
static int g_watchdog_stop[2] = { -1, -1 };

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
	if (bind(fd, sa, len) < 0 || listen(fd, 1024) < 0) {
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
		log_error("invalid --web.listen-address (want host:port, :port or [v6addr]:port)",
			  "flag", "web.listen-address", "value", opt_listen);
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
			log_error("cannot resolve --web.listen-address", "host", host, "err",
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
		log_error("cannot listen", "address", opt_listen, "err", LOG_ERR(fd));
	return fd;
}

/* Every answer goes out here: http_server_config.headers replace any header of the same name. */
static enum MHD_Result queue_response(struct MHD_Connection *conn, unsigned int status,
				      struct MHD_Response *r)
{
	struct web_config *cfg = webconfig__get();

	for (size_t i = 0; cfg && i < cfg->n_headers; i++) {
		MHD_del_response_header(r, cfg->header_name[i],
					MHD_get_response_header(r, cfg->header_name[i]));
		MHD_add_response_header(r, cfg->header_name[i], cfg->header_value[i]);
	}
	webconfig__put(cfg);
	return MHD_queue_response(conn, status, r);
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
	ret = queue_response(conn, status, r);
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
	const char *names[MAX_COLLECT_PARAMS + 1];   /* collect[] */
	const char *exclude[MAX_COLLECT_PARAMS + 1]; /* exclude[] */
	size_t n, nexclude;
	bool too_many;
};

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct collect_params *cp = cls;

	bool ex = strcmp(key, "exclude[]") == 0;

	if (!ex && strcmp(key, "collect[]") != 0)
		return MHD_YES;
	if ((ex ? cp->nexclude : cp->n) >= MAX_COLLECT_PARAMS) {
		cp->too_many = true;
		return MHD_NO;
	}
	if (ex)
		cp->exclude[cp->nexclude++] = value ? value : "";
	else
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
	const char **filter = NULL;
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
		snprintf(msg, sizeof(msg),
			 "too many collect[] or exclude[] parameters (at most %d)\n",
			 MAX_COLLECT_PARAMS);
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}
	err = scrape__filter(cp.names, cp.n, cp.exclude, cp.nexclude, &filter, &bad);
	if (err == -EINVAL) {
		snprintf(msg, sizeof(msg),
			 "Combined collect and exclude queries are not allowed.\n");
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}
	if (err == -ENOENT) {
		sanitize(name, sizeof(name), bad);
		snprintf(
		    msg, sizeof(msg),
		    "Couldn't create filtered metrics handler: unknown collector in exclude[]: "
		    "\"%s\"\n",
		    name);
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}
	if (err)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CONTENT_TYPE_TEXT,
			     "out of memory\n", strlen("out of memory\n"), true);

	if (opt_max_requests &&
	    __atomic_add_fetch(&g_in_flight, 1, __ATOMIC_ACQ_REL) > opt_max_requests) {
		__atomic_sub_fetch(&g_in_flight, 1, __ATOMIC_ACQ_REL);
		free(filter);
		snprintf(msg, sizeof(msg),
			 "Limit of concurrent requests reached (%lu), try again later.\n",
			 opt_max_requests);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CONTENT_TYPE_TEXT, msg,
			     strlen(msg), true);
	}
	expo__init(&w);
	err = scrape__write(&w, filter, &bad);
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
		free(filter);
		snprintf(msg, sizeof(msg),
			 "Couldn't create filtered metrics handler: unknown or disabled collector "
			 "in collect[]: \"%s\"\n",
			 name);
		return reply(conn, MHD_HTTP_BAD_REQUEST, CONTENT_TYPE_TEXT, msg, strlen(msg), true);
	}
	free(filter);
	if (err) {
		expo__fini(&w);
		log_error("scrape failed", "err", LOG_ERR(err));
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
	ret = queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void deadline_in(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += secs;
}

static void set_deadline(struct MHD_Connection *conn, int secs)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&g_track_lock);
	if (secs)
		deadline_in(&t->deadline, secs);
	else
		t->deadline.tv_sec = 0;
	pthread_mutex_unlock(&g_track_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t->conn = conn;
		t->fd = ci ? ci->connect_fd : -1;
		deadline_in(&t->deadline, HEADER_DEADLINE_S);
		pthread_mutex_lock(&g_track_lock);
		t->next = g_tracks;
		if (g_tracks)
			g_tracks->prev = t;
		g_tracks = t;
		pthread_mutex_unlock(&g_track_lock);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* MHD closes the socket after this returns: the watchdog, holding the lock, never
	 * touches a descriptor that is already someone else's. */
	pthread_mutex_lock(&g_track_lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		g_tracks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	g_closed_since_trim++;
	pthread_mutex_unlock(&g_track_lock);
	free(t);
	*socket_context = NULL;
}

/* A keep-alive connection may idle up to the idle timeout before its next request starts. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	set_deadline(conn, CONN_TIMEOUT_S + HEADER_DEADLINE_S);
}

/* Client certificate policy that GnuTLS under MHD cannot enforce in the handshake: MHD asks for
 * a certificate whenever a trust list is set and never verifies it. true = go on. */
static bool client_cert_ok(struct MHD_Connection *conn, const struct web_config *cfg)
{
	const union MHD_ConnectionInfo *ci;
	unsigned int n = 0, status = 0;
	gnutls_session_t s;
	bool given, need, verify;

	if (!cfg || !cfg->tls || cfg->client_auth == WEB_CLIENT_NONE ||
	    cfg->client_auth == WEB_CLIENT_REQUEST)
		return true;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	s = ci->tls_session;
	given = gnutls_certificate_get_peers(s, &n) != NULL && n > 0;
	need = cfg->client_auth == WEB_CLIENT_REQUIRE_ANY ||
	       cfg->client_auth == WEB_CLIENT_REQUIRE_VERIFY;
	verify = cfg->client_auth == WEB_CLIENT_VERIFY_IF_GIVEN ||
		 cfg->client_auth == WEB_CLIENT_REQUIRE_VERIFY;
	if (!given)
		return !need;
	if (!verify)
		return true;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0) {
		log_debug("http: client certificate refused", "status", LOG_UINT(status));
		return false;
	}
	return true;
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "Unauthorized\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_TEXT);
	ret = MHD_queue_basic_auth_fail_response(conn, "nodepath", r);
	MHD_destroy_response(r);
	return ret;
}

static bool auth_ok(struct MHD_Connection *conn, const struct web_config *cfg)
{
	char *user, *pass = NULL;
	bool ok;

	if (!webconfig__needs_auth(cfg))
		return true;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = user && pass && webconfig__check_user(cfg, user, pass) == 0;
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

/* Liveness (/-/healthy) is the process answering; readiness asks the agent's start-up state,
 * which is cheap (no I/O), so it is answered on the connection's thread like health. */
static enum MHD_Result serve_ready(struct MHD_Connection *conn)
{
	char reason[160], body[168];

	if (!g_ready || g_ready(reason, sizeof(reason)))
		return reply_text(conn, MHD_HTTP_OK, "OK\n");
	snprintf(body, sizeof(body), "%s\n", reason);
	return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CONTENT_TYPE_TEXT, body, strlen(body),
		     true);
}

/* The answer to a GET/HEAD whose headers (and any dropped body) are in. */
static enum MHD_Result answer(struct MHD_Connection *conn, const char *url)
{
	struct web_config *cfg = webconfig__get();
	enum MHD_Result ret;

	if (!auth_ok(conn, cfg))
		ret = reply_unauthorized(conn);
	else if (strcmp(url, opt_path) == 0)
		ret = serve_metrics(conn);
	else if (strcmp(url, "/-/healthy") == 0)
		ret = reply_text(conn, MHD_HTTP_OK, "OK\n");
	else if (strcmp(url, "/-/ready") == 0)
		ret = serve_ready(conn);
	else if (strcmp(url, "/") == 0)
		ret = reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", g_landing,
			    strlen(g_landing), false);
	else
		ret = reply_text(conn, MHD_HTTP_NOT_FOUND, "404 page not found\n");
	webconfig__put(cfg);
	return ret;
}

struct job {
	struct MHD_Connection *conn;
	struct job *next;
	char url[];
};

/* Job threads are kept while there is work and leave after JOB_IDLE_S without any: a thread
 * started per scrape cost 40-70 % more CPU per scrape (stack pages and malloc caches faulted in
 * again every time). */
static pthread_mutex_t g_job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_job_cond = PTHREAD_COND_INITIALIZER;
static struct job *g_job_head, *g_job_tail;
static unsigned long g_job_queued, g_job_idle;

/* Answers with the connection suspended: MHD takes a response queued on a suspended
 * connection from any thread, and sends it once resumed. */
static void *job_main(void *arg)
{
	struct timespec until;
	struct job *j;
	int rc;

	pthread_mutex_lock(&g_job_lock);
	for (;;) {
		while (!g_job_head) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += JOB_IDLE_S;
			g_job_idle++;
			rc = pthread_cond_timedwait(&g_job_cond, &g_job_lock, &until);
			g_job_idle--;
			if (rc == ETIMEDOUT && !g_job_head) {
				pthread_mutex_unlock(&g_job_lock);
				return NULL;
			}
		}
		j = g_job_head;
		g_job_head = j->next;
		if (!g_job_head)
			g_job_tail = NULL;
		g_job_queued--;
		pthread_mutex_unlock(&g_job_lock);

		if (answer(j->conn, j->url) != MHD_YES)
			log_debug("http: job could not queue its answer");
		MHD_resume_connection(j->conn);
		free(j);
		__atomic_sub_fetch(&g_jobs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_lock(&g_job_lock);
	}
}

/* 0 when a job thread took the request, -errno when the caller must answer itself. */
static int start_job(struct MHD_Connection *conn, const char *url)
{
	pthread_attr_t attr;
	pthread_t tid;
	struct job *j, **pp;
	size_t n = strlen(url);
	int err = 0;

	if (__atomic_add_fetch(&g_jobs, 1, __ATOMIC_ACQ_REL) > JOB_LIMIT ||
	    __atomic_load_n(&g_stopping, __ATOMIC_ACQUIRE)) {
		__atomic_sub_fetch(&g_jobs, 1, __ATOMIC_ACQ_REL);
		return -EBUSY;
	}
	j = malloc(sizeof(*j) + n + 1);
	if (!j) {
		__atomic_sub_fetch(&g_jobs, 1, __ATOMIC_ACQ_REL);
		return -ENOMEM;
	}
	j->conn = conn;
	j->next = NULL;
	memcpy(j->url, url, n + 1);
	MHD_suspend_connection(conn);
	pthread_mutex_lock(&g_job_lock);
	if (g_job_tail)
		g_job_tail->next = j;
	else
		g_job_head = j;
	g_job_tail = j;
	g_job_queued++;
	if (g_job_idle < g_job_queued) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, THREAD_STACK);
		err = -pthread_create(&tid, &attr, job_main, NULL);
		pthread_attr_destroy(&attr);
	}
	if (err) {
		/* No thread to take it: unqueue it (it is the tail) and answer inline. */
		for (pp = &g_job_head; *pp != j; pp = &(*pp)->next)
			;
		*pp = NULL;
		g_job_tail = NULL;
		for (struct job *q = g_job_head; q; q = q->next)
			g_job_tail = q;
		g_job_queued--;
	} else {
		pthread_cond_signal(&g_job_cond);
	}
	pthread_mutex_unlock(&g_job_lock);
	if (err) {
		MHD_resume_connection(conn);
		free(j);
		__atomic_sub_fetch(&g_jobs, 1, __ATOMIC_ACQ_REL);
	}
	return err;
}

/* MHD calls this once when the headers are in, then with any body, then once more. Answering
 * on the first call makes MHD close the connection, so GET/HEAD (keep-alive for Prometheus)
 * are answered on the last call and a GET body is dropped as it arrives. nodepath takes no
 * request bodies: any other method is refused on the first call, before its body is read.
 * The header deadline holds until the last call. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int headers_in, answering;
	struct web_config *cfg;
	bool cert_ok, slow;

	if (*req_cls == &answering)
		return MHD_NO; /* resumed without an answer queued: give up on it */
	if (*req_cls == NULL) {
		cfg = webconfig__get();
		cert_ok = client_cert_ok(conn, cfg);
		webconfig__put(cfg);
		if (!cert_ok)
			return MHD_NO;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n");
	if (*req_cls == NULL) {
		*req_cls = &headers_in;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* A GET body means nothing here: drop it without buffering. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	set_deadline(conn, 0);
	cfg = webconfig__get();
	slow = strcmp(url, opt_path) == 0 || webconfig__needs_auth(cfg);
	webconfig__put(cfg);
	if (slow) {
		*req_cls = &answering;
		if (start_job(conn, url) == 0)
			return MHD_YES;
		*req_cls = &headers_in;
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "Too many requests at once, try again later.\n");
	}
	return answer(conn, url);
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
	log_debug("http: libmicrohttpd", "detail", msg);
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
	n = asprintf(
	    &g_landing,
	    "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>nodepath</title>"
	    "</head>\n<body>\n<h1>nodepath</h1>\n<p>Node agent: node_exporter-compatible "
	    "host metrics and per-layer, per-pod eBPF packet counters.</p>\n<ul>\n"
	    "<li><a href=\"%s\">Metrics</a></li>\n"
	    "<li><a href=\"/-/healthy\">Health</a></li>\n"
	    "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n"
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
	char host[INET6_ADDRSTRLEN] = "?", addr[INET6_ADDRSTRLEN + 16];
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
	snprintf(addr, sizeof(addr), "%s%s%s:%u", ss.ss_family == AF_INET6 ? "[" : "", host,
		 ss.ss_family == AF_INET6 ? "]" : "", port);
	log_info("listening", "address", addr, "telemetry_path", opt_path, "max_requests",
		 LOG_UINT(opt_max_requests));
}

static struct MHD_Daemon *start_daemon(int fd, const struct web_config *cfg)
{
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			     MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[5] = { { MHD_OPTION_END, 0, NULL } };
	size_t n = 0;

	if (cfg && cfg->tls) {
		flags |= MHD_USE_TLS;
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cfg->cert_pem };
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, cfg->key_pem };
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						    (void *)cfg->priorities };
		/* A trust list makes MHD ask for a client certificate. */
		if (cfg->ca_pem && cfg->client_auth != WEB_CLIENT_NONE)
			tls[n++] =
			    (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, cfg->ca_pem };
	}
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)POOL_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_ARRAY,
	    tls, MHD_OPTION_END);
}

/* Job threads hold connections of the daemon: it may only go once they are done. */
static void wait_jobs(void)
{
	while (__atomic_load_n(&g_jobs, __ATOMIC_ACQUIRE))
		usleep(10 * 1000);
}

/* New TLS material: a new daemon takes over the listening socket; the old one's connections
 * end with it, as a restarted exporter-toolkit listener's would not, but every new connection
 * gets the new certificate at once. */
static void restart_daemon(void)
{
	struct web_config *cfg = webconfig__get();
	struct MHD_Daemon *old = g_daemon, *d;
	int fd;

	if (!old)
		goto cleanup;
	fd = MHD_quiesce_daemon(old);
	if (fd < 0) {
		log_error("web config changed but the listener cannot be handed over");
		goto cleanup;
	}
	d = start_daemon(fd, cfg);
	if (!d) {
		log_error("web config changed but the new listener did not start; keeping the old "
			  "TLS settings");
		/* MHD has no way back from quiesce: a new daemon with the old settings. */
		webconfig__put(cfg);
		cfg = g_daemon_cfg;
		g_daemon_cfg = NULL;
		d = start_daemon(fd, cfg);
	}
	__atomic_store_n(&g_stopping, true, __ATOMIC_RELEASE);
	wait_jobs();
	__atomic_store_n(&g_stopping, false, __ATOMIC_RELEASE);
	g_daemon = d;
	MHD_stop_daemon(old);
	webconfig__put(g_daemon_cfg);
	g_daemon_cfg = cfg;
	cfg = NULL;
	if (!d)
		log_error("no HTTP listener after a failed web config change");
	else
		log_info("web config applied to the listener", "tls",
			 g_daemon_cfg && g_daemon_cfg->tls ? "on" : "off");
cleanup:
	webconfig__put(cfg);
}

static void cut_overdue(void)
{
	struct timespec now;
	unsigned long cut = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&g_track_lock);
	for (struct conn_track *t = g_tracks; t; t = t->next) {
		if (t->cut || t->fd < 0 || t->deadline.tv_sec == 0)
			continue;
		if (now.tv_sec < t->deadline.tv_sec ||
		    (now.tv_sec == t->deadline.tv_sec && now.tv_nsec < t->deadline.tv_nsec))
			continue;
		/* The owning epoll thread sees end of file and closes the connection itself. */
		shutdown(t->fd, SHUT_RDWR);
		t->cut = true;
		cut++;
	}
	pthread_mutex_unlock(&g_track_lock);
	if (cut)
		log_debug("http: cut connections past the header deadline", "connections",
			  LOG_UINT(cut), "deadline_seconds", LOG_INT(HEADER_DEADLINE_S));
}

static void *watchdog_main(void *arg)
{
	struct pollfd pfd = { .fd = g_watchdog_stop[0], .events = POLLIN };
	struct timespec last_trim, now;
	unsigned long closed;

	clock_gettime(CLOCK_MONOTONIC, &last_trim);
	for (;;) {
		int rc = poll(&pfd, 1, WATCHDOG_TICK_MS);

		if (rc > 0 || (rc < 0 && errno != EINTR))
			break;
		cut_overdue();
		if (webconfig__poll() == 1)
			restart_daemon();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - last_trim.tv_sec < TRIM_INTERVAL_S)
			continue;
		pthread_mutex_lock(&g_track_lock);
		closed = g_closed_since_trim;
		g_closed_since_trim = 0;
		pthread_mutex_unlock(&g_track_lock);
		/* Connection pools and scrape buffers come and go in bursts; give the pages back
		 * once a burst has passed instead of keeping the high-water mark. */
		if (closed)
			malloc_trim(0);
		last_trim = now;
	}
	return NULL;
}

/* Enough descriptors for every connection the limits allow, plus the agent's own. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = CONN_LIMIT + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("cannot raise the open file limit", "want", LOG_UINT(want), "err",
			 LOG_ERR(errno));
}

static int check_path(void)
{
	if (!opt_path || opt_path[0] != '/' || strcmp(opt_path, "/-/healthy") == 0 ||
	    strcmp(opt_path, "/-/ready") == 0) {
		log_error(
		    "invalid --web.telemetry-path (must start with / and not be a health path)",
		    "flag", "web.telemetry-path", "value", opt_path ? opt_path : "");
		return -EINVAL;
	}
	return 0;
}

int http__bind(void)
{
	int err = check_path();

	if (err)
		return err;
	if (g_bound_fd >= 0)
		return 0;
	/* The web config (TLS files, users) is checked here too, before the datapath. */
	err = webconfig__init();
	if (err)
		return err;
	raise_fd_limit();
	g_bound_fd = open_listener();
	return g_bound_fd < 0 ? g_bound_fd : 0;
}

void http__set_ready(http_ready_fn fn)
{
	g_ready = fn;
}

int http__start(void)
{
	struct web_config *cfg = NULL;
	int fd = -1, err;

	err = http__bind();
	if (err)
		return err;
	fd = g_bound_fd;
	g_bound_fd = -1;
	err = build_landing();
	if (err)
		goto fail;
	cfg = webconfig__get();
	g_daemon = start_daemon(fd, cfg);
	if (!g_daemon) {
		log_error(cfg && cfg->tls
			      ? "cannot start HTTP server (check the TLS certificate and key)"
			      : "cannot start HTTP server",
			  "address", opt_listen);
		err = -EIO;
		goto fail;
	}
	g_listen_fd = fd;
	fd = -1;
	g_daemon_cfg = webconfig__get();
	if (pipe2(g_watchdog_stop, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&g_watchdog, NULL, watchdog_main, NULL);
	if (err)
		goto fail;
	g_watchdog_running = true;
	log_listening(g_listen_fd);
	if (cfg)
		log_info("web config loaded", "tls", cfg->tls ? "on" : "off", "basic_auth_users",
			 LOG_UINT(cfg->n_users));
	webconfig__put(cfg);
	return 0;
fail:
	webconfig__put(cfg);
	http__stop();
	if (fd >= 0)
		close(fd);
	return err;
}

void http__stop(void)
{
	if (g_watchdog_running) {
		if (write(g_watchdog_stop[1], "x", 1) < 0)
			log_warn("cannot stop the HTTP watchdog", "err", LOG_ERR(errno));
		pthread_join(g_watchdog, NULL);
		g_watchdog_running = false;
	}
	for (int i = 0; i < 2; i++) {
		if (g_watchdog_stop[i] >= 0)
			close(g_watchdog_stop[i]);
		g_watchdog_stop[i] = -1;
	}
	if (g_daemon) {
		__atomic_store_n(&g_stopping, true, __ATOMIC_RELEASE);
		wait_jobs();
		MHD_stop_daemon(g_daemon);
	}
	g_daemon = NULL;
	webconfig__put(g_daemon_cfg);
	g_daemon_cfg = NULL;
	/* MHD closes the listening socket it was given. */
	g_listen_fd = -1;
	if (g_bound_fd >= 0)
		close(g_bound_fd);
	g_bound_fd = -1;
	free(g_landing);
	g_landing = NULL;
	webconfig__fini();
}
