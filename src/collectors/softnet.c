// SPDX-License-Identifier: Apache-2.0
/* softnet collector: node_softnet_{processed,dropped,times_squeezed}_total{cpu} from
 * /proc/net/softnet_stat. As in node_exporter 1.5 the cpu label is the line index. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "parse.h"
#include "softnet.h"
#include "procparse.h"

void softnet__free(struct softnet_stats *s)
{
	free(s->cpu);
	s->cpu = NULL;
	s->n = 0;
}

int softnet__parse(char *buf, struct softnet_stats *out)
{
	char *cur = buf, *line;
	size_t cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[32];
		uint64_t v[3];
		int n = pp_split(line, f, 32);

		if (n == 0)
			continue;
		/* 9 columns since 2.6.x (procfs' minimum); 13 today. */
		if (n < 9) {
			err = -EINVAL;
			goto cleanup;
		}
		for (int i = 0; i < 3; i++) {
			if (parse__hex_u64(f[i], &v[i]) || v[i] > UINT32_MAX) {
				err = -EINVAL;
				goto cleanup;
			}
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct softnet_line *nl = realloc(out->cpu, ncap * sizeof(*nl));

			if (!nl) {
				err = -ENOMEM;
				goto cleanup;
			}
			out->cpu = nl;
			cap = ncap;
		}
		out->cpu[out->n].processed = (uint32_t)v[0];
		out->cpu[out->n].dropped = (uint32_t)v[1];
		out->cpu[out->n].time_squeezed = (uint32_t)v[2];
		out->n++;
	}
cleanup:
	if (err)
		softnet__free(out);
	return err;
}

static int softnet_collect(struct expo_writer *w)
{
	static const char *const names[3] = { "node_softnet_processed_total",
					      "node_softnet_dropped_total",
					      "node_softnet_times_squeezed_total" };
	static const char *const helps[3] = {
		"Number of processed packets", "Number of dropped packets",
		"Number of times processing packets ran out of quota"
	};
	struct softnet_stats s;
	char *buf = NULL;
	int err;

	err = fs__read_rel_records(fs__procfs(), "net/softnet_stat", PP_MAX_FILE, 1024, &buf, NULL);
	if (err)
		return err;
	err = softnet__parse(buf, &s);
	free(buf);
	if (err)
		return err;
	for (int k = 0; k < 3 && s.n; k++) {
		expo__family(w, names[k], helps[k], EXPO_COUNTER);
		for (size_t i = 0; i < s.n; i++) {
			char cpu[24];
			struct expo_label l = { "cpu", cpu };
			uint32_t v = k == 0   ? s.cpu[i].processed
				     : k == 1 ? s.cpu[i].dropped
					      : s.cpu[i].time_squeezed;

			snprintf(cpu, sizeof(cpu), "%zu", i);
			expo__sample(w, names[k], &l, 1, (double)v);
		}
	}
	softnet__free(&s);
	return 0;
}

static struct collector softnet_collector = {
	.name = "softnet",
	.default_enabled = true,
	.collect = softnet_collect,
};
NP_COLLECTOR(softnet_collector);
