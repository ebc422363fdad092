// SPDX-License-Identifier: Apache-2.0
/* netclass collector: node_exporter 1.5's node_network_{info,up,mtu_bytes,speed_bytes,carrier,...}
 * from the attribute files of each <sysfs>/class/net/<iface>, with its ignored-devices flag. On
 * the live sysfs, what an rtnetlink link dump carries comes from one dump instead (same values). */
#include "netclass.h"

#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "pattern.h"
#include "rtnl.h"
#include "sysutil.h"

static const char *opt_ignored = "^$";
static bool opt_ignore_invalid_speed;
NP_FLAG_STRING("collector.netclass.ignored-devices", &opt_ignored,
	       "Regexp of net devices to ignore for netclass collector.");
NP_FLAG_BOOL(
    "collector.netclass.ignore-invalid-speed", &opt_ignore_invalid_speed,
    "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.");

static struct pattern *ignored_re;

#define SYSFS_MAGIC_ 0x62656572

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

/* Kept attribute descriptors of the interfaces of a live sysfs.
 *
 * netclass reads ~20 attribute files per interface per scrape; on sysfs an open+close costs
 * 3-6 us and a pread from offset 0 well under 1 us (sysfs calls show() again on every read at
 * 0). An interface's descriptors are keyed by its name and the inode number readdir gives for
 * its /sys/class/net/<name> link: the link follows a renamed device, and a new device with the
 * old name gets a new node, so a descriptor never reads another device than the one listed. A
 * deleted device fails the read with ENODEV, like an interface vanishing between listing and
 * reading. Fixture trees (not sysfs) are read the old way. */
#define NC_STR_ADDRESS NC_NUM_MAX
#define NC_STR_BROADCAST (NC_NUM_MAX + 1)
#define NC_STR_DUPLEX (NC_NUM_MAX + 2)
#define NC_STR_IFALIAS (NC_NUM_MAX + 3)
#define NC_STR_OPERSTATE (NC_NUM_MAX + 4)
#define NC_NFILES (NC_NUM_MAX + 5)
#define NC_FD_BUDGET 512 /* descriptors kept over all interfaces; the rest are opened per read */
#define NC_FD_UNOPENED -1
#define NC_FD_ABSENT -2 /* the attribute file does not exist for this device */

struct iface_fds {
	char *name;
	unsigned long long ino;
	int dfd; /* only while reading; -1 otherwise */
	int fd[NC_NFILES];
	bool listed;
	bool have_ifindex; /* a device keeps its ifindex for as long as it keeps its node */
	long long ifindex;
};

static const char *const str_attr[] = { "address", "broadcast", "duplex", "ifalias", "operstate" };

static pthread_mutex_t fds_mu = PTHREAD_MUTEX_INITIALIZER; /* held for a whole collect */
static struct iface_fds *fds_tab;
static size_t fds_n, fds_cap, fds_kept;

static const char *file_name(int f)
{
	return f < NC_NUM_MAX ? netclass_attr[f] : str_attr[f - NC_NUM_MAX];
}

static void iface_fds_close(struct iface_fds *e)
{
	e->have_ifindex = false;
	for (int f = 0; f < NC_NFILES; f++) {
		if (e->fd[f] >= 0) {
			close(e->fd[f]);
			fds_kept--;
		}
		e->fd[f] = NC_FD_UNOPENED;
	}
}

static ssize_t read_trim(int fd, char *buf, size_t cap, bool at0)
{
	ssize_t r = at0 ? pread(fd, buf, cap - 1, 0) : read(fd, buf, cap - 1);

	if (r < 0)
		return -errno;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

/* Read attribute f of the interface whose directory is dfd (e == NULL) or of the kept
 * interface e (the directory is opened only if an attribute must be opened). */
static int read_file(int dfd, struct iface_fds *e, const char *dir, int f, char *buf, size_t cap)
{
	ssize_t err;
	int fd;

	buf[0] = '\0';
	if (e && e->fd[f] >= 0)
		return (int)read_trim(e->fd[f], buf, cap, true);
	if (e && e->fd[f] == NC_FD_ABSENT)
		return -ENOENT;
	if (e && e->dfd < 0) {
		e->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (e->dfd < 0)
			return -errno;
	}
	fd = openat(e ? e->dfd : dfd, file_name(f), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (e && err == -ENOENT)
			e->fd[f] = NC_FD_ABSENT;
		return (int)err;
	}
	err = read_trim(fd, buf, cap, false);
	if (e && fds_kept < NC_FD_BUDGET) {
		e->fd[f] = fd;
		fds_kept++;
	} else {
		close(fd);
	}
	return (int)err;
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
	int64_t num[sizeof(stable_attrs) / sizeof(stable_attrs[0])];
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

/* What one RTM_GETLINK message carries of the attributes netclass reads, in sysfs's terms.
 *
 * A sysfs attribute costs an open, a read and a close (or a kept descriptor, each holding a page
 * of kernel memory), and a node with a veth per pod has thousands of them; one link dump
 * carries most of them for every interface. The kernel derives both from the same fields:
 * address and broadcast are the addr_len bytes sysfs prints as "%*phC", IFLA_IFALIAS is absent
 * where sysfs prints nothing, IFLA_LINK is absent where iflink equals ifindex, and carrier,
 * dormant and operstate read "not running" alike (IFF_UP in the message's flags). sysfs's flags
 * is dev->flags, which ifi_flags is not (promiscuity and running bits are folded differently);
 * it, speed, duplex and the attributes read once per device still come from sysfs. */
struct nl_link {
	char name[IFNAMSIZ];
	int ifindex;
	unsigned type, ifi_flags;
	bool have[NC_NUM_MAX];
	int64_t num[NC_NUM_MAX];
	char address[128], ifalias[256];
	int operstate;
};

struct nl_links {
	struct nl_link *l;
	size_t n, cap;
};

static const char *const operstates[] = { "unknown", "notpresent", "down", "lowerlayerdown",
					  "testing", "dormant",	   "up" };

static void format_mac(char *out, size_t cap, const unsigned char *a, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && o + 3 < cap; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[a[i] >> 4];
		out[o++] = hex[a[i] & 15];
	}
	out[o] = '\0';
}

static uint32_t rta_u32(const struct rtattr *rta)
{
	uint32_t v = 0;

	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

static int nl_link_msg(const struct nlmsghdr *nh, void *arg)
{
	struct nl_links *t = arg;
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	struct nl_link *l;
	bool running;
	int alen;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EINVAL;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct nl_link *nl = realloc(t->l, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		t->l = nl;
		t->cap = ncap;
	}
	l = &t->l[t->n];
	memset(l, 0, sizeof(*l));
	l->operstate = -1;
	ifi = NLMSG_DATA(nh);
	l->ifindex = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->ifi_flags = ifi->ifi_flags;
	running = ifi->ifi_flags & IFF_UP;
	rta = IFLA_RTA(ifi);
	alen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		size_t pl = RTA_PAYLOAD(rta);
		int f = -1;

		switch (rta->rta_type) {
		case IFLA_IFNAME:
			if (pl == 0 || strnlen(RTA_DATA(rta), pl) >= sizeof(l->name))
				return 0; /* not a name sysfs can list */
			memcpy(l->name, RTA_DATA(rta), strnlen(RTA_DATA(rta), pl));
			break;
		case IFLA_ADDRESS:
			format_mac(l->address, sizeof(l->address), RTA_DATA(rta), pl);
			break;
		case IFLA_IFALIAS: {
			size_t n = strnlen(RTA_DATA(rta), pl);

			if (n >= sizeof(l->ifalias))
				n = sizeof(l->ifalias) - 1;
			memcpy(l->ifalias, RTA_DATA(rta), n);
			/* as read_trim() trims the sysfs text */
			while (n > 0 && (l->ifalias[n - 1] == '\n' || l->ifalias[n - 1] == ' '))
				n--;
			l->ifalias[n] = '\0';
			break;
		}
		case IFLA_OPERSTATE:
			if (pl >= 1)
				l->operstate = *(const unsigned char *)RTA_DATA(rta);
			break;
		case IFLA_LINKMODE:
			if (pl >= 1) {
				l->num[NC_LINK_MODE] = *(const unsigned char *)RTA_DATA(rta);
				l->have[NC_LINK_MODE] = true;
			}
			break;
		case IFLA_CARRIER:
			if (pl >= 1 && running) {
				l->num[NC_CARRIER] = *(const unsigned char *)RTA_DATA(rta) != 0;
				l->have[NC_CARRIER] = true;
			}
			break;
		case IFLA_MTU:
			f = NC_MTU;
			break;
		case IFLA_TXQLEN:
			f = NC_TX_QUEUE_LEN;
			break;
		case IFLA_GROUP:
			f = NC_NETDEV_GROUP;
			break;
		case IFLA_LINK:
			f = NC_IFLINK;
			break;
		case IFLA_CARRIER_CHANGES:
			f = NC_CARRIER_CHANGES;
			break;
		case IFLA_CARRIER_UP_COUNT:
			f = NC_CARRIER_UP;
			break;
		case IFLA_CARRIER_DOWN_COUNT:
			f = NC_CARRIER_DOWN;
			break;
		default:
			break;
		}
		if (f >= 0 && pl >= sizeof(uint32_t)) {
			uint32_t v = rta_u32(rta);

			/* sysfs prints mtu, group, iflink and the carrier counts as int, txqlen
			 * as unsigned long */
			l->num[f] = f == NC_TX_QUEUE_LEN ? (int64_t)v : (int64_t)(int32_t)v;
			l->have[f] = true;
		}
	}
	if (!l->name[0] || l->operstate < 0 ||
	    l->operstate >= (int)(sizeof(operstates) / sizeof(operstates[0])))
		return 0; /* sysfs would fail the read: leave this link to sysfs */
	if (!running)
		l->operstate = IF_OPER_DOWN;
	if (!l->have[NC_IFLINK]) {
		l->num[NC_IFLINK] = l->ifindex;
		l->have[NC_IFLINK] = true;
	}
	if (running) {
		l->num[NC_DORMANT] = (ifi->ifi_flags & IFF_DORMANT) != 0;
		l->have[NC_DORMANT] = true;
	}
	/* Every field sysfs would give must be here, or sysfs answers for the whole link. */
	if (!l->have[NC_MTU] || !l->have[NC_TX_QUEUE_LEN] || !l->have[NC_NETDEV_GROUP] ||
	    !l->have[NC_LINK_MODE] || !l->have[NC_CARRIER_CHANGES] || !l->have[NC_CARRIER_UP] ||
	    !l->have[NC_CARRIER_DOWN] || (running && !l->have[NC_CARRIER]))
		return 0;
	t->n++;
	return 0;
}

static int cmp_nl_link(const void *a, const void *b)
{
	return strcmp(((const struct nl_link *)a)->name, ((const struct nl_link *)b)->name);
}

/* The links of the agent's network namespace, sorted by name; an empty table on any failure
 * (sysfs then answers for every link). */
static void nl_links_dump(struct nl_links *t)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd, err;

	memset(t, 0, sizeof(*t));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	err = rtnl__dump(fd, 1, RTM_GETLINK, AF_UNSPEC, nl_link_msg, t);
	close(fd);
	if (err) {
		/* An interrupted dump may miss links or hold a renamed one twice. */
		free(t->l);
		memset(t, 0, sizeof(*t));
		return;
	}
	if (t->n)
		qsort(t->l, t->n, sizeof(*t->l), cmp_nl_link);
	for (size_t i = 1; i < t->n; i++) {
		if (strcmp(t->l[i - 1].name, t->l[i].name) == 0) {
			t->n = 0; /* a rename raced the dump: do not guess */
			break;
		}
	}
}

static const struct nl_link *nl_links_find(const struct nl_links *t, const char *name)
{
	struct nl_link key;

	if (!t->n || strlen(name) >= sizeof(key.name))
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, t->l, t->n, sizeof(*t->l), cmp_nl_link);
}

/* Fields the link message gives, by where sysfs would have them. */
static const enum netclass_num nl_fields[] = {
	NC_CARRIER, NC_CARRIER_CHANGES, NC_CARRIER_DOWN, NC_CARRIER_UP,	  NC_DORMANT,
	NC_IFLINK,  NC_LINK_MODE,	NC_MTU,		 NC_NETDEV_GROUP, NC_TX_QUEUE_LEN
};

static bool from_nl(int f)
{
	for (size_t k = 0; k < sizeof(nl_fields) / sizeof(nl_fields[0]); k++)
		if ((int)nl_fields[k] == f)
			return true;
	return false;
}

static int read_num(int dfd, struct iface_fds *e, const char *dir, const char *name, int f,
		    struct netclass_iface *ifc)
{
	char buf[64];
	int err;

	/* Attributes a driver does not support fail to read (EINVAL, EOPNOTSUPP...): absent, as
	 * procfs skips them. A kept descriptor of a deleted device: the device is gone. */
	err = read_file(dfd, e, dir, f, buf, sizeof(buf));
	if (err == -ENODEV && e)
		return -ENOENT;
	if (err)
		return 0;
	if (parse__i64_auto(buf, &ifc->num[f])) {
		log_warn("malformed value", "device", name, "file", netclass_attr[f]);
		return -EINVAL;
	}
	ifc->have[f] = true;
	return 0;
}

/* e: kept descriptors of this interface (live sysfs), or NULL. nl: the link message of the
 * agent's own namespace with this name, or NULL; used only when its ifindex is the one sysfs
 * gives for the directory (the same device, not a namesake in another namespace). */
static int read_iface(const char *dir, const char *name, struct netclass_iface *ifc,
		      struct iface_fds *e, const struct nl_link *nl)
{
	bool cached;
	int dfd = -1, err;

	memset(ifc, 0, sizeof(*ifc));
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	if (!e) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -errno;
	}
	if (e && e->have_ifindex) {
		ifc->num[NC_IFINDEX] = e->ifindex;
		ifc->have[NC_IFINDEX] = true;
	} else {
		err = read_num(dfd, e, dir, name, NC_IFINDEX, ifc);
		if (err)
			goto cleanup;
		if (e && ifc->have[NC_IFINDEX]) {
			e->ifindex = ifc->num[NC_IFINDEX];
			e->have_ifindex = true;
		}
	}
	if (nl && (!ifc->have[NC_IFINDEX] || ifc->num[NC_IFINDEX] != nl->ifindex))
		nl = NULL;
	cached = ifc->have[NC_IFINDEX] && cache_get(dir, ifc->num[NC_IFINDEX], ifc);
	if (nl) {
		snprintf(ifc->address, sizeof(ifc->address), "%s", nl->address);
		snprintf(ifc->ifalias, sizeof(ifc->ifalias), "%s", nl->ifalias);
		snprintf(ifc->operstate, sizeof(ifc->operstate), "%s", operstates[nl->operstate]);
		for (size_t k = 0; k < sizeof(nl_fields) / sizeof(nl_fields[0]); k++) {
			ifc->have[nl_fields[k]] = nl->have[nl_fields[k]];
			ifc->num[nl_fields[k]] = nl->num[nl_fields[k]];
		}
	} else {
		read_file(dfd, e, dir, NC_STR_ADDRESS, ifc->address, sizeof(ifc->address));
		read_file(dfd, e, dir, NC_STR_IFALIAS, ifc->ifalias, sizeof(ifc->ifalias));
		read_file(dfd, e, dir, NC_STR_OPERSTATE, ifc->operstate, sizeof(ifc->operstate));
	}
	if (!cached)
		read_file(dfd, e, dir, NC_STR_BROADCAST, ifc->broadcast, sizeof(ifc->broadcast));
	read_file(dfd, e, dir, NC_STR_DUPLEX, ifc->duplex, sizeof(ifc->duplex));
	for (int f = 0; f < NC_NUM_MAX && !err; f++) {
		if (f == NC_IFINDEX || (cached && is_stable(f)) || (nl && from_nl(f)))
			continue;
		err = read_num(dfd, e, dir, name, f, ifc);
	}
	if (!err && !cached && ifc->have[NC_IFINDEX])
		cache_put(dir, ifc->num[NC_IFINDEX], ifc);
cleanup:
	if (dfd >= 0)
		close(dfd);
	if (e && e->dfd >= 0) {
		close(e->dfd);
		e->dfd = -1;
	}
	return err;
}

int netclass__read_iface(const char *dir, const char *name, struct netclass_iface *ifc)
{
	return read_iface(dir, name, ifc, NULL, NULL);
}

int netclass__read_iface_netlink(const char *dir, const char *name, struct netclass_iface *ifc)
{
	struct nl_links t;
	const struct nl_link *nl;
	int err;

	nl_links_dump(&t);
	nl = nl_links_find(&t, name);
	err = nl ? read_iface(dir, name, ifc, NULL, nl) : -ENOENT;
	free(t.l);
	return err;
}

struct listed {
	char *name;
	unsigned long long ino;
};

static int cmp_listed(const void *a, const void *b)
{
	return strverscmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

/* <sysfs>/class/net, sorted as sysutil__list_dir sorts, with inode numbers; *live: it is sysfs. */
static int list_ifaces(const char *base, struct listed **out, size_t *n, bool *live)
{
	struct listed *l = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	struct statfs sf;
	int err = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir(base);
	if (!d)
		return -errno;
	*live = !fstatfs(dirfd(d), &sf) && sf.f_type == SYSFS_MAGIC_;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == SYSUTIL_MAX_ENTRIES) {
			err = -E2BIG;
			break;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct listed *nl = realloc(l, ncap * sizeof(*nl));

			if (!nl) {
				err = -ENOMEM;
				break;
			}
			l = nl;
			cap = ncap;
		}
		l[cnt].name = strdup(de->d_name);
		if (!l[cnt].name) {
			err = -ENOMEM;
			break;
		}
		l[cnt++].ino = de->d_ino;
	}
	closedir(d);
	if (err) {
		for (size_t i = 0; i < cnt; i++)
			free(l[i].name);
		free(l);
		return err;
	}
	if (cnt)
		qsort(l, cnt, sizeof(*l), cmp_listed);
	*out = l;
	*n = cnt;
	return 0;
}

/* Caller holds fds_mu. The kept entry of (name, ino), created if needed; NULL without memory. */
static size_t fds_hint; /* the entry after the last one found: listings come in one order */

static struct iface_fds *fds_get(const char *name, unsigned long long ino)
{
	struct iface_fds *e = NULL;

	if (fds_hint < fds_n && !strcmp(fds_tab[fds_hint].name, name))
		e = &fds_tab[fds_hint];
	for (size_t i = 0; i < fds_n && !e; i++)
		if (!strcmp(fds_tab[i].name, name))
			e = &fds_tab[i];
	if (e && e->ino != ino) {
		iface_fds_close(e); /* another device now has this name */
		e->ino = ino;
	}
	if (!e) {
		char *nm = strdup(name);

		if (!nm)
			return NULL;
		if (fds_n == fds_cap) {
			size_t ncap = fds_cap ? fds_cap * 2 : 16;
			struct iface_fds *nt = realloc(fds_tab, ncap * sizeof(*nt));

			if (!nt) {
				free(nm);
				return NULL;
			}
			fds_tab = nt;
			fds_cap = ncap;
		}
		e = &fds_tab[fds_n++];
		e->name = nm;
		e->ino = ino;
		e->dfd = -1;
		e->have_ifindex = false;
		for (int f = 0; f < NC_NFILES; f++)
			e->fd[f] = NC_FD_UNOPENED;
	}
	e->listed = true;
	fds_hint = (size_t)(e - fds_tab) + 1;
	return e;
}

/* Caller holds fds_mu. Drops the entries of interfaces no longer listed. */
static void fds_sweep(void)
{
	size_t j = 0;

	for (size_t i = 0; i < fds_n; i++) {
		if (!fds_tab[i].listed) {
			iface_fds_close(&fds_tab[i]);
			free(fds_tab[i].name);
			continue;
		}
		fds_tab[i].listed = false;
		fds_tab[j++] = fds_tab[i];
	}
	fds_n = j;
	fds_hint = 0;
}

static int netclass_init(void)
{
	return pattern__compile("collector.netclass.ignored-devices", opt_ignored, PATTERN_SEARCH,
				&ignored_re, NULL, 0);
}

static void netclass_fini(void)
{
	pattern__free(ignored_re);
	ignored_re = NULL;
	pthread_mutex_lock(&fds_mu);
	for (size_t i = 0; i < fds_n; i++) {
		iface_fds_close(&fds_tab[i]);
		free(fds_tab[i].name);
	}
	free(fds_tab);
	fds_tab = NULL;
	fds_n = fds_cap = 0;
	pthread_mutex_unlock(&fds_mu);
}

static int netclass_collect(struct expo_writer *w)
{
	struct netclass_iface *ifs = NULL;
	struct listed *names = NULL;
	struct nl_links nl = { 0 };
	char base[PATH_MAX];
	size_t n = 0, ni = 0;
	bool live = false;
	int err;

	err = fs__join(base, sizeof(base), fs__sysfs(), "class/net");
	if (err)
		return err;
	pthread_mutex_lock(&fds_mu);
	err = list_ifaces(base, &names, &n, &live);
	if (err) {
		log_warn("listing failed", "path", base, "err", LOG_ERR(err));
		goto cleanup;
	}
	ifs = calloc(n ? n : 1, sizeof(*ifs));
	if (!ifs) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* A fixture tree is not the agent's namespace; a live sysfs usually is (each link is
	 * checked by ifindex all the same). */
	if (live)
		nl_links_dump(&nl);
	for (size_t i = 0; i < n; i++) {
		struct iface_fds *e = NULL;
		char dir[PATH_MAX];

		if (pattern__match(ignored_re, names[i].name))
			continue;
		if (fs__join(dir, sizeof(dir), base, names[i].name))
			continue;
		if (live)
			e = fds_get(names[i].name, names[i].ino);
		err =
		    read_iface(dir, names[i].name, &ifs[ni], e, nl_links_find(&nl, names[i].name));
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
		     "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
		     EXPO_GAUGE);
	for (size_t i = 0; i < ni; i++) {
		struct expo_label l[6] = {
			{ "address", ifs[i].address }, { "broadcast", ifs[i].broadcast },
			{ "device", ifs[i].name },     { "duplex", ifs[i].duplex },
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
	if (live)
		fds_sweep();
	pthread_mutex_unlock(&fds_mu);
	free(nl.l);
	free(ifs);
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
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
