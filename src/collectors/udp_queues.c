// SPDX-License-Identifier: Apache-2.0
/* udp_queues collector: node_udp_queues{ip,queue}, bytes queued in UDP sockets, summed over the
 * sockets of /proc/net/udp (v4) and /proc/net/udp6 (v6). A missing file (IPv6 disabled) skips
 * that family member; both missing is node_exporter's ErrNoData (-ENODATA). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "udp_queues.h"
#include "procparse.h"

int udp_queues__parse(char *buf, struct udp_queues *out)
{
	char *cur = buf, *line = pp_next_line(&cur), *f[16];

	memset(out, 0, sizeof(*out));
	/* "  sl  local_address rem_address   st tx_queue rx_queue tr ..." */
	if (!line || pp_split(line, f, 16) < 2 || strcmp(f[0], "sl") != 0)
		return -EINVAL;
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		uint64_t tx, rx;
		char *colon;
		size_t l0;
		int n = pp_split(line, f, 16);

		if (n == 0)
			continue;
		if (n == -E2BIG)
			n = 16;
		l0 = strlen(f[0]);
		if (n < 10 || l0 < 2 || f[0][l0 - 1] != ':' || !strchr(f[1], ':') ||
		    !strchr(f[2], ':'))
			return -EINVAL;
		colon = strchr(f[4], ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		if (parse__hex_u64(f[4], &tx) || parse__hex_u64(colon + 1, &rx))
			return -EINVAL;
		if (out->tx + tx < out->tx || out->rx + rx < out->rx)
			return -EINVAL;
		out->tx += tx;
		out->rx += rx;
	}
	return 0;
}

static int read_udp(const char *rel, struct udp_queues *q)
{
	char *buf = NULL;
	/* Lines are 128 bytes (udp, padded) or under 256 (udp6: four 32-digit addresses and
	 * a dozen numbers); 1024 leaves a wide margin. */
	int err = fs__read_rel_records(fs__procfs(), rel, 64u << 20, 1024, &buf, NULL);

	if (err)
		return err;
	err = udp_queues__parse(buf, q);
	free(buf);
	return err;
}

static void emit(struct expo_writer *w, const char *ip, const struct udp_queues *q)
{
	struct expo_label tx[2] = { { "ip", ip }, { "queue", "tx" } };
	struct expo_label rx[2] = { { "ip", ip }, { "queue", "rx" } };

	expo__sample(w, "node_udp_queues", rx, 2, (double)q->rx);
	expo__sample(w, "node_udp_queues", tx, 2, (double)q->tx);
}

static int udp_queues_collect(struct expo_writer *w)
{
	struct udp_queues q4, q6;
	int e4, e6;

	e4 = read_udp("net/udp", &q4);
	if (e4 && e4 != -ENOENT)
		return e4;
	e6 = read_udp("net/udp6", &q6);
	if (e6 && e6 != -ENOENT)
		return e6;
	if (e4 && e6) {
		log_debug("neither net/udp nor net/udp6 exist");
		return -ENODATA;
	}
	expo__family(w, "node_udp_queues",
		     "Number of allocated memory in the kernel for UDP datagrams in bytes.",
		     EXPO_GAUGE);
	if (!e4)
		emit(w, "v4", &q4);
	if (!e6)
		emit(w, "v6", &q6);
	return 0;
}

static struct collector udp_queues_collector = {
	.name = "udp_queues",
	.default_enabled = true,
	.collect = udp_queues_collect,
};
NP_COLLECTOR(udp_queues_collector);
