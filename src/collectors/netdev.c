// SPDX-License-Identifier: Apache-2.0
/* netdev collector: node_network_{receive,transmit}_*_total{device} from /proc/net/dev.
 * node_exporter 1.5 reads the same counters over rtnetlink by default and folds them into the
 * /proc/net/dev columns (its "legacy" names), so the values are identical; the one counter
 * /proc/net/dev lacks, rx_nohandler, comes from one RTM_GETLINK dump of the agent's network
 * namespace (the one /proc/net/dev describes), matched by device name. --no-collector.netdev.
 * netlink leaves it out, as node_exporter does with that flag. (Reading it from sysfs instead
 * costs ~8 us per device; a node with 200 veths would spend 1.7 ms per scrape on it.)
 * Devices are filtered with --collector.netdev.device-exclude / device-include (RE2 syntax on
 * PCRE2, unanchored match as in Go). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "netdev.h"
#include "pattern.h"
#include "procparse.h"
#include "rtnl.h"
#include "sysutil.h"

const char *const netdev_field_names[NETDEV_NFIELDS] = {
	"receive_bytes",  "receive_packets",  "receive_errs",	    "receive_drop",
	"receive_fifo",	  "receive_frame",    "receive_compressed", "receive_multicast",
	"transmit_bytes", "transmit_packets", "transmit_errs",	    "transmit_drop",
	"transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed",
};

static const char *opt_exclude = "";
static const char *opt_include = "";
NP_FLAG_STRING("collector.netdev.device-exclude", &opt_exclude,
	       "Regexp of net devices to exclude (mutually exclusive to device-include).");
NP_FLAG_STRING("collector.netdev.device-include", &opt_include,
	       "Regexp of net devices to include (mutually exclusive to device-exclude).");

static bool opt_netlink = true;
NP_FLAG_BOOL("collector.netdev.netlink", &opt_netlink,
	     "Use netlink to gather stats instead of /proc/net/dev (nodepath: adds rx_nohandler, "
	     "which /proc/net/dev lacks).");

static bool opt_address_info;
NP_FLAG_BOOL("collector.netdev.address-info", &opt_address_info,
	     "Collect address-info for every device");

static struct pattern *re_filter;
static bool filter_is_include;

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
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
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
		memset(d, 0, sizeof(*d));
		memcpy(d->name, name, nl + 1);
		for (int i = 0; i < NETDEV_NFIELDS; i++) {
			if (parse__u64(f[i], &d->v[i])) {
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

	if (!re_filter)
		return false;
	match = pattern__match(re_filter, name);
	return filter_is_include ? !match : match;
}

static int netdev_init(void)
{
	const char *pat = NULL, *flag = NULL;
	int rc;

	if (*opt_exclude && *opt_include) {
		log_error("device-exclude & device-include are mutually exclusive");
		return -EINVAL;
	}
	if (*opt_exclude) {
		pat = opt_exclude;
		flag = "collector.netdev.device-exclude";
	} else if (*opt_include) {
		pat = opt_include;
		flag = "collector.netdev.device-include";
	}
	if (!pat)
		return 0;
	rc = pattern__compile(flag, pat, PATTERN_SEARCH, &re_filter, NULL, 0);
	if (rc)
		return rc;
	filter_is_include = !*opt_exclude;
	return 0;
}

static void netdev_fini(void)
{
	pattern__free(re_filter);
	re_filter = NULL;
}

int netdev__rtnl_link(const struct nlmsghdr *nh, void *arg)
{
	struct netdev_stats *s = arg;
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	const char *name = NULL;
	size_t nlen = 0;
	uint64_t noh = 0;
	bool have = false;
	int alen;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EINVAL;
	ifi = NLMSG_DATA(nh);
	rta = IFLA_RTA(ifi);
	alen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		size_t pl = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFLA_IFNAME && pl > 0) {
			name = RTA_DATA(rta);
			nlen = strnlen(name, pl);
		} else if (rta->rta_type == IFLA_STATS64 &&
			   pl >= offsetof(struct rtnl_link_stats64, rx_nohandler) +
				     sizeof(uint64_t)) {
			/* RTA_DATA is only 4-byte aligned */
			memcpy(&noh,
			       (const char *)RTA_DATA(rta) +
				   offsetof(struct rtnl_link_stats64, rx_nohandler),
			       sizeof(noh));
			have = true;
		}
	}
	if (!name || !have)
		return 0;
	/* /proc/net/dev and the dump list devices in the same order nearly always: try where the
	 * last match left off before searching all (a thousand veths made this quadratic). */
	for (size_t k = 0; k < s->n; k++) {
		size_t i = (s->next + k) % s->n;

		if (strlen(s->dev[i].name) == nlen && memcmp(s->dev[i].name, name, nlen) == 0) {
			s->dev[i].have_nohandler = true;
			s->dev[i].nohandler = noh;
			s->next = i + 1;
			break;
		}
	}
	return 0;
}

/* One RTM_GETLINK dump of the current network namespace. */
static int read_nohandler(struct netdev_stats *s)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* A scrape must not hang on a kernel that never answers. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	err = rtnl__dump(fd, 1, RTM_GETLINK, AF_UNSPEC, netdev__rtnl_link, s);
	/* Interrupted by a link change: the counters it did report are still right. */
	if (err == -EAGAIN)
		err = 0;
	close(fd);
	return err;
}

const char *netdev__addr_scope(int family, const void *addr)
{
	if (family == AF_INET) {
		const unsigned char *a = addr;

		/* loopback 127/8 and link-local 169.254/16, as Go's IsLoopback/IsLinkLocalUnicast */
		if (a[0] == 127 || (a[0] == 169 && a[1] == 254))
			return "link-local";
		if (a[0] == 0 || a[0] >= 224) /* unspecified, multicast, broadcast */
			return "";
		return "global";
	}
	if (family == AF_INET6) {
		const struct in6_addr *a = addr;

		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a))
			return "link-local";
		if (IN6_IS_ADDR_MC_NODELOCAL(a))
			return "interface-local";
		if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a))
			return "";
		return "global";
	}
	return "";
}

int netdev__prefix_len(const unsigned char *mask, size_t len)
{
	int bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += __builtin_popcount(mask[i]);
	return bits;
}

/* node_network_address_info{address,device,netmask,scope}: every interface address, not
 * filtered by device-include/exclude (as node_exporter 1.5). */
static int emit_address_info(struct expo_writer *w)
{
	static const char name[] = "node_network_address_info";
	struct ifaddrs *ifa_list = NULL;
	bool opened = false;

	if (getifaddrs(&ifa_list) != 0)
		return -errno;
	for (struct ifaddrs *ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
		char addr[INET6_ADDRSTRLEN], mask[16];
		struct expo_label l[4];
		const void *a, *m;
		size_t mlen;
		int fam;

		if (!ifa->ifa_addr || !ifa->ifa_netmask)
			continue;
		fam = ifa->ifa_addr->sa_family;
		if (fam == AF_INET) {
			a = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
			m = &((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
			mlen = 4;
		} else if (fam == AF_INET6) {
			a = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
			m = &((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
			mlen = 16;
		} else {
			continue;
		}
		if (!inet_ntop(fam, a, addr, sizeof(addr)))
			continue;
		snprintf(mask, sizeof(mask), "%d", netdev__prefix_len(m, mlen));
		l[0] = (struct expo_label){ "address", addr };
		l[1] = (struct expo_label){ "device", ifa->ifa_name };
		l[2] = (struct expo_label){ "netmask", mask };
		l[3] = (struct expo_label){ "scope", netdev__addr_scope(fam, a) };
		if (!opened)
			expo__family(w, name, "node network address by device", EXPO_GAUGE);
		opened = true;
		expo__sample(w, name, l, 4, 1);
	}
	freeifaddrs(ifa_list);
	return 0;
}

static int netdev_collect(struct expo_writer *w)
{
	struct netdev_stats s;
	char *buf = NULL;
	bool *keep = NULL, any = false;
	int err;

	err = fs__read_rel_records(fs__procfs(), "net/dev", 16u << 20, 1024, &buf, NULL);
	if (err)
		return err;
	err = netdev__parse(buf, &s);
	free(buf);
	if (err)
		return err;
	keep = calloc(s.n + 1, sizeof(*keep));
	if (!keep) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (opt_netlink) {
		err = read_nohandler(&s);
		if (err) {
			log_error("rtnetlink link dump failed", "err", LOG_ERR(err));
			goto cleanup;
		}
	}
	for (size_t i = 0; i < s.n; i++) {
		keep[i] = !netdev_ignored(s.dev[i].name);
		any = any || (keep[i] && s.dev[i].have_nohandler);
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

			if (keep[i] && s.dev[i].have_nohandler)
				expo__sample(w, nm, &l, 1, (double)s.dev[i].nohandler);
		}
	}
	if (opt_address_info)
		err = emit_address_info(w);
cleanup:
	free(keep);
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
