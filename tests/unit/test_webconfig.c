// SPDX-License-Identifier: Apache-2.0
/* --web.config.file parser and bcrypt check: exporter-toolkit's fields, strictness, hostile input. */
#include <criterion/criterion.h>
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

static int parse(const char *yaml, struct web_config **c, char *err, size_t cap)
{
	return webconfig__parse(yaml, strlen(yaml), NP_FIXTURES, c, err, cap);
}

static char *bcrypt(const char *pw)
{
	struct crypt_data cd = { 0 };
	const char *h = crypt_r(pw, "$2b$04$abcdefghijklmnopqrstuu", &cd);

	cr_assert(h && h[0] == '$', "libcrypt has no bcrypt");
	return strdup(h);
}

Test(webconfig, users_headers_and_auth)
{
	char err[256], yaml[512], *h = bcrypt("s3cret");
	struct web_config *c = NULL;

	snprintf(yaml, sizeof(yaml),
		 "basic_auth_users:\n  alice: '%s'\nhttp_server_config:\n  headers:\n"
		 "    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=1\n",
		 h);
	cr_assert_eq(parse(yaml, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(webconfig__needs_auth(c));
	cr_assert(!c->tls);
	cr_assert_eq(c->n_users, 1);
	cr_assert_eq(c->n_headers, 2);
	cr_assert_str_eq(c->header_name[1], "Strict-Transport-Security");
	cr_assert_eq(webconfig__check_user(c, "alice", "s3cret"), 0);
	cr_assert_eq(webconfig__check_user(c, "alice", "s3cret"), 0, "cached hit");
	cr_assert_eq(webconfig__check_user(c, "alice", "wrong"), -EACCES);
	cr_assert_eq(webconfig__check_user(c, "bob", "s3cret"), -EACCES);
	cr_assert_eq(webconfig__check_user(c, "alice", ""), -EACCES);
	webconfig__put(c);
	free(h);
}

Test(webconfig, empty_file_means_nothing_configured)
{
	char err[256];
	struct web_config *c = NULL;

	cr_assert_eq(parse("", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(!c->tls && !webconfig__needs_auth(c) && c->n_headers == 0);
	webconfig__put(c);
	cr_assert_eq(parse("tls_server_config:\nbasic_auth_users:\n", &c, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(!c->tls && !webconfig__needs_auth(c));
	webconfig__put(c);
}

Test(webconfig, refused)
{
	static const struct {
		const char *yaml, *msg;
	} bad[] = {
		{ "nope: 1\n", "unknown field \"nope\"" },
		{ "tls_server_config: {cert_file: a}\n", "missing key_file" },
		{ "tls_server_config: {key_file: a}\n", "missing cert_file" },
		{ "tls_server_config: {cert_file: a, key_file: b, client_auth_type: Maybe}\n",
		  "invalid ClientAuth: Maybe" },
		{ "tls_server_config: {cert_file: a, key_file: b, min_version: TLS99}\n",
		  "unknown TLS version" },
		{ "tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, "
		  "max_version: TLS12}\n",
		  "min_version is above max_version" },
		{ "tls_server_config: {cert_file: a, key_file: b, client_auth_type: "
		  "RequireAndVerifyClientCert}\n",
		  "needs client_ca_file" },
		{ "tls_server_config: {cert_file: a, key_file: b, cipher_suites: [X]}\n",
		  "not supported" },
		{ "tls_server_config: {cert_file: no-such.crt, key_file: no-such.key}\n",
		  "cannot read" },
		{ "basic_auth_users: {u: hunter2}\n", "not a bcrypt hash" },
		{ "basic_auth_users: {'a:b': x}\n", "contains ':'" },
		{ "basic_auth_users: [a, b]\n", "expected a mapping" },
		{ "http_server_config: {headers: {Server: x}}\n", "can not be configured" },
		{ "http_server_config: {headers: {X-Content-Type-Options: sniff}}\n",
		  "X-Content-Type-Options" },
		{ "http_server_config: {headers: {X-Frame-Options: allow}}\n", "X-Frame-Options" },
		{ "basic_auth_users: [\n", "YAML" },
		{ "- a\n- b\n", "mapping at the top" },
		{ "\t\x01\xff: [\n", "YAML" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct web_config *c = (struct web_config *)1;
		char err[256];

		cr_assert_eq(parse(bad[i].yaml, &c, err, sizeof(err)), -EINVAL, "accepted: %s",
			     bad[i].yaml);
		cr_assert_null(c);
		cr_assert(strstr(err, bad[i].msg), "%s: got \"%s\", want \"%s\"", bad[i].yaml, err,
			  bad[i].msg);
	}
}

Test(webconfig, too_many_users)
{
	char *h = bcrypt("x"), err[256];
	size_t cap = 80 * (WEB_MAX_USERS + 2) + 32, off;
	char *yaml = malloc(cap);
	struct web_config *c = NULL;

	off = (size_t)snprintf(yaml, cap, "basic_auth_users:\n");
	for (int i = 0; i <= WEB_MAX_USERS; i++)
		off += (size_t)snprintf(yaml + off, cap - off, "  u%d: '%s'\n", i, h);
	cr_assert_eq(parse(yaml, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "more than"), "%s", err);
	free(yaml);
	free(h);
}
