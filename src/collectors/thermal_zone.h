// SPDX-License-Identifier: Apache-2.0
/* thermal_zone collector: <sysfs>/class/thermal/{thermal_zone,cooling_device}N. */
#ifndef NODEPATH_COLLECTORS_THERMAL_ZONE_H
#define NODEPATH_COLLECTORS_THERMAL_ZONE_H

#include <stdbool.h>
#include <stdint.h>

struct thermal_zone {
	char zone[16];
	char type[64];
	int64_t temp; /* millidegree Celsius */
};

struct cooling_device {
	char name[16];
	char type[64];
	int64_t cur_state, max_state;
};

/* Read one thermal_zoneN directory. -ENODATA/-EAGAIN/-EINVAL/-ENOENT from the temp file mean
 * "skip this zone" (sensors that cannot be read right now), -EBADMSG a malformed value. */
int thermal__read_zone(const char *dir, const char *num, struct thermal_zone *z);
int thermal__read_cooling(const char *dir, const char *num, struct cooling_device *c);

#endif
