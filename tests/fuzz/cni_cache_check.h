// SPDX-License-Identifier: Apache-2.0
/* Invariants of pod_cache__parse on any input, shared by the libFuzzer target and the unit test
 * that replays the committed corpus. Returns NULL or a description of the broken invariant. */
#ifndef NODEPATH_CNI_CACHE_CHECK_H
#define NODEPATH_CNI_CACHE_CHECK_H

#include <arpa/inet.h>
#include <string.h>

#include "pods.h"

static inline const char *cni_check_str(const char *s, size_t cap, int nonempty)
{
	if (!memchr(s, '\0', cap))
		return "string not terminated";
	if (nonempty && !s[0])
		return "required string empty";
	return NULL;
}

static inline const char *cni_cache_check(const char *buf, size_t len)
{
	static const struct pod_info zero;
	struct pod_info a, b;
	enum pod_parse_err e = pod_cache__parse(buf, len, &a);
	const char *why;

	if (pod_cache__parse(buf, len, &b) != e || memcmp(&a, &b, sizeof(a)) != 0)
		return "not deterministic";
	if ((unsigned)e > POD_PARSE_LOOPBACK)
		return "unknown error code";
	if (e != POD_PARSE_OK)
		return memcmp(&a, &zero, sizeof(a)) ? "rejected input left fields set" : NULL;
	if ((why = cni_check_str(a.namespace, sizeof(a.namespace), 1)) ||
	    (why = cni_check_str(a.pod, sizeof(a.pod), 1)) ||
	    (why = cni_check_str(a.uid, sizeof(a.uid), 0)) ||
	    (why = cni_check_str(a.container_id, sizeof(a.container_id), 1)) ||
	    (why = cni_check_str(a.pod_ips, sizeof(a.pod_ips), 0)) ||
	    (why = cni_check_str(a.interface, sizeof(a.interface), 1)) ||
	    (why = cni_check_str(a.pod_ifname, sizeof(a.pod_ifname), 1)) ||
	    (why = cni_check_str(a.network, sizeof(a.network), 1)) ||
	    (why = cni_check_str(a.netns, sizeof(a.netns), 0)))
		return why;
	for (const char *p = a.interface; *p; p++) {
		if (*p <= ' ' || *p == '/' || *p == ':' || (unsigned char)*p >= 0x7f)
			return "bad interface name accepted";
	}
	/* Every pod IP is a canonical address. */
	for (const char *p = a.pod_ips; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char ip[64];
		unsigned char bin[16];

		if (n == 0 || n >= sizeof(ip))
			return "empty or long pod_ip item";
		memcpy(ip, p, n);
		ip[n] = '\0';
		if (inet_pton(strchr(ip, ':') ? AF_INET6 : AF_INET, ip, bin) != 1)
			return "pod_ip item is no address";
		p += n + (comma ? 1 : 0);
		if (comma && !*p)
			return "trailing comma in pod_ips";
	}
	return NULL;
}

#endif
