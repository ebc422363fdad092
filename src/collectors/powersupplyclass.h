// SPDX-License-Identifier: Apache-2.0
/* powersupplyclass collector: <sysfs>/class/power_supply/<name>/ (node_power_supply_*). */
#ifndef NODEPATH_COLLECTORS_POWERSUPPLYCLASS_H
#define NODEPATH_COLLECTORS_POWERSUPPLYCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSU_NUM_ATTRS 51
#define PSU_STR_ATTRS 11

struct power_supply {
	char name[64];
	bool have[PSU_NUM_ATTRS];
	int64_t num[PSU_NUM_ATTRS];
	char str[PSU_STR_ATTRS][128];
};

/* Attribute tables (file name, metric suffix, divisor), exposed for tests. */
struct psu_num_attr {
	const char *file, *metric;
	double div;
};
extern const struct psu_num_attr psu_num_attrs[PSU_NUM_ATTRS];
extern const char *const psu_str_attrs[PSU_STR_ATTRS];

/* Read one power supply directory. Unreadable attributes are absent; a malformed number is
 * -EINVAL. */
int psu__read(const char *dir, const char *name, struct power_supply *ps);

#endif
