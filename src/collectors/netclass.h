// SPDX-License-Identifier: Apache-2.0
/* netclass collector: /sys/class/net/<iface>/ attributes (node_network_* from sysfs). */
#ifndef NODEPATH_COLLECTORS_NETCLASS_H
#define NODEPATH_COLLECTORS_NETCLASS_H

#include <stdbool.h>
#include <stdint.h>

enum netclass_num {
	NC_ADDR_ASSIGN_TYPE,
	NC_CARRIER,
	NC_CARRIER_CHANGES,
	NC_CARRIER_DOWN,
	NC_CARRIER_UP,
	NC_DEV_ID,
	NC_DORMANT,
	NC_FLAGS,
	NC_IFINDEX,
	NC_IFLINK,
	NC_LINK_MODE,
	NC_MTU,
	NC_NAME_ASSIGN_TYPE,
	NC_NETDEV_GROUP,
	NC_TYPE,
	NC_SPEED,
	NC_TX_QUEUE_LEN,
	NC_NUM_MAX
};

struct netclass_iface {
	char name[64];
	char address[128], broadcast[128], duplex[32], ifalias[256], operstate[32];
	bool have[NC_NUM_MAX];
	int64_t num[NC_NUM_MAX];
};

/* sysfs attribute file name of each numeric field. */
extern const char *const netclass_attr[NC_NUM_MAX];

/* Read every attribute of <dir> (a /sys/class/net/<iface> directory) into *ifc. Unreadable
 * attributes (EINVAL for speed on a down link, ENOENT, EOPNOTSUPP) are absent; a readable but
 * malformed number is -EINVAL. */
int netclass__read_iface(const char *dir, const char *name, struct netclass_iface *ifc);

/* The same, with what an RTM_GETLINK dump of the caller's network namespace carries taken from
 * there (as the collector does on a live sysfs); -ENOENT if the dump has no such link. */
int netclass__read_iface_netlink(const char *dir, const char *name, struct netclass_iface *ifc);

#endif
