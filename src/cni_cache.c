// SPDX-License-Identifier: Apache-2.0
/* Pure parser for one libcni result-cache file (cniCacheV1): bytes in, pod_info out. Kept apart
 * from the table and the watcher so the fuzz target links only this file and json-c. */
#include "pods.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* json-c's default nesting limit is 32; a real cache file nests 5 deep. A small limit bounds
 * the parser's recursion on hostile input. */
#define CNI_JSON_DEPTH 16

const char *pod_parse_err__str(enum pod_parse_err e)
{
	switch (e) {
	case POD_PARSE_OK:
		return "ok";
	case POD_PARSE_OVERSIZED:
		return "oversized";
	case POD_PARSE_CORRUPT:
		return "corrupt";
	case POD_PARSE_TRUNCATED:
		return "truncated";
	case POD_PARSE_FOREIGN_KIND:
		return "foreign kind";
	case POD_PARSE_MISSING_FIELD:
		return "missing field";
	case POD_PARSE_NO_HOST_IFACE:
		return "no host interface";
	case POD_PARSE_BAD_VALUE:
		return "bad value";
	case POD_PARSE_LOOPBACK:
		return "loopback";
	}
	return "unknown";
}

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF): label values must be valid UTF-8 and
 * json-c passes through whatever a \u escape decodes to. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp;

		if (c < 0x80) {
			if (c == 0)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* Copy string member key of obj into dst. Absent or null: MISSING_FIELD if required, else "".
 * Not a string: CORRUPT. Too long, embedded NUL or bad UTF-8: BAD_VALUE. */
static enum pod_parse_err get_str(struct json_object *obj, const char *key, bool required,
				  bool nonempty, char *dst, size_t cap)
{
	struct json_object *v = NULL;
	const char *s;
	int n;

	dst[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return required ? POD_PARSE_MISSING_FIELD : POD_PARSE_OK;
	if (!json_object_is_type(v, json_type_string))
		return POD_PARSE_CORRUPT;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (!s || n < 0)
		return POD_PARSE_CORRUPT;
	if (n == 0 && nonempty)
		return POD_PARSE_MISSING_FIELD;
	if ((size_t)n >= cap || !utf8_valid((const unsigned char *)s, (size_t)n))
		return POD_PARSE_BAD_VALUE;
	memcpy(dst, s, (size_t)n);
	dst[n] = '\0';
	return POD_PARSE_OK;
}

/* Linux interface names: 1..15 bytes, no '/', ':' or whitespace. */
static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= POD_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == '/' || c == ':' || c >= 0x7f)
			return false;
	}
	return true;
}

/* cniArgs: [["K8S_POD_NAMESPACE","shop"],["K8S_POD_NAME","cart-7d9f"],...]. Go unmarshals it
 * as [][2]string, so any other shape makes libcni itself reject the file: so do we. When a key
 * repeats (Multus passes its args twice), the first wins. */
static enum pod_parse_err parse_cni_args(struct json_object *root, struct pod_info *out)
{
	struct json_object *args = NULL;
	bool have_ns = false, have_pod = false, have_uid = false;
	size_t n;

	if (!json_object_object_get_ex(root, "cniArgs", &args) || !args)
		return POD_PARSE_MISSING_FIELD;
	if (!json_object_is_type(args, json_type_array))
		return POD_PARSE_CORRUPT;
	n = json_object_array_length(args);
	for (size_t i = 0; i < n; i++) {
		struct json_object *pair = json_object_array_get_idx(args, i);
		struct json_object *k, *v;
		const char *key, *val;
		char *dst = NULL;
		size_t cap = 0, vlen;
		bool *have = NULL;

		if (!pair || !json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2)
			return POD_PARSE_CORRUPT;
		k = json_object_array_get_idx(pair, 0);
		v = json_object_array_get_idx(pair, 1);
		if (!k || !v || !json_object_is_type(k, json_type_string) ||
		    !json_object_is_type(v, json_type_string))
			return POD_PARSE_CORRUPT;
		key = json_object_get_string(k);
		val = json_object_get_string(v);
		vlen = (size_t)json_object_get_string_len(v);
		if (strcmp(key, "K8S_POD_NAMESPACE") == 0) {
			dst = out->namespace;
			cap = sizeof(out->namespace);
			have = &have_ns;
		} else if (strcmp(key, "K8S_POD_NAME") == 0) {
			dst = out->pod;
			cap = sizeof(out->pod);
			have = &have_pod;
		} else if (strcmp(key, "K8S_POD_UID") == 0) {
			dst = out->uid;
			cap = sizeof(out->uid);
			have = &have_uid;
		}
		if (!dst || *have)
			continue;
		if (vlen >= cap || !utf8_valid((const unsigned char *)val, vlen))
			return POD_PARSE_BAD_VALUE;
		memcpy(dst, val, vlen);
		dst[vlen] = '\0';
		*have = true;
	}
	if (!have_ns || !have_pod || !out->namespace[0] || !out->pod[0])
		return POD_PARSE_MISSING_FIELD;
	return POD_PARSE_OK;
}

/* Append "a.b.c.d" (from "a.b.c.d/nn") to out->pod_ips, canonicalised through inet_ntop so the
 * label is stable whatever the plugin wrote. */
static enum pod_parse_err append_ip(struct pod_info *out, const char *cidr)
{
	char addr[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *slash = strchr(cidr, '/');
	size_t alen = slash ? (size_t)(slash - cidr) : strlen(cidr);
	size_t used = strlen(out->pod_ips), clen;
	int af;

	if (alen == 0 || alen >= sizeof(addr))
		return POD_PARSE_BAD_VALUE;
	memcpy(addr, cidr, alen);
	addr[alen] = '\0';
	af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, bin) != 1 || !inet_ntop(af, bin, canon, sizeof(canon)))
		return POD_PARSE_BAD_VALUE;
	clen = strlen(canon);
	if (used + (used ? 1 : 0) + clen >= sizeof(out->pod_ips))
		return POD_PARSE_BAD_VALUE;
	if (used)
		out->pod_ips[used++] = ',';
	memcpy(out->pod_ips + used, canon, clen + 1);
	return POD_PARSE_OK;
}

/* result (CNI spec 0.3.0 - 1.1.0): interfaces[] {name, mac, sandbox}, ips[] {address,
 * interface (index into interfaces), gateway}. Older results (0.2.0: ip4/ip6, no interfaces)
 * name no host interface. */
static enum pod_parse_err parse_result(struct json_object *root, struct pod_info *out)
{
	struct json_object *res = NULL, *ifs = NULL, *ips = NULL;
	long long host_idx = -1, pod_idx = -1;
	enum pod_parse_err e;
	size_t n;

	if (!json_object_object_get_ex(root, "result", &res) || !res)
		return POD_PARSE_MISSING_FIELD;
	if (!json_object_is_type(res, json_type_object))
		return POD_PARSE_CORRUPT;
	if (!json_object_object_get_ex(res, "interfaces", &ifs) || !ifs)
		return POD_PARSE_NO_HOST_IFACE;
	if (!json_object_is_type(ifs, json_type_array))
		return POD_PARSE_CORRUPT;
	n = json_object_array_length(ifs);
	for (size_t i = 0; i < n; i++) {
		struct json_object *ifc = json_object_array_get_idx(ifs, i);
		char name[POD_IFNAME_MAX] = "", sandbox[POD_NETNS_MAX];

		if (!ifc || !json_object_is_type(ifc, json_type_object))
			return POD_PARSE_CORRUPT;
		e = get_str(ifc, "name", true, true, name, sizeof(name));
		if (e)
			return e;
		e = get_str(ifc, "sandbox", false, false, sandbox, sizeof(sandbox));
		if (e)
			return e;
		if (!sandbox[0]) {
			/* The last host-side one: the bridge plugin lists the bridge first. */
			if (!ifname_valid(name))
				return POD_PARSE_BAD_VALUE;
			memcpy(out->interface, name, sizeof(name));
			host_idx = (long long)i;
		} else if (pod_idx < 0 && strcmp(name, out->pod_ifname) == 0) {
			pod_idx = (long long)i;
			/* Debian's libcni (go-cni) caches no "netns": the pod's interface names it. */
			if (!out->netns[0])
				memcpy(out->netns, sandbox, strlen(sandbox) + 1);
		}
	}
	if (host_idx < 0)
		return POD_PARSE_NO_HOST_IFACE;

	if (!json_object_object_get_ex(res, "ips", &ips) || !ips)
		return POD_PARSE_OK; /* a pod without addresses is still a pod */
	if (!json_object_is_type(ips, json_type_array))
		return POD_PARSE_CORRUPT;
	n = json_object_array_length(ips);
	for (size_t i = 0; i < n; i++) {
		struct json_object *ip = json_object_array_get_idx(ips, i), *idx = NULL;
		char addr[INET6_ADDRSTRLEN + 8];

		if (!ip || !json_object_is_type(ip, json_type_object))
			return POD_PARSE_CORRUPT;
		e = get_str(ip, "address", true, true, addr, sizeof(addr));
		if (e == POD_PARSE_BAD_VALUE)
			return e;
		if (e)
			return POD_PARSE_CORRUPT;
		if (json_object_object_get_ex(ip, "interface", &idx) && idx) {
			if (!json_object_is_type(idx, json_type_int))
				return POD_PARSE_CORRUPT;
			/* Addresses of other interfaces (the bridge's gateway) are not the pod's.
			 */
			if (pod_idx >= 0 && json_object_get_int64(idx) != pod_idx)
				continue;
		}
		e = append_ip(out, addr);
		if (e)
			return e;
	}
	return POD_PARSE_OK;
}

static bool only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	}
	return true;
}

enum pod_parse_err pod_cache__parse(const char *buf, size_t len, struct pod_info *out)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	char kind[32];
	enum pod_parse_err e;

	memset(out, 0, sizeof(*out));
	if (len > POD_CACHE_FILE_MAX)
		return POD_PARSE_OVERSIZED;
	/* json-c stops at a NUL byte; a file with one is not JSON. */
	if (memchr(buf, '\0', len))
		return POD_PARSE_CORRUPT;
	tok = json_tokener_new_ex(CNI_JSON_DEPTH);
	if (!tok)
		return POD_PARSE_CORRUPT;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root && jerr == json_tokener_continue) {
		/* A top-level scalar ("null", "12") is only complete at end of input, which
		 * json-c learns from a NUL; an object that is still open stays "continue". */
		root = json_tokener_parse_ex(tok, "", 1);
		if (!root && json_tokener_get_error(tok) != json_tokener_success)
			jerr = json_tokener_continue;
		else
			jerr = json_tokener_success;
	}
	if (!root) {
		/* A complete "null" is success with a NULL object: corrupt, not truncated. */
		e = jerr == json_tokener_continue ? POD_PARSE_TRUNCATED : POD_PARSE_CORRUPT;
		goto cleanup;
	}
	if (!only_space(buf + json_tokener_get_parse_end(tok),
			len - json_tokener_get_parse_end(tok))) {
		e = POD_PARSE_CORRUPT;
		goto cleanup;
	}
	if (!json_object_is_type(root, json_type_object)) {
		e = POD_PARSE_CORRUPT;
		goto cleanup;
	}
	/* Before cniCacheV1 (libcni < 0.8) the file was the bare result, without "kind". */
	e = get_str(root, "kind", true, true, kind, sizeof(kind));
	if (e || strcmp(kind, "cniCacheV1") != 0) {
		e = e == POD_PARSE_CORRUPT ? POD_PARSE_CORRUPT : POD_PARSE_FOREIGN_KIND;
		goto cleanup;
	}
	e = get_str(root, "containerId", true, true, out->container_id, sizeof(out->container_id));
	if (!e)
		e = get_str(root, "ifName", true, true, out->pod_ifname, sizeof(out->pod_ifname));
	/* containerd attaches every sandbox to its loopback network too (cni-loopback-<id>-lo):
	 * that attachment has no host side and is no error, whatever else the file holds. */
	if (!e && strcmp(out->pod_ifname, "lo") == 0)
		e = POD_PARSE_LOOPBACK;
	if (!e)
		e = get_str(root, "networkName", true, true, out->network, sizeof(out->network));
	if (!e)
		e = get_str(root, "netns", false, false, out->netns, sizeof(out->netns));
	if (!e)
		e = parse_cni_args(root, out);
	if (!e)
		e = parse_result(root, out);
cleanup:
	if (e)
		memset(out, 0, sizeof(*out));
	json_object_put(root);
	json_tokener_free(tok);
	return e;
}
