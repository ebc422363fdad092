/* netclass collector: node_exporter 1.5's node_network_{info,up,mtu_bytes,speed_bytes,carrier,...}
 * from the attribute files of each <sysfs>/class/net/<iface>, with its ignored-devices flag. */
#include "netclass.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "sysutil.h"

static const char *opt_ignored = "^$";
static bool opt_ignore_invalid_speed;
NP_FLAG_STRING("collector.netclass.ignored-devices", &opt_ignored,
	       "Regexp of net devices to ignore for netclass collector.");
NP_FLAG_BOOL("collector.netclass.ignore-invalid-speed", &opt_ignore_invalid_speed,
	     "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.");

static regex_t ignored_re;

const char *const netclass_attr[NC_NUM_MAX] = {
	[NC_ADDR_ASSIGN_TYPE] = "addr_assign_type",
	[NC_CARRIER] = "carrier",
	[NC_CARRIER_CHANGES] = "carrier_changes",
	[NC_CARRIER_DOWN] = "carrier_down_count",
	[NC_CARRIER_UP] = "carrier_up_count",
	[NC_DEV_ID] = "dev_id",
	[NC_DORMANT] = "dormant",
	[NC_FLAGS] = "flags",
	[NC_IFINDEX] = "ifindex",
	[NC_IFLINK] = "iflink",
	[NC_LINK_MODE] = "link_mode",
	[NC_MTU] = "mtu",
	[NC_NAME_ASSIGN_TYPE] = "name_assign_type",
	[NC_NETDEV_GROUP] = "netdev_group",
	[NC_TYPE] = "type",
	[NC_SPEED] = "speed",
	[NC_TX_QUEUE_LEN] = "tx_queue_len",
};

/* Metric name suffix and type, in the sorted order node_exporter's output has. */
static const struct {
	enum netclass_num f;
	const char *suffix;
	enum expo_type type;
} metrics[] = {
	{ NC_ADDR_ASSIGN_TYPE, "address_assign_type", EXPO_GAUGE },
	{ NC_CARRIER, "carrier", EXPO_GAUGE },
	{ NC_CARRIER_CHANGES, "carrier_changes_total", EXPO_COUNTER },
	{ NC_CARRIER_DOWN, "carrier_down_changes_total", EXPO_COUNTER },
	{ NC_CARRIER_UP, "carrier_up_changes_total", EXPO_COUNTER },
	{ NC_DEV_ID, "device_id", EXPO_GAUGE },
	{ NC_DORMANT, "dormant", EXPO_GAUGE },
	{ NC_FLAGS, "flags", EXPO_GAUGE },
	{ NC_IFINDEX, "iface_id", EXPO_GAUGE },
	{ NC_IFLINK, "iface_link", EXPO_GAUGE },
	{ NC_LINK_MODE, "iface_link_mode", EXPO_GAUGE },
	{ NC_MTU, "mtu_bytes", EXPO_GAUGE },
	{ NC_NAME_ASSIGN_TYPE, "name_assign_type", EXPO_GAUGE },
	{ NC_NETDEV_GROUP, "net_dev_group", EXPO_GAUGE },
	{ NC_TYPE, "protocol_type", EXPO_GAUGE },
	{ NC_SPEED, "speed_bytes", EXPO_GAUGE },
	{ NC_TX_QUEUE_LEN, "transmit_queue_length", EXPO_GAUGE },
};

int netclass__parse_num(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || *end != '\0' || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Read one attribute relative to the interface directory (saves the path walk per file). */
static int read_at(int dfd, const char *attr, char *buf, size_t cap)
{
	ssize_t r;
	int fd = openat(dfd, attr, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	r = read(fd, buf, cap - 1);
	if (r < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

/* Attributes fixed for the life of a device (its ifindex): read once, not every scrape. Each
 * sysfs read costs 20-40 us on a loaded VM and a Kubernetes node has one veth per pod. */
static const enum netclass_num stable_attrs[] = { NC_ADDR_ASSIGN_TYPE, NC_DEV_ID, NC_IFLINK,
						  NC_NAME_ASSIGN_TYPE, NC_TYPE };
#define NETCLASS_CACHE_SLOTS 1024

struct stable_entry {
	char *dir;
	long long ifindex;
	bool have[sizeof(stable_attrs) / sizeof(stable_attrs[0])];
	long long num[sizeof(stable_attrs) / sizeof(stable_attrs[0])];
	char broadcast[128];
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stable_entry cache[NETCLASS_CACHE_SLOTS];
static size_t cache_next;

static bool cache_get(const char *dir, long long ifindex, struct netclass_iface *ifc)
{
	bool hit = false;

	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < NETCLASS_CACHE_SLOTS && !hit; i++) {
		struct stable_entry *e = &cache[i];

		if (!e->dir || e->ifindex != ifindex || strcmp(e->dir, dir))
			continue;
		for (size_t k = 0; k < sizeof(stable_attrs) / sizeof(stable_attrs[0]); k++) {
			ifc->have[stable_attrs[k]] = e->have[k];
			ifc->num[stable_attrs[k]] = e->num[k];
		}
		snprintf(ifc->broadcast, sizeof(ifc->broadcast), "%s", e->broadcast);
		hit = true;
	}
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

static void cache_put(const char *dir, long long ifindex, const struct netclass_iface *ifc)
{
	struct stable_entry *e = NULL;
	char *d = strdup(dir);

	if (!d)
		return;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < NETCLASS_CACHE_SLOTS && !e; i++)
		if (cache[i].dir && !strcmp(cache[i].dir, dir))
			e = &cache[i]; /* same directory, new ifindex: replace */
	if (!e) {
		e = &cache[cache_next];
		cache_next = (cache_next + 1) % NETCLASS_CACHE_SLOTS;
	}
	free(e->dir);
	e->dir = d;
	e->ifindex = ifindex;
	for (size_t k = 0; k < sizeof(stable_attrs) / sizeof(stable_attrs[0]); k++) {
		e->have[k] = ifc->have[stable_attrs[k]];
		e->num[k] = ifc->num[stable_attrs[k]];
	}
	snprintf(e->broadcast, sizeof(e->broadcast), "%s", ifc->broadcast);
	pthread_mutex_unlock(&cache_mu);
}

static bool is_stable(int f)
{
	for (size_t k = 0; k < sizeof(stable_attrs) / sizeof(stable_attrs[0]); k++)
		if ((int)stable_attrs[k] == f)
			return true;
	return false;
}

static int read_num(int dfd, const char *name, int f, struct netclass_iface *ifc)
{
	char buf[64];

	/* Attributes a driver does not support fail to read (EINVAL, EOPNOTSUPP...): absent, as
	 * procfs skips them. */
	if (read_at(dfd, netclass_attr[f], buf, sizeof(buf)))
		return 0;
	if (netclass__parse_num(buf, &ifc->num[f])) {
		log_warn("collector=netclass %s/%s: malformed value", name, netclass_attr[f]);
		return -EINVAL;
	}
	ifc->have[f] = true;
	return 0;
}

int netclass__read_iface(const char *dir, const char *name, struct netclass_iface *ifc)
{
	bool cached;
	int dfd, err;

	memset(ifc, 0, sizeof(*ifc));
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	err = read_num(dfd, name, NC_IFINDEX, ifc);
	if (err)
		goto cleanup;
	cached = ifc->have[NC_IFINDEX] && cache_get(dir, ifc->num[NC_IFINDEX], ifc);
	read_at(dfd, "address", ifc->address, sizeof(ifc->address));
	if (!cached)
		read_at(dfd, "broadcast", ifc->broadcast, sizeof(ifc->broadcast));
	read_at(dfd, "duplex", ifc->duplex, sizeof(ifc->duplex));
	read_at(dfd, "ifalias", ifc->ifalias, sizeof(ifc->ifalias));
	read_at(dfd, "operstate", ifc->operstate, sizeof(ifc->operstate));
	for (int f = 0; f < NC_NUM_MAX && !err; f++) {
		if (f == NC_IFINDEX || (cached && is_stable(f)))
			continue;
		err = read_num(dfd, name, f, ifc);
	}
	if (!err && !cached && ifc->have[NC_IFINDEX])
		cache_put(dir, ifc->num[NC_IFINDEX], ifc);
cleanup:
	close(dfd);
	return err;
}

static int netclass_init(void)
{
	if (sysutil__regex_compile(&ignored_re, opt_ignored)) {
		log_error("collector=netclass invalid ignored-devices %s", opt_ignored);
		return -EINVAL;
	}
	return 0;
}

static void netclass_fini(void)
{
	regfree(&ignored_re);
}

static int netclass_collect(struct expo_writer *w)
{
	struct netclass_iface *ifs = NULL;
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0, ni = 0;
	int err;

	err = fs__join(base, sizeof(base), fs__sysfs(), "class/net");
	if (err)
		return err;
	err = sysutil__list_dir(base, NULL, &names, &n);
	if (err) {
		log_warn("collector=netclass listing %s: %s", base, strerror(-err));
		return err;
	}
	ifs = calloc(n ? n : 1, sizeof(*ifs));
	if (!ifs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];

		if (sysutil__regex_match(&ignored_re, names[i]))
			continue;
		if (fs__join(dir, sizeof(dir), base, names[i]))
			continue;
		err = netclass__read_iface(dir, names[i], &ifs[ni]);
		if (err == -ENOTDIR || err == -ENOENT) {
			/* bonding_masters is a regular file next to the interface links; an
			 * interface may vanish between listing and reading. */
			err = 0;
			continue;
		}
		if (err)
			goto cleanup;
		ni++;
	}
	if (!ni)
		goto cleanup;

	for (size_t k = 0; k < sizeof(metrics) / sizeof(metrics[0]); k++) {
		char name[96], help[128];
		bool any = false;

		snprintf(name, sizeof(name), "node_network_%s", metrics[k].suffix);
		snprintf(help, sizeof(help), "Network device property: %s", metrics[k].suffix);
		for (size_t i = 0; i < ni; i++) {
			struct expo_label l = { "device", ifs[i].name };
			long long v = ifs[i].num[metrics[k].f];
			double dv = (double)v;

			if (!ifs[i].have[metrics[k].f])
				continue;
			if (metrics[k].f == NC_SPEED) {
				/* Some drivers report -1 for an unknown speed. */
				if (v < 0 && opt_ignore_invalid_speed)
					continue;
				dv = (double)(long long)(v * 1000 * 1000 / 8);
			}
			if (!any)
				expo__family(w, name, help, metrics[k].type);
			any = true;
			expo__sample(w, name, &l, 1, dv);
		}
	}
	expo__family(w, "node_network_info",
		     "Non-numeric data from /sys/class/net/<iface>, value is always 1.", EXPO_GAUGE);
	for (size_t i = 0; i < ni; i++) {
		struct expo_label l[6] = {
			{ "address", ifs[i].address },	 { "broadcast", ifs[i].broadcast },
			{ "device", ifs[i].name },	 { "duplex", ifs[i].duplex },
			{ "ifalias", ifs[i].ifalias }, { "operstate", ifs[i].operstate },
		};

		expo__sample(w, "node_network_info", l, 6, 1);
	}
	expo__family(w, "node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < ni; i++) {
		struct expo_label l = { "device", ifs[i].name };

		expo__sample(w, "node_network_up", &l, 1, !strcmp(ifs[i].operstate, "up"));
	}
cleanup:
	free(ifs);
	sysutil__free_list(names, n);
	return err;
}

static struct collector netclass_collector = {
	.name = "netclass",
	.default_enabled = true,
	.init = netclass_init,
	.collect = netclass_collect,
	.fini = netclass_fini,
};
NP_COLLECTOR(netclass_collector);
