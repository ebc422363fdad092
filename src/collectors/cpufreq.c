// SPDX-License-Identifier: Apache-2.0
/* cpufreq collector: node_exporter 1.5's node_cpu_frequency_{,min_,max_}hertz and
 * node_cpu_scaling_frequency_{,min_,max_}hertz from <sysfs>/devices/system/cpu/cpuN/cpufreq (kHz
 * in sysfs, Hz exported). A machine without cpufreq (most VMs) gives no series and success. */
#include "cpufreq.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

static const struct {
	const char *file, *metric, *help;
} attrs[CF_MAX_ATTR] = {
	[CF_CUR] = { "cpuinfo_cur_freq", "node_cpu_frequency_hertz",
		     "Current cpu thread frequency in hertz." },
	[CF_MAX] = { "cpuinfo_max_freq", "node_cpu_frequency_max_hertz",
		     "Maximum cpu thread frequency in hertz." },
	[CF_MIN] = { "cpuinfo_min_freq", "node_cpu_frequency_min_hertz",
		     "Minimum cpu thread frequency in hertz." },
	[CF_SCALING_CUR] = { "scaling_cur_freq", "node_cpu_scaling_frequency_hertz",
			     "Current scaled CPU thread frequency in hertz." },
	[CF_SCALING_MAX] = { "scaling_max_freq", "node_cpu_scaling_frequency_max_hertz",
			     "Maximum scaled CPU thread frequency in hertz." },
	[CF_SCALING_MIN] = { "scaling_min_freq", "node_cpu_scaling_frequency_min_hertz",
			     "Minimum scaled CPU thread frequency in hertz." },
};

int cpufreq__read_cpu(const char *dir, const char *cpu, struct cpufreq_cpu *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->cpu, sizeof(out->cpu), "%s", cpu);
	for (int a = 0; a < CF_MAX_ATTR; a++) {
		char buf[64];

		if (sysutil__read_attr(dir, attrs[a].file, buf, sizeof(buf)))
			continue;
		if (parse__u64(buf, &out->khz[a])) {
			log_warn("malformed value", "cpu", cpu, "file", attrs[a].file);
			return -EINVAL;
		}
		out->have[a] = true;
	}
	return 0;
}

static int cpufreq_collect(struct expo_writer *w)
{
	struct cpufreq_cpu *cpus = NULL;
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0, nc = 0;
	int err;

	err = sysutil__list_sysfs("devices/system/cpu", "cpu", base, sizeof(base), &names, &n);
	if (err)
		return err;
	cpus = calloc(n ? n : 1, sizeof(*cpus));
	if (!cpus) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];

		if (!sysutil__has_num_suffix(names[i], "cpu"))
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s/cpufreq", base, names[i]) >= (int)sizeof(dir))
			continue;
		if (access(dir, F_OK))
			continue; /* no cpufreq driver for this CPU */
		err = cpufreq__read_cpu(dir, names[i] + 3, &cpus[nc]);
		if (err)
			goto cleanup;
		nc++;
	}
	for (int a = 0; a < CF_MAX_ATTR; a++) {
		bool any = false;

		for (size_t i = 0; i < nc; i++) {
			struct expo_label l = { "cpu", cpus[i].cpu };

			if (!cpus[i].have[a])
				continue;
			if (!any)
				expo__family(w, attrs[a].metric, attrs[a].help, EXPO_GAUGE);
			any = true;
			expo__sample(w, attrs[a].metric, &l, 1, (double)cpus[i].khz[a] * 1000.0);
		}
	}
cleanup:
	free(cpus);
	sysutil__free_list(names, n);
	return err;
}

static struct collector cpufreq_collector = {
	.name = "cpufreq",
	.default_enabled = true,
	.collect = cpufreq_collect,
};
NP_COLLECTOR(cpufreq_collector);
