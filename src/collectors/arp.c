// SPDX-License-Identifier: Apache-2.0
/* arp collector: node_arp_entries{device}, the number of /proc/net/arp rows per device. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "arp.h"
#include "procparse.h"

void arp__free(struct arp_stats *s)
{
	free(s->dev);
	s->dev = NULL;
	s->n = 0;
}

int arp__parse(char *buf, struct arp_stats *out)
{
	char *cur = buf, *line;
	size_t cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		/* "IP address  HW type  Flags  HW address  Mask  Device" (header: 9 words) */
		char *f[12], *dev;
		size_t i;
		int n = pp_split(line, f, 12);

		if (n == 0)
			continue;
		if (n < 6) {
			err = -EINVAL;
			goto cleanup;
		}
		if (strcmp(f[0], "IP") == 0)
			continue;
		dev = f[n - 1];
		if (strlen(dev) >= sizeof(out->dev[0].name)) {
			err = -EINVAL;
			goto cleanup;
		}
		for (i = 0; i < out->n; i++)
			if (strcmp(out->dev[i].name, dev) == 0)
				break;
		if (i == out->n) {
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct arp_dev *nd = realloc(out->dev, ncap * sizeof(*nd));

				if (!nd) {
					err = -ENOMEM;
					goto cleanup;
				}
				out->dev = nd;
				cap = ncap;
			}
			strcpy(out->dev[i].name, dev);
			out->dev[i].entries = 0;
			out->n++;
		}
		out->dev[i].entries++;
	}
cleanup:
	if (err)
		arp__free(out);
	return err;
}

static int arp_collect(struct expo_writer *w)
{
	static const char name[] = "node_arp_entries";
	struct arp_stats s;
	char *buf = NULL;
	int err;

	err = fs__read_rel_records(fs__procfs(), "net/arp", 64u << 20, 1024, &buf, NULL);
	if (err)
		return err;
	err = arp__parse(buf, &s);
	free(buf);
	if (err)
		return err;
	if (s.n)
		expo__family(w, name, "ARP entries by device", EXPO_GAUGE);
	for (size_t i = 0; i < s.n; i++) {
		struct expo_label l = { "device", s.dev[i].name };

		expo__sample(w, name, &l, 1, (double)s.dev[i].entries);
	}
	arp__free(&s);
	return 0;
}

static struct collector arp_collector = {
	.name = "arp",
	.default_enabled = true,
	.collect = arp_collect,
};
NP_COLLECTOR(arp_collector);
