// SPDX-License-Identifier: Apache-2.0
/* cpufreq collector: <sysfs>/devices/system/cpu/cpuN/cpufreq (node_cpu_*frequency*_hertz). */
#ifndef NODEPATH_COLLECTORS_CPUFREQ_H
#define NODEPATH_COLLECTORS_CPUFREQ_H

#include <stdbool.h>
#include <stdint.h>

enum cpufreq_attr {
	CF_CUR,
	CF_MAX,
	CF_MIN,
	CF_SCALING_CUR,
	CF_SCALING_MAX,
	CF_SCALING_MIN,
	CF_MAX_ATTR
};

struct cpufreq_cpu {
	char cpu[16];
	bool have[CF_MAX_ATTR];
	uint64_t khz[CF_MAX_ATTR];
};

/* Read one cpuN/cpufreq directory. Unreadable files (cpuinfo_cur_freq is root-only) are
 * absent; a malformed number is -EINVAL. */
int cpufreq__read_cpu(const char *cpufreq_dir, const char *cpu, struct cpufreq_cpu *out);

#endif
