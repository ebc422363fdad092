// SPDX-License-Identifier: Apache-2.0
/* thermal_zone collector: node_exporter 1.5's node_thermal_zone_temp{zone,type} and
 * node_cooling_device_{cur,max}_state{name,type}. No thermal class (VMs): success, no series. */
#include "thermal_zone.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

int thermal__read_zone(const char *dir, const char *num, struct thermal_zone *z)
{
	char buf[64];
	int err;

	memset(z, 0, sizeof(*z));
	snprintf(z->zone, sizeof(z->zone), "%s", num);
	err = sysutil__read_attr(dir, "type", z->type, sizeof(z->type));
	if (err)
		return err;
	err = sysutil__read_attr(dir, "temp", buf, sizeof(buf));
	if (err)
		return err;
	if (parse__i64(buf, &z->temp))
		return -EBADMSG;
	return 0;
}

int thermal__read_cooling(const char *dir, const char *num, struct cooling_device *c)
{
	char buf[64];
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", num);
	err = sysutil__read_attr(dir, "type", c->type, sizeof(c->type));
	if (err)
		return err;
	err = sysutil__read_attr(dir, "max_state", buf, sizeof(buf));
	if (err)
		return err;
	if (parse__i64(buf, &c->max_state))
		return -EBADMSG;
	err = sysutil__read_attr(dir, "cur_state", buf, sizeof(buf));
	if (err)
		return err;
	if (parse__i64(buf, &c->cur_state))
		return -EBADMSG;
	return 0;
}

static bool skippable(int err)
{
	return err == -ENODATA || err == -EAGAIN || err == -EINVAL || err == -ENOENT ||
	       err == -EIO || err == -EACCES;
}

static int thermal_collect(struct expo_writer *w)
{
	struct thermal_zone *zones = NULL;
	struct cooling_device *cds = NULL;
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0, nz = 0, ncd = 0;
	int err;

	err = sysutil__list_sysfs("class/thermal", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	zones = calloc(n ? n : 1, sizeof(*zones));
	cds = calloc(n ? n : 1, sizeof(*cds));
	if (!zones || !cds) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];
		int e;

		if (snprintf(dir, sizeof(dir), "%s/%s", base, names[i]) >= (int)sizeof(dir))
			continue;
		if (sysutil__has_num_suffix(names[i], "thermal_zone")) {
			e = thermal__read_zone(dir, names[i] + 12, &zones[nz]);
			if (!e)
				nz++;
		} else if (sysutil__has_num_suffix(names[i], "cooling_device")) {
			e = thermal__read_cooling(dir, names[i] + 14, &cds[ncd]);
			if (!e)
				ncd++;
		} else {
			continue;
		}
		if (e && !skippable(e)) {
			log_warn("reading failed", "name", names[i], "err", LOG_ERR(e));
			err = e;
			goto cleanup;
		}
	}
	if (nz) {
		expo__family(w, "node_thermal_zone_temp", "Zone temperature in Celsius",
			     EXPO_GAUGE);
		for (size_t i = 0; i < nz; i++) {
			struct expo_label l[2] = { { "type", zones[i].type },
						   { "zone", zones[i].zone } };

			expo__sample(w, "node_thermal_zone_temp", l, 2,
				     (double)zones[i].temp / 1000.0);
		}
	}
	for (int k = 0; k < 2 && ncd; k++) {
		const char *name =
		    k ? "node_cooling_device_max_state" : "node_cooling_device_cur_state";

		expo__family(w, name,
			     k ? "Maximum throttle state of the cooling device"
			       : "Current throttle state of the cooling device",
			     EXPO_GAUGE);
		for (size_t i = 0; i < ncd; i++) {
			struct expo_label l[2] = { { "name", cds[i].name },
						   { "type", cds[i].type } };

			expo__sample(w, name, l, 2,
				     (double)(k ? cds[i].max_state : cds[i].cur_state));
		}
	}
cleanup:
	free(zones);
	free(cds);
	sysutil__free_list(names, n);
	return err;
}

static struct collector thermal_zone_collector = {
	.name = "thermal_zone",
	.default_enabled = true,
	.collect = thermal_collect,
};
NP_COLLECTOR(thermal_zone_collector);
