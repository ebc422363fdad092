// SPDX-License-Identifier: Apache-2.0
/* pressure collector: PSI totals from /proc/pressure/{cpu,io,memory} as node_exporter 1.5
 * (cpu: some only). Kernels without PSI (< 4.20 or CONFIG_PSI=n, or psi=0) have no such files:
 * the collector then returns -ENODATA, node_exporter's ErrNoData (no series, debug log). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "pressure.h"
#include "procparse.h"

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=4931247" */
static int parse_psi_line(char **f, int n, struct psi_line *l)
{
	static const char *const keys[] = { "avg10=", "avg60=", "avg300=", "total=" };

	if (n != 5 || l->have)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		size_t kl = strlen(keys[i]);
		const char *v = f[i + 1] + kl;

		if (strncmp(f[i + 1], keys[i], kl) != 0)
			return -EINVAL;
		if (i < 3) {
			double *d = i == 0 ? &l->avg10 : i == 1 ? &l->avg60 : &l->avg300;

			if (parse__double(v, d))
				return -EINVAL;
		} else if (parse__u64(v, &l->total)) {
			return -EINVAL;
		}
	}
	l->have = true;
	return 0;
}

int pressure__parse(char *buf, struct psi_stats *out)
{
	char *cur = buf, *line;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[6];
		int n = pp_split(line, f, 6);

		if (n == 0)
			continue;
		if (n < 0)
			return -EINVAL;
		if (strcmp(f[0], "some") == 0) {
			if (parse_psi_line(f, n, &out->some))
				return -EINVAL;
		} else if (strcmp(f[0], "full") == 0) {
			if (parse_psi_line(f, n, &out->full))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return out->some.have ? 0 : -EINVAL;
}

/* procfs keeps microseconds; node_exporter divides by 1000 twice (kept for identical floats). */
static double usec_to_sec(uint64_t us)
{
	return (double)us / 1000.0 / 1000.0;
}

static int read_psi(const char *res, struct psi_stats *s)
{
	char rel[32], *buf = NULL;
	int err;

	strcpy(rel, "pressure/");
	strcat(rel, res);
	err = fs__read_rel_records(fs__procfs(), rel, 4096, FS_SINGLE_RECORD, &buf, NULL);
	if (err == -ENOENT || err == -EOPNOTSUPP) {
		/* EOPNOTSUPP: file present but PSI disabled at boot (psi=0) */
		log_debug("pressure information is unavailable, you need a Linux kernel >= 4.20 "
			  "and/or CONFIG_PSI enabled for your kernel");
		return -ENODATA;
	}
	if (err)
		return err;
	err = pressure__parse(buf, s);
	free(buf);
	return err;
}

static int pressure_collect(struct expo_writer *w)
{
	struct psi_stats cpu, io, mem;
	int err;

	err = read_psi("cpu", &cpu);
	if (!err)
		err = read_psi("io", &io);
	if (!err)
		err = read_psi("memory", &mem);
	if (err)
		return err;
	if (!io.full.have || !mem.full.have)
		return -EINVAL;
	pp_emit(w, "node_pressure_cpu_waiting_seconds_total",
		"Total time in seconds that processes have waited for CPU time", EXPO_COUNTER,
		usec_to_sec(cpu.some.total));
	pp_emit(w, "node_pressure_io_waiting_seconds_total",
		"Total time in seconds that processes have waited due to IO congestion",
		EXPO_COUNTER, usec_to_sec(io.some.total));
	pp_emit(w, "node_pressure_io_stalled_seconds_total",
		"Total time in seconds no process could make progress due to IO congestion",
		EXPO_COUNTER, usec_to_sec(io.full.total));
	pp_emit(w, "node_pressure_memory_waiting_seconds_total",
		"Total time in seconds that processes have waited for memory", EXPO_COUNTER,
		usec_to_sec(mem.some.total));
	pp_emit(w, "node_pressure_memory_stalled_seconds_total",
		"Total time in seconds no process could make progress due to memory congestion",
		EXPO_COUNTER, usec_to_sec(mem.full.total));
	return 0;
}

static struct collector pressure_collector = {
	.name = "pressure",
	.default_enabled = true,
	.collect = pressure_collect,
};
NP_COLLECTOR(pressure_collector);
