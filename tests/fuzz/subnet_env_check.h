// SPDX-License-Identifier: Apache-2.0
/* Invariants of the subnet.env and CIDR parsers on any input, shared by the libFuzzer target and
 * the unit test that replays the committed corpus. Returns NULL or what is broken: a parsed file
 * has 1..8 networks and subnets, IPv4 first, that format and re-parse to themselves; a rejected
 * file leaves the output zeroed. */
#ifndef NODEPATH_SUBNET_ENV_CHECK_H
#define NODEPATH_SUBNET_ENV_CHECK_H

#include <string.h>

#include "netinfo.h"

static inline const char *subnet_check_list(const struct cidr *c, size_t n)
{
	char buf[NETINFO_MAX_CIDRS * 48];

	if (n == 0 || n > NETINFO_MAX_CIDRS)
		return "list size";
	for (size_t i = 0; i < n; i++) {
		struct cidr again;
		char one[64];

		if (cidr__format(&c[i], one, sizeof(one)) || cidr__parse(one, &again) ||
		    memcmp(&again, &c[i], sizeof(again)) != 0)
			return "cidr does not round-trip";
		if (i > 0 && c[i - 1].family > c[i].family)
			return "IPv4 not first";
	}
	if (netinfo__join_cidrs(c, n, buf, sizeof(buf)))
		return "join";
	return NULL;
}

static inline const char *subnet_env_check(const char *data, size_t size)
{
	static const struct flannel_subnet zero;
	struct flannel_subnet fs;
	const char *why = NULL;
	struct cidr c;
	int err = flannel_subnet__parse(data, size, &fs);

	if (err == 0) {
		why = subnet_check_list(fs.networks, fs.n_networks);
		if (!why)
			why = subnet_check_list(fs.subnets, fs.n_subnets);
		if (!why && fs.mtu && (fs.mtu < 68 || fs.mtu > 65535))
			why = "mtu range";
	} else if (memcmp(&fs, &zero, sizeof(fs)) != 0) {
		why = "rejected input left fields set";
	}
	if (!why && cidr__parse_n(data, size, &c) == 0)
		why = subnet_check_list(&c, 1);
	return why;
}

#endif
