// SPDX-License-Identifier: Apache-2.0
/* hwmon file-name splitting, name cleaning and node_exporter 1.5's metric naming. */
#include <errno.h>

#include "collectors/hwmon.h"
#include "sys_fixture.h"

Test(hwmon, explode)
{
	char type[32], prop[48];
	unsigned int num;

	cr_assert(hwmon__explode("temp1_input", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert_str_eq(type, "temp");
	cr_assert_eq(num, 1);
	cr_assert_str_eq(prop, "input");
	cr_assert(hwmon__explode("beep_enable", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert_str_eq(type, "beep_enable");
	cr_assert_eq(num, 0);
	cr_assert_str_eq(prop, "");
	cr_assert(hwmon__explode("power1_average_interval", type, sizeof(type), &num, prop,
				 sizeof(prop)));
	cr_assert_str_eq(prop, "average_interval");
	cr_assert(hwmon__explode("pwm2", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert_str_eq(type, "pwm");
	cr_assert_eq(num, 2);
	cr_assert(!hwmon__explode("1abc", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert(!hwmon__explode("temp1x", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert(!hwmon__explode("temp1_", type, sizeof(type), &num, prop, sizeof(prop)));
	cr_assert(!hwmon__explode("temp99999999999999_input", type, sizeof(type), &num, prop,
				  sizeof(prop)));
}

Test(hwmon, clean_name)
{
	char out[64];

	hwmon__clean_name("Package id 0", out, sizeof(out));
	cr_assert_str_eq(out, "package_id_0");
	hwmon__clean_name("__coretemp.0__", out, sizeof(out));
	cr_assert_str_eq(out, "coretemp_0");
	hwmon__clean_name("0000:00:1d.0", out, sizeof(out));
	cr_assert_str_eq(out, "0000:00:1d_0");
	hwmon__clean_name("***", out, sizeof(out));
	cr_assert_str_eq(out, "");
}

Test(hwmon, metric_names_and_units)
{
	struct hwmon_metric m;

	cr_assert(hwmon__metric("temp", "input", "52000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_temp_celsius");
	cr_assert_float_eq(m.value, 52.0, 1e-9);
	cr_assert(hwmon__metric("temp", "crit_alarm", "0", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_temp_crit_alarm_celsius");
	cr_assert(hwmon__metric("in", "input", "1016", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_in_volts");
	cr_assert_float_eq(m.value, 1.016, 1e-9);
	cr_assert(hwmon__metric("fan", "input", "1054", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_fan_rpm");
	cr_assert(hwmon__metric("fan", "pulses", "2", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_fan_pulses");
	cr_assert(hwmon__metric("fan", "alarm", "0", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_fan_alarm");
	cr_assert(hwmon__metric("fan", "beep", "0", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_fan_beep_enabled");
	cr_assert(hwmon__metric("power", "average", "5300000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_power_average_watt");
	cr_assert_float_eq(m.value, 5.3, 1e-9);
	cr_assert(hwmon__metric("power", "accuracy", "5000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_power_accuracy");
	cr_assert(hwmon__metric("power", "average_interval", "1000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_power_average_interval_seconds");
	cr_assert_float_eq(m.value, 1.0, 1e-9);
	cr_assert(hwmon__metric("energy", "input", "7390000000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_energy_joule_total");
	cr_assert(m.counter);
	cr_assert_float_eq(m.value, 7390.0, 1e-9);
	cr_assert(hwmon__metric("curr", "input", "2200", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_curr_amps");
	cr_assert(hwmon__metric("humidity", "input", "45000", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_humidity");
	cr_assert_float_eq(m.value, 0.045, 1e-12);
	cr_assert(hwmon__metric("temp", "type", "3", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_temp_type");
	cr_assert(hwmon__metric("pwm", "", "128", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_pwm");
	cr_assert(hwmon__metric("pwm", "enable", "5", false, &m));
	cr_assert_str_eq(m.name, "node_hwmon_pwm_enable");
	/* "input" next to a bare value file is kept apart */
	cr_assert(hwmon__metric("temp", "input", "1", true, &m));
	cr_assert_str_eq(m.name, "node_hwmon_temp_input_celsius");
}

Test(hwmon, hostile_values)
{
	struct hwmon_metric m;

	cr_assert(!hwmon__metric("temp", "input", "garbage", false, &m));
	cr_assert(!hwmon__metric("temp", "input", "", false, &m));
	cr_assert(!hwmon__metric("temp", "label", "Core 0", false, &m));
	cr_assert(hwmon__metric("in", "input", "1e308", false, &m));
}
