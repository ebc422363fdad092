// SPDX-License-Identifier: Apache-2.0
/* --web.config.file in exporter-toolkit's format: tls_server_config, http_server_config.headers
 * and basic_auth_users (bcrypt through libcrypt), parsed with libyaml. Unknown keys are errors,
 * as exporter-toolkit's strict YAML decoding makes them; file names are relative to the
 * configuration file's directory. */
#include "webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <yaml.h>

#include "flags.h"
#include "fsutil.h"
#include "log.h"

static const char *opt_config = "";
NP_FLAG_STRING("web.config.file", &opt_config,
	       "Path to configuration file that can enable TLS or authentication (exporter-toolkit "
	       "format).");

#define CONFIG_MAX (256 * 1024)
#define PEM_MAX (1024 * 1024)
#define WATCHED_MAX 4 /* the configuration, cert, key, client CA */
#define AUTH_CACHE 16

struct watched {
	char path[PATH_MAX];
	struct timespec mtime;
	off_t size;
	ino_t ino;
	bool present;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct web_config *g_cfg;
static struct watched g_watched[WATCHED_MAX];
static size_t g_n_watched;

/* Successful checks, as SHA-256 of user, password and hash: bcrypt costs tens of milliseconds
 * by design, and Prometheus sends the same credentials every scrape (exporter-toolkit caches
 * the same way). */
static pthread_mutex_t g_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char g_cache[AUTH_CACHE][32];
static size_t g_cache_next;

static void config_free(struct web_config *c)
{
	if (!c)
		return;
	free(c->cert_pem);
	free(c->key_pem);
	free(c->ca_pem);
	for (size_t i = 0; i < c->n_users; i++) {
		free(c->user[i]);
		free(c->hash[i]);
	}
	for (size_t i = 0; i < c->n_headers; i++) {
		free(c->header_name[i]);
		free(c->header_value[i]);
	}
	free(c);
}

void webconfig__put(struct web_config *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		config_free(c);
}

struct web_config *webconfig__get(void)
{
	struct web_config *c;

	pthread_mutex_lock(&g_lock);
	c = g_cfg;
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&g_lock);
	return c;
}

bool webconfig__needs_auth(const struct web_config *c)
{
	return c && c->n_users > 0;
}

/* --- parsing ----------------------------------------------------------------------------- */

struct parse {
	yaml_document_t *doc;
	const char *dir;
	char *err;
	size_t err_cap;
	char cert_file[PATH_MAX], key_file[PATH_MAX], ca_file[PATH_MAX];
};

static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->err_cap, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static yaml_node_t *node(struct parse *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A null or empty value, as YAML writes an absent section: "key:" */
static bool is_empty(yaml_node_t *n)
{
	const char *s = scalar(n);

	return n && n->type == YAML_SCALAR_NODE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);
}

static int get_string(struct parse *p, yaml_node_t *v, const char *key, char *out, size_t cap)
{
	const char *s = scalar(v);

	if (!s)
		return fail(p, "%s: expected a string", key);
	if (is_empty(v))
		s = "";
	if (strlen(s) >= cap)
		return fail(p, "%s: too long", key);
	strcpy(out, s);
	return 0;
}

static int resolve(struct parse *p, const char *name, char *out, size_t cap)
{
	int n;

	if (name[0] == '/' || !p->dir || !p->dir[0])
		n = snprintf(out, cap, "%s", name);
	else
		n = snprintf(out, cap, "%s/%s", p->dir, name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int tls_version(struct parse *p, const char *key, const char *v, int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return fail(p, "%s: unknown TLS version \"%s\" (TLS10, TLS11, TLS12, TLS13)", key, v);
}

static int parse_tls(struct parse *p, yaml_node_t *m, struct web_config *c)
{
	static const char *const auth_names[] = { "NoClientCert", "RequestClientCert",
						  "RequireAnyClientCert", "VerifyClientCertIfGiven",
						  "RequireAndVerifyClientCert" };
	static const char *const vers[] = { "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
					    "+VERS-TLS1.3" };
	char buf[256];
	int minv = 2, maxv = 3, err;
	size_t off;

	if (is_empty(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(p, "tls_server_config: expected a mapping");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);

		if (!k)
			return fail(p, "tls_server_config: keys must be strings");
		if (strcmp(k, "cert_file") == 0)
			err = get_string(p, v, k, p->cert_file, sizeof(p->cert_file));
		else if (strcmp(k, "key_file") == 0)
			err = get_string(p, v, k, p->key_file, sizeof(p->key_file));
		else if (strcmp(k, "client_ca_file") == 0)
			err = get_string(p, v, k, p->ca_file, sizeof(p->ca_file));
		else if (strcmp(k, "client_auth_type") == 0) {
			err = get_string(p, v, k, buf, sizeof(buf));
			if (!err && buf[0]) {
				err = -EINVAL;
				for (int i = 0; i < 5; i++) {
					if (strcmp(buf, auth_names[i]) == 0) {
						c->client_auth = (enum web_client_auth)i;
						err = 0;
					}
				}
				if (err)
					return fail(p, "invalid ClientAuth: %s", buf);
			}
		} else if (strcmp(k, "min_version") == 0 || strcmp(k, "max_version") == 0) {
			err = get_string(p, v, k, buf, sizeof(buf));
			if (!err && buf[0])
				err = tls_version(p, k, buf, k[1] == 'i' ? &minv : &maxv);
		} else if (strcmp(k, "prefer_server_cipher_suites") == 0) {
			err = scalar(v) ? 0 : fail(p, "%s: expected a boolean", k);
		} else if (strcmp(k, "cipher_suites") == 0 || strcmp(k, "curve_preferences") == 0 ||
			   strcmp(k, "client_allowed_sans") == 0) {
			/* GnuTLS names differ from Go's; refuse rather than silently ignore. */
			err = is_empty(v) ||
				      (v->type == YAML_SEQUENCE_NODE &&
				       v->data.sequence.items.start == v->data.sequence.items.top)
				  ? 0
				  : fail(p, "tls_server_config.%s is not supported by nodepath", k);
		} else {
			return fail(p, "tls_server_config: unknown field \"%s\"", k);
		}
		if (err)
			return err;
	}
	if (!p->cert_file[0] && !p->key_file[0])
		return 0;
	if (!p->cert_file[0])
		return fail(p, "missing cert_file");
	if (!p->key_file[0])
		return fail(p, "missing key_file");
	if (minv > maxv)
		return fail(p, "min_version is above max_version");
	if ((c->client_auth == WEB_CLIENT_VERIFY_IF_GIVEN ||
	     c->client_auth == WEB_CLIENT_REQUIRE_VERIFY) &&
	    !p->ca_file[0])
		return fail(p, "client_auth_type %s needs client_ca_file",
			    auth_names[c->client_auth]);
	off = (size_t)snprintf(c->priorities, sizeof(c->priorities), "NORMAL:-VERS-ALL");
	for (int i = maxv; i >= minv; i--)
		off += (size_t)snprintf(c->priorities + off, sizeof(c->priorities) - off, ":%s",
					vers[i]);
	c->tls = true;
	return 0;
}

static int parse_http(struct parse *p, yaml_node_t *m, struct web_config *c)
{
	static const char *const allowed[] = { "Content-Security-Policy", "X-Frame-Options",
					       "X-Content-Type-Options", "X-XSS-Protection",
					       "Strict-Transport-Security" };

	if (is_empty(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(p, "http_server_config: expected a mapping");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *h = node(p, pr->value);

		if (k && strcmp(k, "http2") == 0)
			continue; /* MHD speaks HTTP/1.1 only */
		if (!k || strcmp(k, "headers") != 0)
			return fail(p, "http_server_config: unknown field \"%s\"", k ? k : "?");
		if (is_empty(h))
			continue;
		if (h->type != YAML_MAPPING_NODE)
			return fail(p, "http_server_config.headers: expected a mapping");
		for (yaml_node_pair_t *hp = h->data.mapping.pairs.start;
		     hp < h->data.mapping.pairs.top; hp++) {
			const char *name = scalar(node(p, hp->key));
			const char *value = scalar(node(p, hp->value));
			bool ok = false;

			if (!name || !value)
				return fail(p, "http_server_config.headers: strings expected");
			for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				ok |= strcasecmp(name, allowed[i]) == 0;
			if (!ok)
				return fail(p, "HTTP header \"%s\" can not be configured", name);
			if (strcasecmp(name, "X-Content-Type-Options") == 0 &&
			    strcasecmp(value, "nosniff") != 0)
				return fail(p, "invalid value for X-Content-Type-Options: %s",
					    value);
			if (strcasecmp(name, "X-Frame-Options") == 0 &&
			    strcasecmp(value, "deny") != 0 && strcasecmp(value, "sameorigin") != 0)
				return fail(p, "invalid value for X-Frame-Options: %s", value);
			if (strpbrk(value, "\r\n"))
				return fail(p, "header %s: value has a line break", name);
			if (c->n_headers >= WEB_MAX_HEADERS)
				return fail(p, "too many headers");
			c->header_name[c->n_headers] = strdup(name);
			c->header_value[c->n_headers] = strdup(value);
			c->n_headers++;
			if (!c->header_name[c->n_headers - 1] || !c->header_value[c->n_headers - 1])
				return -ENOMEM;
		}
	}
	return 0;
}

static int parse_users(struct parse *p, yaml_node_t *m, struct web_config *c)
{
	if (is_empty(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(p, "basic_auth_users: expected a mapping");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *u = scalar(node(p, pr->key));
		const char *h = scalar(node(p, pr->value));

		if (!u || !h)
			return fail(p, "basic_auth_users: strings expected");
		if (strchr(u, ':'))
			return fail(p, "basic_auth_users: user \"%s\" contains ':'", u);
		/* Go's bcrypt package takes $2a$, $2b$ and $2y$; so does libcrypt. */
		if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' ||
		    !strchr("aby", h[2]))
			return fail(p,
				    "basic_auth_users: the password of \"%s\" is not a bcrypt "
				    "hash",
				    u);
		if (c->n_users >= WEB_MAX_USERS)
			return fail(p, "basic_auth_users: more than %d users", WEB_MAX_USERS);
		c->user[c->n_users] = strdup(u);
		c->hash[c->n_users] = strdup(h);
		c->n_users++;
		if (!c->user[c->n_users - 1] || !c->hash[c->n_users - 1])
			return -ENOMEM;
	}
	return 0;
}

static int read_pem(struct parse *p, const char *name, char **out)
{
	char path[PATH_MAX];
	size_t len;
	int err;

	if (!name[0])
		return 0;
	if (resolve(p, name, path, sizeof(path)))
		return fail(p, "%s: path too long", name);
	err = fs__read_file(path, PEM_MAX, out, &len);
	if (err)
		return fail(p, "cannot read %s: %s", path, strerror(-err));
	return 0;
}

/* The pair must load as MHD will load it: a certificate replaced before its key is refused
 * here, and the key's change, a moment later, is the one that takes effect. */
static int check_pems(struct parse *p, const struct web_config *c)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t cert = { (unsigned char *)c->cert_pem, (unsigned int)strlen(c->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)c->key_pem, (unsigned int)strlen(c->key_pem) };
	gnutls_datum_t ca = { 0 };
	int rc, err = 0;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		err = fail(p, "cert_file/key_file: %s", gnutls_strerror(rc));
		goto cleanup;
	}
	if (c->ca_pem) {
		ca.data = (unsigned char *)c->ca_pem;
		ca.size = (unsigned int)strlen(c->ca_pem);
		rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			err = fail(p, "client_ca_file: no certificate (%s)",
				   rc < 0 ? gnutls_strerror(rc) : "empty");
	}
cleanup:
	gnutls_certificate_free_credentials(cred);
	return err;
}

static int parse_doc(struct parse *p, struct web_config *c)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	int err;

	if (!root || is_empty(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, "expected a mapping at the top");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);

		if (!k)
			return fail(p, "keys must be strings");
		if (strcmp(k, "tls_server_config") == 0)
			err = parse_tls(p, v, c);
		else if (strcmp(k, "http_server_config") == 0)
			err = parse_http(p, v, c);
		else if (strcmp(k, "basic_auth_users") == 0)
			err = parse_users(p, v, c);
		else
			return fail(p, "unknown field \"%s\"", k);
		if (err)
			return err;
	}
	if (!c->tls)
		return 0;
	err = read_pem(p, p->cert_file, &c->cert_pem);
	if (!err)
		err = read_pem(p, p->key_file, &c->key_pem);
	if (!err)
		err = read_pem(p, p->ca_file, &c->ca_pem);
	if (!err)
		err = check_pems(p, c);
	return err;
}

static int parse_with(const char *yaml, size_t len, const char *dir, struct web_config **out,
		      char *errbuf, size_t err_cap, struct parse *p)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct web_config *c = NULL;
	bool have_parser = false, have_doc = false;
	int err;

	*out = NULL;
	p->dir = dir;
	p->err = errbuf;
	p->err_cap = err_cap;
	p->doc = &doc;
	errbuf[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->refs = 1;
	if (!yaml_parser_initialize(&parser)) {
		err = -ENOMEM;
		goto cleanup;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err = fail(p, "YAML: %s at line %zu", parser.problem ? parser.problem : "error",
			   parser.problem_mark.line + 1);
		goto cleanup;
	}
	have_doc = true;
	err = parse_doc(p, c);
	if (err == -ENOMEM && !errbuf[0])
		snprintf(errbuf, err_cap, "out of memory");
cleanup:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	if (err) {
		config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int webconfig__parse(const char *yaml, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t err_cap)
{
	struct parse p = { 0 };

	return parse_with(yaml, len, dir, out, err, err_cap, &p);
}

/* --- basic auth ---------------------------------------------------------------------------- */

static void cache_key(const char *user, const char *password, const char *hash,
		      unsigned char out[32])
{
	size_t lu = strlen(user), lp = strlen(password), lh = strlen(hash);
	char *buf = malloc(lu + lp + lh + 3);

	memset(out, 0, 32);
	if (!buf)
		return;
	memcpy(buf, user, lu + 1);
	memcpy(buf + lu + 1, password, lp + 1);
	memcpy(buf + lu + lp + 2, hash, lh + 1);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, lu + lp + lh + 3, out);
	explicit_bzero(buf, lu + lp + lh + 3);
	free(buf);
}

static bool same(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int webconfig__check_user(const struct web_config *c, const char *user, const char *password)
{
	struct crypt_data *cd = NULL;
	const char *hash = NULL, *got;
	unsigned char key[32];
	bool hit = false, ok = false;
	int err = -EACCES;

	if (!c || !user || !password)
		return -EACCES;
	for (size_t i = 0; i < c->n_users; i++) {
		if (strcmp(c->user[i], user) == 0)
			hash = c->hash[i];
	}
	/* An unknown user costs the same bcrypt run as a wrong password. */
	if (!hash)
		hash = c->n_users ? c->hash[0] : NULL;
	if (!hash)
		return -EACCES;
	cache_key(user, password, hash, key);
	pthread_mutex_lock(&g_cache_lock);
	for (size_t i = 0; i < AUTH_CACHE; i++)
		hit |= same(g_cache[i], key, sizeof(key));
	pthread_mutex_unlock(&g_cache_lock);
	if (!hit) {
		cd = calloc(1, sizeof(*cd));
		if (!cd)
			return -ENOMEM;
		got = crypt_r(password, hash, cd);
		ok = got && got[0] != '*' && strlen(got) == strlen(hash) &&
		     same((const unsigned char *)got, (const unsigned char *)hash, strlen(hash));
	}
	for (size_t i = 0; i < c->n_users; i++) {
		if (strcmp(c->user[i], user) == 0 && c->hash[i] == hash && (hit || ok))
			err = 0;
	}
	if (!err && !hit) {
		pthread_mutex_lock(&g_cache_lock);
		memcpy(g_cache[g_cache_next], key, sizeof(key));
		g_cache_next = (g_cache_next + 1) % AUTH_CACHE;
		pthread_mutex_unlock(&g_cache_lock);
	}
	if (cd) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	return err;
}

/* --- the file ------------------------------------------------------------------------------ */

static void watch_stat(struct watched *w)
{
	struct stat st;

	w->present = stat(w->path, &st) == 0;
	w->mtime = w->present ? st.st_mtim : (struct timespec){ 0 };
	w->size = w->present ? st.st_size : 0;
	w->ino = w->present ? st.st_ino : 0;
}

/* Reads and parses the file; on success also fills watched (its paths and stats). */
static int load(struct web_config **out, struct watched *watched, size_t *n_watched)
{
	struct parse p = { 0 };
	char *text = NULL, *dcopy = NULL, err[512];
	const char *names[3];
	size_t len = 0;
	int rc;

	/* Stat before reading: a change during the read shows up at the next poll. */
	snprintf(watched[0].path, sizeof(watched[0].path), "%s", opt_config);
	watch_stat(&watched[0]);
	rc = fs__read_file(opt_config, CONFIG_MAX, &text, &len);
	if (rc) {
		log_error("cannot read --web.config.file", "path", opt_config, "err", LOG_ERR(rc));
		return rc;
	}
	dcopy = strdup(opt_config);
	if (!dcopy) {
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = parse_with(text, len, dirname(dcopy), out, err, sizeof(err), &p);
	if (rc) {
		log_error("invalid --web.config.file", "path", opt_config, "err", err);
		goto cleanup;
	}
	*n_watched = 1;
	names[0] = p.cert_file;
	names[1] = p.key_file;
	names[2] = p.ca_file;
	for (size_t i = 0; i < 3; i++) {
		if (!names[i][0])
			continue;
		if (resolve(&p, names[i], watched[*n_watched].path, PATH_MAX))
			continue;
		watch_stat(&watched[*n_watched]);
		(*n_watched)++;
	}
cleanup:
	free(dcopy);
	free(text);
	return rc;
}

int webconfig__init(void)
{
	struct web_config *c = NULL;
	int err;

	if (!opt_config || !opt_config[0])
		return 0;
	err = load(&c, g_watched, &g_n_watched);
	if (err)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	g_cfg = c;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void webconfig__fini(void)
{
	struct web_config *c;

	pthread_mutex_lock(&g_lock);
	c = g_cfg;
	g_cfg = NULL;
	pthread_mutex_unlock(&g_lock);
	webconfig__put(c);
	g_n_watched = 0;
}

static bool str_differs(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool tls_differs(const struct web_config *a, const struct web_config *b)
{
	return a->tls != b->tls || a->client_auth != b->client_auth ||
	       strcmp(a->priorities, b->priorities) != 0 || str_differs(a->cert_pem, b->cert_pem) ||
	       str_differs(a->key_pem, b->key_pem) || str_differs(a->ca_pem, b->ca_pem);
}

int webconfig__poll(void)
{
	struct watched now[WATCHED_MAX];
	struct web_config *c = NULL, *old;
	size_t n = 0;
	bool changed = false;
	int tls_changed;

	if (!opt_config || !opt_config[0] || g_n_watched == 0)
		return 0;
	for (size_t i = 0; i < g_n_watched; i++) {
		now[i] = g_watched[i];
		watch_stat(&now[i]);
		changed |= now[i].present != g_watched[i].present ||
			   now[i].size != g_watched[i].size || now[i].ino != g_watched[i].ino ||
			   now[i].mtime.tv_sec != g_watched[i].mtime.tv_sec ||
			   now[i].mtime.tv_nsec != g_watched[i].mtime.tv_nsec;
	}
	if (!changed)
		return 0;
	if (load(&c, now, &n)) {
		/* Keep serving with the last good file; look again only when it changes. */
		memcpy(g_watched, now, sizeof(now[0]) * g_n_watched);
		return 0;
	}
	memcpy(g_watched, now, sizeof(now[0]) * n);
	g_n_watched = n;
	pthread_mutex_lock(&g_lock);
	old = g_cfg;
	g_cfg = c;
	pthread_mutex_unlock(&g_lock);
	tls_changed = !old || tls_differs(old, c);
	log_info("web config re-read", "path", opt_config, "tls", c->tls ? "on" : "off",
		 "basic_auth_users", LOG_UINT(c->n_users));
	webconfig__put(old);
	return tls_changed ? 1 : 0;
}
