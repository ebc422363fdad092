// SPDX-License-Identifier: Apache-2.0
/* hwmon collector: <sysfs>/class/hwmon/hwmonN sensors (node_hwmon_*). */
#ifndef NODEPATH_COLLECTORS_HWMON_H
#define NODEPATH_COLLECTORS_HWMON_H

#include <stdbool.h>
#include <stddef.h>

/* node_exporter's cleanMetricName: lower case, [^a-z0-9:_] -> '_', trim '_'. */
void hwmon__clean_name(const char *in, char *out, size_t cap);

/* Split a sensor file name "<type><num>_<property>" (temp1_input, beep_enable, in0_label).
 * Returns false if it does not match; *num is 0 when absent. */
bool hwmon__explode(const char *file, char *type, size_t tcap, unsigned int *num, char *prop,
		    size_t pcap);

/* One metric derived from a sensor property, as node_exporter 1.5 names it. Returns false when
 * the property yields no metric (label, or a value that is not a number). */
struct hwmon_metric {
	char name[128];
	char help[160];
	bool counter;
	double value;
};
bool hwmon__metric(const char *type, const char *prop, const char *value, bool has_bare,
		   struct hwmon_metric *m);

#endif
