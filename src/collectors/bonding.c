// SPDX-License-Identifier: Apache-2.0
/* bonding collector: configured and active (MII status "up") slaves of each Linux bonding
 * interface, from <sysfs>/class/net (node_bonding_slaves, node_bonding_active). Without the
 * bonding driver bonding_masters is missing: -ENODATA (node_exporter's ErrNoData). */
#include "bonding.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "procparse.h"
#include "sysutil.h"

/* bonding_masters and slaves are single sysfs pages. */
#define BONDING_MAX_FILE 65536
#define BONDING_MAX_NAMES 1024

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && !strchr(s, '/') && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

int bonding__parse_names(char *buf, char **names, size_t max, size_t *n)
{
	char *cur = buf, *line;

	*n = 0;
	while ((line = pp_next_line(&cur)) != NULL) {
		char *f[BONDING_MAX_NAMES + 1];
		int nf = pp_split(line, f, BONDING_MAX_NAMES + 1);

		if (nf < 0)
			return -EINVAL;
		for (int i = 0; i < nf; i++) {
			bool seen = false;

			if (!valid_ifname(f[i]))
				return -EINVAL;
			for (size_t j = 0; j < *n && !seen; j++)
				seen = strcmp(names[j], f[i]) == 0;
			if (seen)
				continue;
			if (*n == max)
				return -EINVAL;
			names[(*n)++] = f[i];
		}
	}
	return 0;
}

/* lower_<slave> since Linux 4.0 (the adjacency links), slave_<slave> before. */
static int slave_up(const char *net, const char *master, const char *slave, bool *up)
{
	static const char *const prefixes[] = { "lower_", "slave_" };
	char path[PATH_MAX], state[64];
	int err = -ENOENT;

	for (size_t i = 0; i < 2 && err == -ENOENT; i++) {
		if (snprintf(path, sizeof(path), "%s/%s/%s%s/bonding_slave/mii_status", net, master,
			     prefixes[i], slave) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		err = fs__read_line(path, state, sizeof(state));
	}
	if (err)
		return err;
	*up = strcmp(state, "up") == 0;
	return 0;
}

struct bond {
	const char *master;
	unsigned slaves, active;
};

static int bonding_collect(struct expo_writer *w)
{
	char net[PATH_MAX], path[PATH_MAX], *masters_buf = NULL, *slaves_buf = NULL;
	char *masters[BONDING_MAX_NAMES];
	struct bond *bonds = NULL;
	size_t nm = 0;
	int err;

	err = fs__join(net, sizeof(net), fs__sysfs(), "class/net");
	if (err)
		return err;
	err = fs__join(path, sizeof(path), fs__sysfs(), "class/net/bonding_masters");
	if (err)
		return err;
	err = fs__read_file(path, BONDING_MAX_FILE, &masters_buf, NULL);
	if (err == -ENOENT) {
		log_debug("Not collecting bonding, file does not exist");
		return -ENODATA;
	}
	if (err)
		return err;
	err = bonding__parse_names(masters_buf, masters, BONDING_MAX_NAMES, &nm);
	if (err) {
		log_error("malformed file", "path", "class/net/bonding_masters");
		goto cleanup;
	}
	bonds = calloc(nm ? nm : 1, sizeof(*bonds));
	if (!bonds) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nm; i++) {
		char *slaves[BONDING_MAX_NAMES];
		size_t ns = 0;

		bonds[i].master = masters[i];
		if (snprintf(path, sizeof(path), "%s/%s/bonding/slaves", net, masters[i]) >=
		    (int)sizeof(path)) {
			err = -ENAMETOOLONG;
			goto cleanup;
		}
		free(slaves_buf);
		slaves_buf = NULL;
		err = fs__read_file(path, BONDING_MAX_FILE, &slaves_buf, NULL);
		if (err) {
			log_error("cannot read the slaves of a bond", "master", masters[i], "err",
				  fs__strerror(err));
			goto cleanup;
		}
		err = bonding__parse_names(slaves_buf, slaves, BONDING_MAX_NAMES, &ns);
		if (err) {
			log_error("malformed bonding/slaves file", "master", masters[i]);
			goto cleanup;
		}
		for (size_t s = 0; s < ns; s++) {
			bool up = false;

			err = slave_up(net, masters[i], slaves[s], &up);
			if (err) {
				log_error("cannot read a slave's MII status", "master", masters[i],
					  "slave", slaves[s], "err", fs__strerror(err));
				goto cleanup;
			}
			bonds[i].slaves++;
			bonds[i].active += up;
		}
	}
	if (nm == 0)
		goto cleanup; /* the driver is loaded, no bond configured: no series */
	expo__family(w, "node_bonding_active", "Number of active slaves per bonding interface.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < nm; i++) {
		struct expo_label l = { "master", bonds[i].master };

		expo__sample(w, "node_bonding_active", &l, 1, bonds[i].active);
	}
	expo__family(w, "node_bonding_slaves", "Number of configured slaves per bonding interface.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < nm; i++) {
		struct expo_label l = { "master", bonds[i].master };

		expo__sample(w, "node_bonding_slaves", &l, 1, bonds[i].slaves);
	}
	err = 0;
cleanup:
	free(bonds);
	free(masters_buf);
	free(slaves_buf);
	return err;
}

static struct collector bonding_collector = {
	.name = "bonding",
	.default_enabled = true,
	.collect = bonding_collect,
};
NP_COLLECTOR(bonding_collector);
