// SPDX-License-Identifier: Apache-2.0
/* --web.config.file: exporter-toolkit's web configuration (TLS, client certificates, bcrypt
 * basic auth, extra response headers), parsed with libyaml and re-read when the file or a file
 * it names changes. A loaded configuration is immutable and reference counted, so a request keeps
 * the one it started with while a newer one is swapped in. */
#ifndef NODEPATH_WEBCONFIG_H
#define NODEPATH_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum web_client_auth {
	WEB_CLIENT_NONE,	    /* NoClientCert */
	WEB_CLIENT_REQUEST,	    /* RequestClientCert */
	WEB_CLIENT_REQUIRE_ANY,	    /* RequireAnyClientCert */
	WEB_CLIENT_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
	WEB_CLIENT_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert */
};

#define WEB_MAX_USERS 64
#define WEB_MAX_HEADERS 8

struct web_config {
	int refs;
	bool tls;
	char *cert_pem, *key_pem, *ca_pem; /* file contents, NUL-terminated */
	enum web_client_auth client_auth;
	char priorities[128]; /* GnuTLS priority string from min_version/max_version */
	size_t n_users;
	char *user[WEB_MAX_USERS], *hash[WEB_MAX_USERS];
	size_t n_headers;
	char *header_name[WEB_MAX_HEADERS], *header_value[WEB_MAX_HEADERS];
};

/* Loads --web.config.file if given. 0 (also when no file is given) or -errno (logged). */
int webconfig__init(void);
void webconfig__fini(void);
/* The current configuration with a reference taken, or NULL when none is configured. */
struct web_config *webconfig__get(void);
void webconfig__put(struct web_config *c);
/* Re-reads the files when one changed (mtime, size or inode). Returns 1 when the TLS part
 * changed (the listener must be restarted), 0 otherwise. A bad new file is logged and the
 * previous configuration stays. */
int webconfig__poll(void);

/* Parses a configuration from YAML text; file names are relative to dir. 0 or -errno with a
 * message in err. Exposed for unit tests. */
int webconfig__parse(const char *yaml, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t err_cap);
/* 0 when user/password match a bcrypt hash in c, -EACCES otherwise. */
int webconfig__check_user(const struct web_config *c, const char *user, const char *password);
bool webconfig__needs_auth(const struct web_config *c);

#endif
