// SPDX-License-Identifier: Apache-2.0
/* The link table: which interfaces of this network namespace nodepath hooks and at which layer
 * of the path they sit (node NIC, bridge, overlay, pod veth). Kept current by an rtnetlink watch
 * (RTM_NEWLINK/RTM_DELLINK, default-route changes) plus a periodic full resync; it drives the
 * loader's attach/detach. Readers (scrapes) take a snapshot under the table lock. */
#ifndef NODEPATH_LINKS_H
#define NODEPATH_LINKS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum np_layer { LAYER_NONE = 0, LAYER_NODE, LAYER_BRIDGE, LAYER_OVERLAY, LAYER_POD, LAYER_MAX };

const char *links__layer_name(enum np_layer layer);

/* What rtnetlink tells about one interface; the input of classification. */
struct link_attrs {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16]; /* IFLA_INFO_KIND: "veth", "bridge", "vxlan", "" for physical */
	int master;    /* IFLA_MASTER ifindex, 0 if none */
};

struct links_config {
	const char *bridge;	  /* e.g. "cni0" */
	const char *overlay;	  /* e.g. "flannel.1" */
	const char *node_devices; /* comma-separated names; empty: default-route devices */
};

/* Pure: the layer of an interface. bridge_ifindex is the current ifindex of the bridge device
 * (0 if absent); default_route_dev(ifindex) says whether it carries a default route. */
enum np_layer links__classify(const struct link_attrs *a, const struct links_config *cfg,
			      int bridge_ifindex, bool carries_default_route);

/* Default-route devices (ifindexes, each once) collected by a route dump. */
#define LINKS_MAX_DEFAULT_ROUTE_DEVS 16
struct route_set {
	int devs[LINKS_MAX_DEFAULT_ROUTE_DEVS];
	size_t n;
};

bool route_set__has(const struct route_set *r, int ifindex);

/* Pure rtnetlink message parsers: nh->nlmsg_len bounds every read, so a truncated message or
 * attribute is ignored, never read past. */
struct nlmsghdr;

/* An RTM_NEWLINK/RTM_DELLINK message: 0 with *a filled for an AF_UNSPEC message with a name,
 * -EAGAIN for another family (the bridge repeats its ports as AF_BRIDGE), -EINVAL if malformed
 * or nameless. */
int links__parse_link(const struct nlmsghdr *nh, struct link_attrs *a);

/* Adds to r the output devices of nh if it is an RTM_NEWROUTE unicast default route (dst_len
 * 0) of the main table: its RTA_OIF and every RTA_MULTIPATH next hop. Anything else, or a
 * truncated message, adds nothing. */
void links__collect_default_route(struct route_set *r, const struct nlmsghdr *nh);

/* True if name is in the comma-separated list. */
bool links__name_in_list(const char *list, const char *name);

struct link_entry {
	int ifindex;
	char name[IF_NAMESIZE];
	enum np_layer layer;
	bool attached;
};

struct loader;
struct link_watch;

/* Called from the watch thread about once a second, and at once when this namespace's
 * addresses changed (addrs_changed true; also true on the first call and after each resync). */
typedef void (*link_tick_fn)(void *arg, bool addrs_changed);

/* Opens the rtnetlink socket, does the first full sync and attach, and starts the watch
 * thread. resync_ms: period of the full resync. tick may be NULL. */
int link_watch__start(struct loader *l, const struct links_config *cfg, unsigned resync_ms,
		      link_tick_fn tick, void *tick_arg, struct link_watch **out);
void link_watch__stop(struct link_watch *w);

/* Snapshot of hooked interfaces (layer != NONE). *out malloc'd. */
int link_watch__snapshot(struct link_watch *w, struct link_entry **out, size_t *n);
/* Attach failures per layer since start. */
void link_watch__attach_errors(struct link_watch *w, uint64_t out[LAYER_MAX]);

/* Attach latency: from the moment the agent received the rtnetlink event that made an
 * interface hookable (a veth enslaved to the bridge, a device created or renamed) to the moment
 * its programs were attached, on the agent's own monotonic clock. Attaches done by the start-up
 * dump or a periodic resync with no such event are not observed. A failed attach retried later
 * is measured from the original event. */
#define LINK_LATENCY_BUCKETS 11
extern const double link_latency_bounds[LINK_LATENCY_BUCKETS]; /* seconds, ascending */

struct link_latency {
	uint64_t cumulative[LINK_LATENCY_BUCKETS]; /* observations <= bound */
	uint64_t count;
	double sum_seconds;
};

void link_watch__attach_latency(struct link_watch *w, struct link_latency out[LAYER_MAX]);

#endif
