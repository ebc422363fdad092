// SPDX-License-Identifier: Apache-2.0
/* conntrack collector: node_nf_conntrack_entries{,_limit} from /proc/sys/net/netfilter and the
 * per-CPU statistics of /proc/net/stat/nf_conntrack summed over CPUs (node_nf_conntrack_stat_*).
 * Without nf_conntrack loaded the sysctl files are missing: -ENODATA (node_exporter's ErrNoData).
 * Kernels built without CONFIG_NF_CONNTRACK_PROCFS lack only the statistics file; the two
 * table gauges are still exported then. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "conntrack.h"
#include "procparse.h"

/* Header names a row of hex per CPU; columns are positional as in procfs (16 or 17 columns;
 * search_restart arrived in 2.6.35). Column 1 was "searched" and is "clashres" today. */
int conntrack__parse_stat(char *buf, struct conntrack_stat *out)
{
	char *cur = buf, *line = pp_next_line(&cur), *f[18];
	int rows = 0;

	memset(out, 0, sizeof(*out));
	if (!line || pp_split(line, f, 18) < 16 || strcmp(f[0], "entries") != 0)
		return -EINVAL;
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		uint64_t v[17] = { 0 };
		int n = pp_split(line, f, 18);

		if (n == 0)
			continue;
		if (n < 16 || n > 17)
			return -EINVAL;
		for (int i = 0; i < n; i++)
			if (parse__hex_u64(f[i], &v[i]))
				return -EINVAL;
		out->found += v[2];
		out->invalid += v[4];
		out->ignore += v[5];
		out->insert += v[8];
		out->insert_failed += v[9];
		out->drop += v[10];
		out->early_drop += v[11];
		out->search_restart += v[16];
		rows++;
	}
	return rows ? 0 : -EINVAL;
}

static int conntrack_collect(struct expo_writer *w)
{
	struct conntrack_stat st;
	uint64_t count, max;
	char *buf = NULL;
	int err;

	err = pp_read_single_u64(fs__procfs(), "sys/net/netfilter/nf_conntrack_count", &count);
	if (!err)
		err = pp_read_single_u64(fs__procfs(), "sys/net/netfilter/nf_conntrack_max", &max);
	if (err == -ENOENT) {
		log_debug("probably missing");
		return -ENODATA;
	}
	if (err)
		return err;
	err = fs__read_rel_records(fs__procfs(), "net/stat/nf_conntrack", PP_MAX_FILE, 1024, &buf,
				   NULL);
	if (!err) {
		err = conntrack__parse_stat(buf, &st);
		free(buf);
		if (err)
			return err;
	} else if (err != -ENOENT) {
		return err;
	}

	pp_emit(w, "node_nf_conntrack_entries",
		"Number of currently allocated flow entries for connection tracking.", EXPO_GAUGE,
		(double)count);
	pp_emit(w, "node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
		EXPO_GAUGE, (double)max);
	if (err == -ENOENT) {
		log_debug("net/stat/nf_conntrack missing, no statistics");
		return 0;
	}
	pp_emit(w, "node_nf_conntrack_stat_found",
		"Number of searched entries which were successful.", EXPO_GAUGE, (double)st.found);
	pp_emit(w, "node_nf_conntrack_stat_invalid",
		"Number of packets seen which can not be tracked.", EXPO_GAUGE, (double)st.invalid);
	pp_emit(w, "node_nf_conntrack_stat_ignore",
		"Number of packets seen which are already connected to a conntrack entry.",
		EXPO_GAUGE, (double)st.ignore);
	pp_emit(w, "node_nf_conntrack_stat_insert", "Number of entries inserted into the list.",
		EXPO_GAUGE, (double)st.insert);
	pp_emit(w, "node_nf_conntrack_stat_insert_failed",
		"Number of entries for which list insertion was attempted but failed.", EXPO_GAUGE,
		(double)st.insert_failed);
	pp_emit(w, "node_nf_conntrack_stat_drop",
		"Number of packets dropped due to conntrack failure.", EXPO_GAUGE, (double)st.drop);
	pp_emit(w, "node_nf_conntrack_stat_early_drop",
		"Number of dropped conntrack entries to make room for new ones, if maximum table "
		"size was reached.",
		EXPO_GAUGE, (double)st.early_drop);
	pp_emit(w, "node_nf_conntrack_stat_search_restart",
		"Number of conntrack table lookups which had to be restarted due to hashtable "
		"resizes.",
		EXPO_GAUGE, (double)st.search_restart);
	return 0;
}

static struct collector conntrack_collector = {
	.name = "conntrack",
	.default_enabled = true,
	.collect = conntrack_collect,
};
NP_COLLECTOR(conntrack_collector);
