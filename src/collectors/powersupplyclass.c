// SPDX-License-Identifier: Apache-2.0
/* powersupplyclass collector: node_exporter 1.5's node_power_supply_<attribute>{power_supply}
 * (units converted: micro-units to base units, tenths of a degree to Celsius) and
 * node_power_supply_info{power_supply,<string attributes present>}. No power supplies (servers,
 * VMs): success, no series. */
#include "powersupplyclass.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "pattern.h"
#include "sysutil.h"

static const char *opt_ignored = "^$";
NP_FLAG_STRING("collector.powersupply.ignored-supplies", &opt_ignored,
	       "Regexp of power supplies to ignore for powersupplyclass collector.");
static struct pattern *ignored_re;

/* Sorted by metric name, so families come out in node_exporter's order. */
const struct psu_num_attr psu_num_attrs[PSU_NUM_ATTRS] = {
	{ "authentic", "authentic", 1 },
	{ "calibrate", "calibrate", 1 },
	{ "capacity", "capacity", 1 },
	{ "capacity_alert_max", "capacity_alert_max", 1 },
	{ "capacity_alert_min", "capacity_alert_min", 1 },
	{ "charge_now", "charge_ampere", 1e6 },
	{ "charge_control_limit", "charge_control_limit", 1e6 },
	{ "charge_control_limit_max", "charge_control_limit_max", 1e6 },
	{ "charge_counter", "charge_counter", 1e6 },
	{ "charge_empty", "charge_empty", 1e6 },
	{ "charge_empty_design", "charge_empty_design", 1e6 },
	{ "charge_full", "charge_full", 1e6 },
	{ "charge_full_design", "charge_full_design", 1e6 },
	{ "charge_term_current", "charge_term_current", 1e6 },
	{ "constant_charge_current", "constant_charge_current", 1e6 },
	{ "constant_charge_current_max", "constant_charge_current_max", 1e6 },
	{ "constant_charge_voltage", "constant_charge_voltage", 1e6 },
	{ "constant_charge_voltage_max", "constant_charge_voltage_max", 1e6 },
	{ "current_now", "current_ampere", 1e6 },
	{ "current_boot", "current_boot", 1e6 },
	{ "current_max", "current_max", 1e6 },
	{ "cycle_count", "cyclecount", 1 },
	{ "energy_empty", "energy_empty", 1e6 },
	{ "energy_empty_design", "energy_empty_design", 1e6 },
	{ "energy_full", "energy_full", 1e6 },
	{ "energy_full_design", "energy_full_design", 1e6 },
	{ "energy_now", "energy_watthour", 1e6 },
	{ "input_current_limit", "input_current_limit", 1e6 },
	{ "online", "online", 1 },
	{ "power_now", "power_watt", 1e6 },
	{ "precharge_current", "precharge_current", 1e6 },
	{ "present", "present", 1 },
	{ "temp_alert_max", "temp_alert_max_celsius", 10 },
	{ "temp_alert_min", "temp_alert_min_celsius", 10 },
	{ "temp_ambient", "temp_ambient_celsius", 10 },
	{ "temp_ambient_max", "temp_ambient_max_celsius", 10 },
	{ "temp_ambient_min", "temp_ambient_min_celsius", 10 },
	{ "temp", "temp_celsius", 10 },
	{ "temp_max", "temp_max_celsius", 10 },
	{ "temp_min", "temp_min_celsius", 10 },
	{ "time_to_empty_now", "time_to_empty_seconds", 1 },
	{ "time_to_full_now", "time_to_full_seconds", 1 },
	{ "voltage_boot", "voltage_boot", 1e6 },
	{ "voltage_max", "voltage_max", 1e6 },
	{ "voltage_max_design", "voltage_max_design", 1e6 },
	{ "voltage_min", "voltage_min", 1e6 },
	{ "voltage_min_design", "voltage_min_design", 1e6 },
	{ "voltage_ocv", "voltage_ocv", 1e6 },
	{ "voltage_now", "voltage_volt", 1e6 },
	{ NULL, NULL, 0 },
	{ NULL, NULL, 0 },
};

/* Sorted; each becomes a label of node_power_supply_info when non-empty. */
const char *const psu_str_attrs[PSU_STR_ATTRS] = {
	"capacity_level", "charge_type", "health",     "manufacturer", "model_name", "scope",
	"serial_number",  "status",	 "technology", "type",	       "usb_type",
};

int psu__read(const char *dir, const char *name, struct power_supply *ps)
{
	memset(ps, 0, sizeof(*ps));
	snprintf(ps->name, sizeof(ps->name), "%s", name);
	for (int a = 0; a < PSU_NUM_ATTRS && psu_num_attrs[a].file; a++) {
		char buf[64];

		if (sysutil__read_attr(dir, psu_num_attrs[a].file, buf, sizeof(buf)))
			continue;
		if (parse__i64(buf, &ps->num[a])) {
			log_warn("malformed value", "power_supply", name, "file",
				 psu_num_attrs[a].file);
			return -EINVAL;
		}
		ps->have[a] = true;
	}
	for (int a = 0; a < PSU_STR_ATTRS; a++)
		if (sysutil__read_attr(dir, psu_str_attrs[a], ps->str[a], sizeof(ps->str[a])))
			ps->str[a][0] = '\0';
	return 0;
}

static int psu_init(void)
{
	return pattern__compile("collector.powersupply.ignored-supplies", opt_ignored,
				PATTERN_SEARCH, &ignored_re, NULL, 0);
}

static void psu_fini(void)
{
	pattern__free(ignored_re);
	ignored_re = NULL;
}

static int psu_collect(struct expo_writer *w)
{
	struct power_supply *ps = NULL;
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0, np = 0;
	int err;

	err = sysutil__list_sysfs("class/power_supply", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	ps = calloc(n ? n : 1, sizeof(*ps));
	if (!ps) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];

		if (pattern__match(ignored_re, names[i]))
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", base, names[i]) >= (int)sizeof(dir))
			continue;
		err = psu__read(dir, names[i], &ps[np]);
		if (err)
			goto cleanup;
		np++;
	}
	for (int a = 0; a < PSU_NUM_ATTRS && psu_num_attrs[a].file && np; a++) {
		char name[96], help[160];
		bool any = false;

		snprintf(name, sizeof(name), "node_power_supply_%s", psu_num_attrs[a].metric);
		snprintf(help, sizeof(help), "%s value of /sys/class/power_supply/<power_supply>.",
			 psu_num_attrs[a].metric);
		for (size_t i = 0; i < np; i++) {
			struct expo_label l = { "power_supply", ps[i].name };

			if (!ps[i].have[a])
				continue;
			if (!any)
				expo__family(w, name, help, EXPO_GAUGE);
			any = true;
			expo__sample(w, name, &l, 1, (double)ps[i].num[a] / psu_num_attrs[a].div);
		}
	}
	if (np)
		expo__family(w, "node_power_supply_info",
			     "info of /sys/class/power_supply/<power_supply>.", EXPO_GAUGE);
	for (size_t i = 0; i < np; i++) {
		struct expo_label l[PSU_STR_ATTRS + 1];
		size_t nl = 0;

		for (int a = 0; a < PSU_STR_ATTRS; a++) {
			/* "power_supply" sorts between "model_name" and "scope". */
			if (!strcmp(psu_str_attrs[a], "scope"))
				l[nl++] = (struct expo_label){ "power_supply", ps[i].name };
			if (ps[i].str[a][0])
				l[nl++] = (struct expo_label){ psu_str_attrs[a], ps[i].str[a] };
		}
		expo__sample(w, "node_power_supply_info", l, nl, 1);
	}
cleanup:
	free(ps);
	sysutil__free_list(names, n);
	return err;
}

static struct collector powersupplyclass_collector = {
	.name = "powersupplyclass",
	.default_enabled = true,
	.init = psu_init,
	.collect = psu_collect,
	.fini = psu_fini,
};
NP_COLLECTOR(powersupplyclass_collector);
