/* netdev collector: node_network_{receive,transmit}_*_total{device} from /proc/net/dev.
 * node_exporter 1.5 reads the same counters over rtnetlink and folds them into the
 * /proc/net/dev columns (its "legacy" names), so the values are identical; the one counter
 * /proc/net/dev lacks, rx_nohandler, is read from sysfs. Devices are filtered with
 * --collector.netdev.device-exclude / device-include (POSIX extended regexes, unanchored match
 * as in Go). */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "proc_parsers.h"

const char *const netdev_field_names[NETDEV_NFIELDS] = {
	"receive_bytes",  "receive_packets",  "receive_errs",  "receive_drop",
	"receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
	"transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop",
	"transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed",
};

static const char *opt_exclude = "";
static const char *opt_include = "";
NP_FLAG_STRING("collector.netdev.device-exclude", &opt_exclude,
	       "Regexp of net devices to exclude (mutually exclusive to device-include).");
NP_FLAG_STRING("collector.netdev.device-include", &opt_include,
	       "Regexp of net devices to include (mutually exclusive to device-exclude).");

static regex_t re_filter;
static bool have_filter, filter_is_include;

void netdev__free(struct netdev_stats *s)
{
	free(s->dev);
	s->dev = NULL;
	s->n = 0;
}

int netdev__parse(char *buf, struct netdev_stats *out)
{
	char *cur = buf, *line;
	size_t cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while ((line = pp_next_line(&cur))) {
		char *colon = strchr(line, ':'), *f[NETDEV_NFIELDS + 1], *name = line;
		struct netdev_line *d;
		size_t nl;
		int n;

		if (!colon) {
			/* The two header lines ("Inter-|   Receive ...", " face |bytes ...") */
			if (strchr(line, '|'))
				continue;
			if (pp_split(line, f, 1) == 0)
				continue;
			err = -EINVAL;
			goto cleanup;
		}
		*colon = '\0';
		while (*name == ' ' || *name == '\t')
			name++;
		nl = strlen(name);
		if (nl == 0 || nl >= sizeof(d->name) || strpbrk(name, " \t")) {
			err = -EINVAL;
			goto cleanup;
		}
		n = pp_split(colon + 1, f, NETDEV_NFIELDS + 1);
		if (n != NETDEV_NFIELDS) {
			err = -EINVAL;
			goto cleanup;
		}
		for (size_t i = 0; i < out->n; i++) {
			if (strcmp(out->dev[i].name, name) == 0) {
				err = -EINVAL;
				goto cleanup;
			}
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct netdev_line *nd = realloc(out->dev, ncap * sizeof(*nd));

			if (!nd) {
				err = -ENOMEM;
				goto cleanup;
			}
			out->dev = nd;
			cap = ncap;
		}
		d = &out->dev[out->n];
		memcpy(d->name, name, nl + 1);
		for (int i = 0; i < NETDEV_NFIELDS; i++) {
			if (pp_u64(f[i], &d->v[i])) {
				err = -EINVAL;
				goto cleanup;
			}
		}
		out->n++;
	}
cleanup:
	if (err)
		netdev__free(out);
	return err;
}

static bool netdev_ignored(const char *name)
{
	bool match;

	if (!have_filter)
		return false;
	match = regexec(&re_filter, name, 0, NULL, 0) == 0;
	return filter_is_include ? !match : match;
}

static int netdev_init(void)
{
	const char *pat = NULL;
	int rc;

	if (*opt_exclude && *opt_include) {
		log_error("netdev: device-exclude & device-include are mutually exclusive");
		return -EINVAL;
	}
	if (*opt_exclude)
		pat = opt_exclude;
	else if (*opt_include)
		pat = opt_include;
	if (!pat)
		return 0;
	rc = regcomp(&re_filter, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, &re_filter, msg, sizeof(msg));
		log_error("netdev: invalid device filter regexp=%s err=%s", pat, msg);
		return -EINVAL;
	}
	have_filter = true;
	filter_is_include = !*opt_exclude;
	return 0;
}

static void netdev_fini(void)
{
	if (have_filter)
		regfree(&re_filter);
	have_filter = false;
}

static int read_nohandler(const char *dev, uint64_t *v)
{
	char rel[128], path[4096], line[32];
	int err;

	snprintf(rel, sizeof(rel), "class/net/%s/statistics/rx_nohandler", dev);
	err = fs__join(path, sizeof(path), fs__sysfs(), rel);
	if (!err)
		err = fs__read_line(path, line, sizeof(line));
	if (!err)
		err = pp_u64(line, v);
	return err;
}

static int netdev_collect(struct expo_writer *w)
{
	struct netdev_stats s;
	char *buf = NULL;
	bool *keep = NULL, any = false;
	uint64_t *noh = NULL;
	bool *have_noh = NULL;
	int err;

	err = fs__read_rel(fs__procfs(), "net/dev", 16u << 20, &buf, NULL);
	if (err)
		return err;
	err = netdev__parse(buf, &s);
	free(buf);
	if (err)
		return err;
	keep = calloc(s.n + 1, sizeof(*keep));
	have_noh = calloc(s.n + 1, sizeof(*have_noh));
	noh = calloc(s.n + 1, sizeof(*noh));
	if (!keep || !have_noh || !noh) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < s.n; i++) {
		keep[i] = !netdev_ignored(s.dev[i].name);
		if (keep[i] && read_nohandler(s.dev[i].name, &noh[i]) == 0)
			have_noh[i] = any = true;
	}
	for (int f = 0; f < NETDEV_NFIELDS; f++) {
		char name[80], help[80];
		bool opened = false;

		snprintf(name, sizeof(name), "node_network_%s_total", netdev_field_names[f]);
		snprintf(help, sizeof(help), "Network device statistic %s.", netdev_field_names[f]);
		for (size_t i = 0; i < s.n; i++) {
			struct expo_label l = { "device", s.dev[i].name };

			if (!keep[i])
				continue;
			if (!opened)
				expo__family(w, name, help, EXPO_COUNTER);
			opened = true;
			expo__sample(w, name, &l, 1, (double)s.dev[i].v[f]);
		}
	}
	if (any) {
		static const char nm[] = "node_network_receive_nohandler_total";

		expo__family(w, nm, "Network device statistic receive_nohandler.", EXPO_COUNTER);
		for (size_t i = 0; i < s.n; i++) {
			struct expo_label l = { "device", s.dev[i].name };

			if (have_noh[i])
				expo__sample(w, nm, &l, 1, (double)noh[i]);
		}
	}
cleanup:
	free(keep);
	free(have_noh);
	free(noh);
	netdev__free(&s);
	return err;
}

static struct collector netdev_collector = {
	.name = "netdev",
	.default_enabled = true,
	.init = netdev_init,
	.collect = netdev_collect,
	.fini = netdev_fini,
};
NP_COLLECTOR(netdev_collector);
