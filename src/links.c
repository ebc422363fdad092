// SPDX-License-Identifier: Apache-2.0
/* Link table and rtnetlink watch: classifies interfaces by layer and keeps the loader's
 * attachments in step with the namespace's interfaces. */
#include "links.h"
#include "bpf_diag.h"
#include "loader.h"
#include "log.h"
#include "named_devs.h"
#include "rtnl.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NL_BUF_SIZE (64 * 1024)

static const char *const layer_names[LAYER_MAX] = {
	[LAYER_NONE] = "none",	     [LAYER_NODE] = "node", [LAYER_BRIDGE] = "bridge",
	[LAYER_OVERLAY] = "overlay", [LAYER_POD] = "pod",
};

const char *links__layer_name(enum np_layer layer)
{
	return layer < LAYER_MAX ? layer_names[layer] : "none";
}

bool links__name_in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!list || len == 0)
		return false;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

enum np_layer links__classify(const struct link_attrs *a, const struct links_config *cfg,
			      int bridge_ifindex, bool carries_default_route)
{
	if (cfg->bridge && *cfg->bridge && strcmp(a->name, cfg->bridge) == 0)
		return LAYER_BRIDGE;
	if (cfg->overlay && *cfg->overlay && strcmp(a->name, cfg->overlay) == 0)
		return LAYER_OVERLAY;
	if (cfg->node_devices && *cfg->node_devices) {
		if (links__name_in_list(cfg->node_devices, a->name))
			return LAYER_NODE;
	} else if (carries_default_route && strcmp(a->name, "lo") != 0) {
		return LAYER_NODE;
	}
	if (bridge_ifindex > 0 && a->master == bridge_ifindex && strcmp(a->kind, "veth") == 0)
		return LAYER_POD;
	return LAYER_NONE;
}

bool route_set__has(const struct route_set *r, int ifindex)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->devs[i] == ifindex)
			return true;
	return false;
}

static void route_set_add(struct route_set *r, int ifindex)
{
	if (ifindex > 0 && r->n < LINKS_MAX_DEFAULT_ROUTE_DEVS && !route_set__has(r, ifindex))
		r->devs[r->n++] = ifindex;
}

struct tracked {
	struct link_attrs a;
	enum np_layer layer;
	bool attached;
	bool seen;	   /* marked during a full resync */
	uint64_t event_ns; /* when the event that made it hookable arrived; 0 when measured */
};

struct link_watch {
	struct loader *loader;
	struct links_config cfg;
	unsigned resync_ms;
	int ev_fd;   /* subscribed to link and route groups */
	int req_fd;  /* dumps */
	int stop_fd; /* eventfd that ends the thread */
	__u32 seq;
	pthread_t thread;
	bool thread_started;
	link_tick_fn tick;
	void *tick_arg;
	bool addrs_changed; /* set by address events, consumed by the next tick */

	pthread_mutex_t lock; /* guards everything below; held while attaching */
	struct tracked *links;
	size_t n_links, cap_links;
	struct route_set
	    default_devs; /* node devices when --collector.netpath.node-device is empty */
	uint64_t attach_errors[LAYER_MAX];
	struct link_latency latency[LAYER_MAX];
	struct named_devs named; /* devices the flags name, checked after each reconcile */
};

const double link_latency_bounds[LINK_LATENCY_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void observe_latency(struct link_latency *h, uint64_t ns)
{
	double s = (double)ns / 1e9;

	for (size_t i = 0; i < LINK_LATENCY_BUCKETS; i++)
		if (s <= link_latency_bounds[i])
			h->cumulative[i]++;
	h->count++;
	h->sum_seconds += s;
}

static struct tracked *find_link(struct link_watch *w, int ifindex)
{
	for (size_t i = 0; i < w->n_links; i++)
		if (w->links[i].a.ifindex == ifindex)
			return &w->links[i];
	return NULL;
}

static bool name_present(void *arg, const char *name)
{
	struct link_watch *w = arg;

	for (size_t i = 0; i < w->n_links; i++)
		if (strcmp(w->links[i].a.name, name) == 0)
			return true;
	return false;
}

static int bridge_ifindex(struct link_watch *w)
{
	if (!w->cfg.bridge || !*w->cfg.bridge)
		return 0;
	for (size_t i = 0; i < w->n_links; i++)
		if (strcmp(w->links[i].a.name, w->cfg.bridge) == 0)
			return w->links[i].a.ifindex;
	return 0;
}

static enum attach_role role_of(enum np_layer layer)
{
	return layer == LAYER_POD ? ROLE_POD : layer == LAYER_NODE ? ROLE_NODE : ROLE_PLAIN;
}

/* Brings attachments in line with the classification of every known link. Lock held.
 * event_ns: arrival of the events being handled, 0 for a dump (start-up or resync). */
static void reconcile(struct link_watch *w, uint64_t event_ns)
{
	int br = bridge_ifindex(w);

	for (size_t i = 0; i < w->n_links; i++) {
		struct tracked *t = &w->links[i];
		bool dflt = route_set__has(&w->default_devs, t->a.ifindex);
		enum np_layer layer = links__classify(&t->a, &w->cfg, br, dflt);
		int err;

		if (layer == LAYER_NONE && t->attached) {
			loader__detach(w->loader, t->a.ifindex);
			t->attached = false;
			log_info("detached", "device", t->a.name, "layer",
				 links__layer_name(t->layer));
		}
		if (t->attached && layer == t->layer)
			continue;
		t->layer = layer;
		if (layer == LAYER_NONE) {
			t->event_ns = 0;
			continue;
		}
		/* The first event that finds it hookable starts the clock; a retry keeps it. */
		if (!t->event_ns)
			t->event_ns = event_ns;
		err = loader__attach(w->loader, t->a.ifindex, t->a.name, role_of(layer));
		if (err)
			t->attached = false; /* a failed role change leaves nothing attached */
		if (err == -ENODEV || err == -ENXIO) {
			/* Gone between the event and the attach; RTM_DELLINK follows. */
			log_info("device vanished during attach", "device", t->a.name);
			continue;
		}
		if (err) {
			char buf[160];
			const char *missing =
			    bpf_diag__explain(err, BPF_DIAG_ATTACH, buf, sizeof(buf));

			w->attach_errors[layer]++;
			log_warn("attach failed (retried at next resync)", "device", t->a.name,
				 "layer", links__layer_name(layer), "missing", missing, "err",
				 LOG_ERR(err));
			continue;
		}
		t->attached = true;
		if (t->event_ns) {
			uint64_t now = mono_ns();

			observe_latency(&w->latency[layer],
					now > t->event_ns ? now - t->event_ns : 0);
			t->event_ns = 0;
		}
		log_info("attached", "device", t->a.name, "ifindex", LOG_INT(t->a.ifindex), "layer",
			 links__layer_name(layer), "mode", loader__mode_name(w->loader));
	}
}

/* The interface is gone. Its counters go too, even if it was no longer hooked (a veth that
 * left the bridge first): ifindexes are reused, and dead keys would fill the maps. */
static void forget_link(struct link_watch *w, struct tracked *t)
{
	loader__forget(w->loader, t->a.ifindex);
	if (t->attached || t->layer != LAYER_NONE)
		log_info("forgot deleted device", "device", t->a.name, "layer",
			 links__layer_name(t->layer));
	*t = w->links[--w->n_links];
}

/* Counters of interfaces deleted while no agent ran stay in the pinned maps: drop every key
 * whose ifindex is not a current link (after the first complete dump). */
static void purge_dead_counters(struct link_watch *w)
{
	int *live = calloc(w->n_links ? w->n_links : 1, sizeof(*live));
	size_t removed = 0;

	if (!live)
		return;
	for (size_t i = 0; i < w->n_links; i++)
		live[i] = w->links[i].a.ifindex;
	if (loader__purge_except(w->loader, live, w->n_links, &removed) == 0 && removed)
		log_info(
		    "removed pinned counter entries of interfaces deleted while the agent was not running",
		    "entries", LOG_UINT(removed));
	free(live);
}

static struct tracked *upsert_link(struct link_watch *w, const struct link_attrs *a)
{
	struct tracked *t = find_link(w, a->ifindex);

	if (t) {
		/* Renamed or re-mastered: reconcile() reclassifies it from the new attributes. */
		t->a = *a;
		return t;
	}
	if (w->n_links == w->cap_links) {
		size_t cap = w->cap_links ? w->cap_links * 2 : 64;
		struct tracked *n = realloc(w->links, cap * sizeof(*n));

		if (!n)
			return NULL;
		w->links = n;
		w->cap_links = cap;
	}
	t = &w->links[w->n_links++];
	memset(t, 0, sizeof(*t));
	t->a = *a;
	return t;
}

/* --- rtnetlink parsing ------------------------------------------------------------------- */

static void copy_attr_str(char *dst, size_t cap, const struct rtattr *rta)
{
	size_t n = strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta));

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, RTA_DATA(rta), n);
	dst[n] = '\0';
}

static void parse_linkinfo(const struct rtattr *info, struct link_attrs *a)
{
	int len = (int)RTA_PAYLOAD(info);

	for (const struct rtattr *rta = RTA_DATA(info); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_INFO_KIND)
			copy_attr_str(a->kind, sizeof(a->kind), rta);
	}
}

int links__parse_link(const struct nlmsghdr *nh, struct link_attrs *a)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	if (len < 0)
		return -EINVAL;
	/* The bridge also reports its ports as AF_BRIDGE messages: one view is enough. */
	if (ifi->ifi_family != AF_UNSPEC)
		return -EAGAIN;
	memset(a, 0, sizeof(*a));
	a->ifindex = ifi->ifi_index;
	for (const struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case IFLA_IFNAME:
			copy_attr_str(a->name, sizeof(a->name), rta);
			break;
		case IFLA_MASTER:
			if (RTA_PAYLOAD(rta) >= sizeof(__u32))
				memcpy(&a->master, RTA_DATA(rta), sizeof(__u32));
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(rta, a);
			break;
		}
	}
	return a->name[0] ? 0 : -EINVAL;
}

void links__collect_default_route(struct route_set *r, const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rtm));
	int oif = 0, mp[LINKS_MAX_DEFAULT_ROUTE_DEVS];
	size_t n_mp = 0;
	__u32 table;

	if (nh->nlmsg_type != RTM_NEWROUTE || len < 0)
		return;
	if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return;
	table = rtm->rtm_table;
	for (const struct rtattr *rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) >= 4) {
			memcpy(&table, RTA_DATA(rta), 4);
		} else if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= 4) {
			memcpy(&oif, RTA_DATA(rta), 4);
		} else if (rta->rta_type == RTA_MULTIPATH) {
			int mlen = (int)RTA_PAYLOAD(rta);

			for (const struct rtnexthop *hop = RTA_DATA(rta);
			     mlen >= (int)sizeof(*hop) && hop->rtnh_len >= sizeof(*hop) &&
			     hop->rtnh_len <= mlen;
			     mlen -= RTNH_ALIGN(hop->rtnh_len), hop = RTNH_NEXT(hop)) {
				/* More next hops than the set holds: the first ones are kept. */
				if (n_mp < LINKS_MAX_DEFAULT_ROUTE_DEVS)
					mp[n_mp++] = hop->rtnh_ifindex;
			}
		}
	}
	if (table != RT_TABLE_MAIN)
		return;
	route_set_add(r, oif);
	for (size_t i = 0; i < n_mp; i++)
		route_set_add(r, mp[i]);
}

/* Dumps of this file: one request at a time on req_fd (under the lock), a new seq each. */
static int nl_dump(struct link_watch *w, uint16_t type, uint8_t family, rtnl_msg_fn cb, void *arg)
{
	return rtnl__dump(w->req_fd, ++w->seq, type, family, cb, arg);
}

static int on_dump_link(const struct nlmsghdr *nh, void *arg)
{
	struct link_watch *w = arg;
	struct link_attrs a;
	struct tracked *t;

	if (nh->nlmsg_type != RTM_NEWLINK || links__parse_link(nh, &a))
		return 0;
	t = upsert_link(w, &a);
	if (t)
		t->seen = true;
	return 0;
}

static int on_dump_route(const struct nlmsghdr *nh, void *arg)
{
	links__collect_default_route(arg, nh);
	return 0;
}

/* The node devices follow the default routes, but not through a gap: a failed dump, or a
 * moment with no default route at all (DHCP renewal, "ip route replace" done as del + add),
 * keeps the previous devices rather than detaching the node NIC and losing its packets. */
static int refresh_default_routes(struct link_watch *w)
{
	struct route_set r = { .n = 0 };
	int err;

	if (w->cfg.node_devices && *w->cfg.node_devices)
		return 0;
	err = nl_dump(w, RTM_GETROUTE, AF_INET, on_dump_route, &r);
	if (!err)
		err = nl_dump(w, RTM_GETROUTE, AF_INET6, on_dump_route, &r);
	if (err)
		return err;
	if (r.n == 0 && w->default_devs.n > 0) {
		log_debug("no default route right now; keeping the node devices");
		return 0;
	}
	w->default_devs = r;
	return 0;
}

/* Full resync: authoritative view of all links and default routes. Lock held. */
static int full_sync(struct link_watch *w, bool first)
{
	int err;

	for (int attempt = 0; attempt < 3; attempt++) {
		for (size_t i = 0; i < w->n_links; i++)
			w->links[i].seen = false;
		err = nl_dump(w, RTM_GETLINK, AF_UNSPEC, on_dump_link, w);
		if (err != -EAGAIN)
			break;
	}
	/* Never forget links on an incomplete view (-EAGAIN three times: churn; next resync). */
	if (err) {
		log_warn("link dump failed", "err", LOG_ERR(err));
		return err;
	}
	for (size_t i = 0; i < w->n_links;) {
		if (!w->links[i].seen)
			forget_link(w, &w->links[i]);
		else
			i++;
	}
	err = refresh_default_routes(w);
	if (err)
		log_warn("route dump failed", "err", LOG_ERR(err));
	reconcile(w, 0);
	named_devs__update(&w->named, name_present, w);
	if (first)
		purge_dead_counters(w);
	return 0;
}

static void handle_event(struct link_watch *w, struct nlmsghdr *nh, bool *routes_changed)
{
	struct link_attrs a;
	struct tracked *t;

	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
		if (links__parse_link(nh, &a) == 0)
			upsert_link(w, &a);
		break;
	case RTM_DELLINK:
		if (links__parse_link(nh, &a) == 0) {
			t = find_link(w, a.ifindex);
			if (t)
				forget_link(w, t);
		}
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		*routes_changed = true;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		w->addrs_changed = true;
		break;
	}
}

/* Reads all pending events. -ENOBUFS means some were lost: the caller resyncs. */
static int drain_events(struct link_watch *w, char *buf)
{
	bool routes_changed = false;
	uint64_t event_ns = 0;
	int err = 0;

	for (;;) {
		ssize_t n = recv(w->ev_fd, buf, NL_BUF_SIZE, MSG_DONTWAIT);
		int len = (int)n;

		/* The clock starts when the first of the pending events is read. */
		if (!event_ns)
			event_ns = mono_ns();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				err = -errno;
			break;
		}
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len))
			handle_event(w, nh, &routes_changed);
	}
	if (routes_changed)
		refresh_default_routes(w);
	reconcile(w, event_ns);
	named_devs__update(&w->named, name_present, w);
	return err;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define TICK_MS 1000

static void *watch_thread(void *arg)
{
	struct link_watch *w = arg;
	uint64_t next_sync = now_ms() + w->resync_ms, next_tick = 0;
	char *buf = malloc(NL_BUF_SIZE);

	if (!buf) {
		log_error("link watch: out of memory; interfaces are no longer followed");
		return NULL;
	}
	for (;;) {
		struct pollfd pfd[2] = { { .fd = w->ev_fd, .events = POLLIN },
					 { .fd = w->stop_fd, .events = POLLIN } };
		uint64_t now = now_ms();
		uint64_t next = next_sync < next_tick ? next_sync : next_tick;
		int timeout = next > now ? (int)(next - now) : 0;
		bool tick_now, addrs;
		int rc = poll(pfd, 2, timeout);

		if (rc < 0 && errno != EINTR) {
			log_error("link watch: poll failed", "err", LOG_ERR(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		pthread_mutex_lock(&w->lock);
		if (rc > 0 && pfd[0].revents) {
			if (drain_events(w, buf) == -ENOBUFS) {
				log_warn("link watch: netlink events were lost; resyncing");
				next_sync = 0;
			}
		}
		if (now_ms() >= next_sync) {
			full_sync(w, false);
			next_sync = now_ms() + w->resync_ms;
			w->addrs_changed = true;
		}
		addrs = w->addrs_changed;
		tick_now = addrs || now_ms() >= next_tick;
		w->addrs_changed = false;
		pthread_mutex_unlock(&w->lock);
		/* Outside the lock: the tick may read files and update maps, scrapes need not wait. */
		if (tick_now && w->tick) {
			w->tick(w->tick_arg, addrs);
			next_tick = now_ms() + TICK_MS;
		} else if (tick_now) {
			next_tick = UINT64_MAX;
		}
	}
	free(buf);
	return NULL;
}

static int nl_open(unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int rcvbuf = 4 * 1024 * 1024;
	int err;

	if (fd < 0)
		return -errno;
	/* Pod churn can burst hundreds of events; a bigger buffer makes ENOBUFS (and the resync
	 * it forces) rare. SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the agent has. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int link_watch__start(struct loader *l, const struct links_config *cfg, unsigned resync_ms,
		      link_tick_fn tick, void *tick_arg, struct link_watch **out)
{
	struct link_watch *w;
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->loader = l;
	w->cfg = *cfg;
	w->resync_ms = resync_ms ? resync_ms : 30000;
	w->tick = tick;
	w->tick_arg = tick_arg;
	w->addrs_changed = true;
	w->ev_fd = w->req_fd = w->stop_fd = -1;
	pthread_mutex_init(&w->lock, NULL);

	/* Subscribe before the first dump so that nothing between the two is missed. */
	w->ev_fd = nl_open(RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE |
			   RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
	if (w->ev_fd < 0) {
		err = w->ev_fd;
		goto fail;
	}
	w->req_fd = nl_open(0);
	if (w->req_fd < 0) {
		err = w->req_fd;
		goto fail;
	}
	w->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (w->stop_fd < 0) {
		err = -errno;
		goto fail;
	}
	named_devs__add(&w->named, "collector.netpath.bridge-device", w->cfg.bridge);
	named_devs__add(&w->named, "collector.netpath.overlay-device", w->cfg.overlay);
	named_devs__add(&w->named, "collector.netpath.node-device", w->cfg.node_devices);
	pthread_mutex_lock(&w->lock);
	err = full_sync(w, true);
	pthread_mutex_unlock(&w->lock);
	if (err)
		goto fail;
	err = pthread_create(&w->thread, NULL, watch_thread, w);
	if (err) {
		err = -err;
		goto fail;
	}
	w->thread_started = true;
	*out = w;
	return 0;
fail:
	log_error("link watch start failed", "err", LOG_ERR(err));
	link_watch__stop(w);
	return err;
}

void link_watch__stop(struct link_watch *w)
{
	if (!w)
		return;
	if (w->thread_started) {
		uint64_t one = 1;

		if (write(w->stop_fd, &one, sizeof(one)) < 0)
			log_warn("link watch: cannot signal stop", "err", LOG_ERR(errno));
		pthread_join(w->thread, NULL);
	}
	if (w->ev_fd >= 0)
		close(w->ev_fd);
	if (w->req_fd >= 0)
		close(w->req_fd);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	pthread_mutex_destroy(&w->lock);
	free(w->links);
	free(w);
}

int link_watch__snapshot(struct link_watch *w, struct link_entry **out, size_t *n)
{
	struct link_entry *e;
	size_t k = 0;

	pthread_mutex_lock(&w->lock);
	e = calloc(w->n_links ? w->n_links : 1, sizeof(*e));
	if (!e) {
		pthread_mutex_unlock(&w->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->n_links; i++) {
		const struct tracked *t = &w->links[i];

		if (t->layer == LAYER_NONE)
			continue;
		e[k].ifindex = t->a.ifindex;
		memcpy(e[k].name, t->a.name, sizeof(e[k].name));
		e[k].layer = t->layer;
		e[k].attached = t->attached;
		k++;
	}
	pthread_mutex_unlock(&w->lock);
	*out = e;
	*n = k;
	return 0;
}

void link_watch__attach_errors(struct link_watch *w, uint64_t out[LAYER_MAX])
{
	pthread_mutex_lock(&w->lock);
	memcpy(out, w->attach_errors, sizeof(w->attach_errors));
	pthread_mutex_unlock(&w->lock);
}

void link_watch__attach_latency(struct link_watch *w, struct link_latency out[LAYER_MAX])
{
	pthread_mutex_lock(&w->lock);
	memcpy(out, w->latency, sizeof(w->latency));
	pthread_mutex_unlock(&w->lock);
}
