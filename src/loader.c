// SPDX-License-Identifier: Apache-2.0
/* The BPF loader: skeleton lifecycle, pinned maps, tc/tcx attach (tcx links pinned, adopted by
 * the next agent) and detach, map reads. Nothing else in nodepath calls libbpf. */
#include "loader.h"
#include "loader_priv.h"
#include "if_slots.h"
#include "bpf_diag.h"
#include "log.h"
#include "prog_consts.h"

#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "netpath.skel.h"
#include "nodepath/tc.h"

/* Our clsact filters: a fixed handle and priority so that a restarted agent replaces (never
 * duplicates) what an earlier one left, and removes only its own filters. 0x6e70 = "np". */
#define NP_TC_HANDLE 0x6e70
#define NP_TC_PRIORITY 1

#define NP_BATCH_CHUNK 256

/* tcx links are pinned under <pin path>/links as "<ifindex>_<ifname>_<ingress|egress>": a pinned
 * link outlives the agent (counting goes on while it is down or restarting) and costs no
 * descriptor. Only the ifindex and direction identify a pin; the name is for people. */
#define NP_LINKS_DIR "links"
#define NP_PIN_NAME_MAX (16 + IF_NAMESIZE + 16)

struct attachment {
	int ifindex;
	enum attach_role role;
	int tcx_fd[NP_DIR_MAX];			   /* -1 unless an unpinned tcx link */
	char tcx_pin[NP_DIR_MAX][NP_PIN_NAME_MAX]; /* "" unless a pinned tcx link */
	bool tc[NP_DIR_MAX];			   /* clsact filter installed by us */
};

/* A pinned tcx link found at open, left by an earlier agent, until an attach claims it or the
 * first full resync finds its interface unhookable. */
struct adopted {
	int ifindex;
	int dir;
	char pin[NP_PIN_NAME_MAX];
};

struct loader {
	struct netpath_bpf *skel;
	enum attach_mode mode; /* ATTACH_AUTO until the first attach decides */
	int stats_fd;
	int ncpus;
	char links_dir[4096];
	bool pin_warned;
	struct attachment *att;
	size_t n_att, cap_att;
	struct adopted *adopt;
	size_t n_adopt;
	size_t n_adopted; /* claimed by an attach since open */
	struct if_slots slots;
	uint32_t slot_count; /* slots per CPU region of np_if_slots */
	bool slots_init;
};

/* Set around calls whose failure is expected (probing for leftovers), so that libbpf's warning
 * about them does not look like a problem in the logs. */
static __thread bool g_quiet;

int loader_priv__libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (level == LIBBPF_DEBUG && log__level() > LOG_LVL_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	/* libbpf prefixes its messages with "libbpf: " already. Its hint for EPERM names
	 * CONFIG_BPF_SYSCALL and RLIMIT_MEMLOCK, neither of which is the cause on a kernel with
	 * memcg-accounted BPF memory; the loader names the missing privilege instead. */
	if (level == LIBBPF_WARN && !g_quiet && !strstr(line, "CONFIG_BPF_SYSCALL") &&
	    !strstr(line, "RLIMIT_MEMLOCK"))
		log_warn("libbpf", "detail", line);
	else
		log_debug("libbpf", "detail", line);
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Pins need a bpffs. Kubernetes hosts mount one at /sys/fs/bpf; inside a bare network namespace
 * (ip netns exec remounts /sys) or a container without the host mount there is none, so mount a
 * private one at the pin path itself. */
int loader_priv__ensure_bpffs(const char *path)
{
	struct statfs st;
	int err;

	err = mkdir_p(path, 0700);
	if (err) {
		log_error("cannot create pin path", "path", path, "err", LOG_ERR(err));
		return err;
	}
	if (statfs(path, &st)) {
		err = -errno;
		log_error("cannot stat pin path", "path", path, "err", LOG_ERR(err));
		return err;
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", path, "bpf", 0, "mode=0700")) {
		char buf[160];
		const char *missing;

		err = -errno;
		missing = bpf_diag__explain(err, BPF_DIAG_MOUNT_BPFFS, buf, sizeof(buf));
		log_error("pin path is not on a bpffs and mounting one there failed", "path", path,
			  "missing", missing, "err", LOG_ERR(err));
		return err;
	}
	log_warn(
	    "mounted a private bpffs: pinned counters survive agent restarts only while this mount does (mount the host's /sys/fs/bpf for that)",
	    "path", path);
	return 0;
}

/* A pin left by an agent with another map layout or capacity cannot be re-used (libbpf refuses
 * it and the load fails). Replace it: those counters restart, which is logged. */
void loader_priv__drop_incompatible_pins(struct bpf_object *obj, const char *pin_root)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[4096];
		int fd;

		if (snprintf(path, sizeof(path), "%s/%s", pin_root, bpf_map__name(map)) >=
		    (int)sizeof(path))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    (info.type != (__u32)bpf_map__type(map) ||
		     info.key_size != bpf_map__key_size(map) ||
		     info.value_size != bpf_map__value_size(map) ||
		     info.max_entries != bpf_map__max_entries(map) ||
		     info.map_flags != bpf_map__map_flags(map))) {
			log_warn(
			    "pinned map has another layout or capacity; replacing it, its counters restart from zero",
			    "path", path, "max_entries", LOG_UINT(info.max_entries), "want",
			    LOG_UINT(bpf_map__max_entries(map)));
			if (unlink(path))
				log_warn("cannot remove", "path", path, "err", LOG_ERR(errno));
		}
		close(fd);
	}
}

static int link_pin_path(const struct loader *l, const char *pin, char *buf, size_t size)
{
	if (snprintf(buf, size, "%s/%s", l->links_dir, pin) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static const char *dir_name(int dir)
{
	return dir == NP_DIR_INGRESS ? "ingress" : "egress";
}

/* "<ifindex>_<ifname>_<direction>", with the dots of the name (flannel.1) made dashes: bpffs
 * refuses names with dots. */
static void link_pin_name(char *buf, size_t size, int ifindex, const char *name, int dir)
{
	snprintf(buf, size, "%d_%s_%s", ifindex, name, dir_name(dir));
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = '-';
}

/* A pin name -> ifindex, direction. */
static int parse_link_pin(const char *name, int *ifindex, int *dir)
{
	const char *us = strrchr(name, '_');
	unsigned long v;
	char *end;

	if (!us || strlen(name) >= NP_PIN_NAME_MAX)
		return -EINVAL;
	if (strcmp(us + 1, "ingress") == 0)
		*dir = NP_DIR_INGRESS;
	else if (strcmp(us + 1, "egress") == 0)
		*dir = NP_DIR_EGRESS;
	else
		return -EINVAL;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || end == name || *end != '_' || v == 0 || v > INT_MAX)
		return -EINVAL;
	*ifindex = (int)v;
	return 0;
}

/* The interface a tcx link is attached to; 0 once the interface is gone (the kernel detaches
 * the link then, and the pin keeps only a dead object). */
static int tcx_link_ifindex(int fd, __u32 *ifindex)
{
	/* struct bpf_link_info of kernel 6.6+: libbpf 1.1's UAPI copy has no tcx member. */
	struct {
		__u32 type, id, prog_id, pad;
		__u32 ifindex, attach_type;
		__u8 rest[64];
	} info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != NP_BPF_LINK_TYPE_TCX)
		return -EINVAL;
	*ifindex = info.ifindex;
	return 0;
}

/* Collects the tcx links pinned by an earlier agent. Pins of interfaces deleted meanwhile go;
 * the others wait for loader__attach to give them the programs just loaded. */
static int adopt_scan(struct loader *l)
{
	size_t stale = 0, cap = 0;
	DIR *d = opendir(l->links_dir);
	int err = 0;

	if (!d) {
		err = -errno;
		log_error("cannot read the link pin directory", "path", l->links_dir, "err",
			  LOG_ERR(err));
		return err;
	}
	for (;;) {
		struct dirent *de = readdir(d);
		char path[4096 + NP_PIN_NAME_MAX];
		int ifindex, dir, fd;
		__u32 cur = 0;

		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (parse_link_pin(de->d_name, &ifindex, &dir) ||
		    link_pin_path(l, de->d_name, path, sizeof(path))) {
			log_warn("unexpected entry in the link pin directory, left alone", "entry",
				 de->d_name, "path", l->links_dir);
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0) {
			log_warn("cannot open pinned link", "path", path, "err", LOG_ERR(errno));
			continue;
		}
		err = tcx_link_ifindex(fd, &cur);
		close(fd);
		if (err || cur != (__u32)ifindex) {
			if (unlink(path))
				log_warn("cannot remove", "path", path, "err", LOG_ERR(errno));
			else
				stale++;
			err = 0;
			continue;
		}
		if (l->n_adopt == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct adopted *n = realloc(l->adopt, nc * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			l->adopt = n;
			cap = nc;
		}
		l->adopt[l->n_adopt].ifindex = ifindex;
		l->adopt[l->n_adopt].dir = dir;
		/* parse_link_pin refused longer names */
		memcpy(l->adopt[l->n_adopt].pin, de->d_name,
		       strnlen(de->d_name, NP_PIN_NAME_MAX - 1) + 1);
		l->adopt[l->n_adopt].pin[NP_PIN_NAME_MAX - 1] = '\0';
		l->n_adopt++;
	}
	closedir(d);
	if (l->n_adopt || stale)
		log_info("pinned tcx links of an earlier agent", "found", LOG_UINT(l->n_adopt),
			 "removed_gone", LOG_UINT(stale));
	return err;
}

/* Maps of earlier agents nothing reads any more: their pins go rather than hold kernel memory for
 * good. The path classes and VXLAN frames moved into the interface counters' value (their counts
 * restart); np_if_index only said where a device's slots were (the slots now sit at the
 * ifindex). */
static void drop_retired_pins(const char *pin_root)
{
	static const struct {
		const char *name, *why;
	} retired[] = {
		{ "np_path_stats",
		  "its counters are now kept with the interface counters and restart "
		  "from zero" },
		{ "np_vxlan_stats", "its counters are now kept with the interface counters and "
				    "restart from zero" },
		{ "np_if_index", "counter slots are found by ifindex now" },
		{ "np_config",
		  "the VXLAN port and NodePort range are fixed in the programs at load" },
	};

	for (size_t i = 0; i < sizeof(retired) / sizeof(retired[0]); i++) {
		char path[4096];

		if (snprintf(path, sizeof(path), "%s/%s", pin_root, retired[i].name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			log_warn("removed a pinned map of an earlier agent", "path", path, "why",
				 retired[i].why);
		else if (errno != ENOENT)
			log_warn("cannot remove", "path", path, "err", LOG_ERR(errno));
	}
}

const char *loader__libbpf_version(void)
{
	return libbpf_version_string();
}

uint32_t loader__spill_entries(uint32_t max_entries)
{
	if (max_entries / 8 >= 64)
		return max_entries / 8;
	return max_entries < 64 ? max_entries : 64;
}

int loader__open(const struct loader_opts *opts, struct loader **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = opts->pin_path);
	uint32_t consts[NP_CONST_MAX];
	struct loader *l = NULL;
	int err;

	*out = NULL;
	libbpf_set_print(loader_priv__libbpf_log);
	err = loader_priv__ensure_bpffs(opts->pin_path);
	if (err)
		return err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->stats_fd = -1;
	l->mode = opts->mode;
	if (snprintf(l->links_dir, sizeof(l->links_dir), "%s/" NP_LINKS_DIR, opts->pin_path) >=
	    (int)sizeof(l->links_dir)) {
		err = -ENAMETOOLONG;
		goto cleanup;
	}
	if (mkdir(l->links_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create the link pin directory", "path", l->links_dir, "err",
			  LOG_ERR(err));
		goto cleanup;
	}
	err = adopt_scan(l);
	if (err)
		goto cleanup;
	l->ncpus = libbpf_num_possible_cpus();
	if (l->ncpus <= 0) {
		err = l->ncpus ? l->ncpus : -EINVAL;
		goto cleanup;
	}

	l->skel = netpath_bpf__open_opts(&oopts);
	if (!l->skel) {
		err = -errno;
		log_error("cannot open BPF object", "err", LOG_ERR(err));
		goto cleanup;
	}
	/* Counters live in slots (2 per device); the hash only takes devices that found none. */
	l->slot_count = if_slots__count(opts->max_entries);
	consts[NP_CONST_SLOT_COUNT] = l->slot_count;
	consts[NP_CONST_VXLAN_PORT] = opts->vxlan_port;
	consts[NP_CONST_NODEPORT_MIN] = opts->nodeport_min;
	consts[NP_CONST_NODEPORT_MAX] = opts->nodeport_max;
	err = prog_consts__apply(l->skel->obj, consts);
	if (err)
		goto cleanup;
	err =
	    bpf_map__set_max_entries(l->skel->maps.np_if_slots, (uint32_t)l->ncpus * l->slot_count);
	if (!err)
		err = bpf_map__set_max_entries(l->skel->maps.np_if_stats,
					       loader__spill_entries(opts->max_entries));
	if (err)
		goto cleanup;
	drop_retired_pins(opts->pin_path);
	loader_priv__drop_incompatible_pins(l->skel->obj, opts->pin_path);
	err = netpath_bpf__load(l->skel);
	if (err) {
		char buf[160];
		const char *missing = bpf_diag__explain(err, BPF_DIAG_LOAD_TC, buf, sizeof(buf));

		if (missing)
			log_error("cannot load BPF programs: missing privileges", "missing",
				  missing, "err", LOG_ERR(err));
		else
			log_error("cannot load BPF programs", "err", LOG_ERR(err));
		goto cleanup;
	}
	err = if_slots__init(&l->slots, bpf_map__fd(l->skel->maps.np_if_slots), l->ncpus,
			     l->slot_count);
	l->slots_init = true;
	if (err) {
		log_error("cannot read np_if_slots", "err", LOG_ERR(err));
		goto cleanup;
	}
	if (opts->enable_stats) {
		l->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (l->stats_fd < 0)
			log_warn("bpf_enable_stats failed: program run time is not reported", "err",
				 LOG_ERR(errno));
	}
	log_info("BPF programs loaded", "maps_pinned_at", opts->pin_path, "counter_slots",
		 LOG_UINT(l->slot_count), "if_stats_capacity",
		 LOG_UINT(bpf_map__max_entries(l->skel->maps.np_if_stats)), "vxlan_port",
		 LOG_UINT(opts->vxlan_port), "nodeport_min", LOG_UINT(opts->nodeport_min),
		 "nodeport_max", LOG_UINT(opts->nodeport_max));
	*out = l;
	return 0;
cleanup:
	loader__close(l);
	return err;
}

static struct attachment *find_att(struct loader *l, int ifindex)
{
	for (size_t i = 0; i < l->n_att; i++)
		if (l->att[i].ifindex == ifindex)
			return &l->att[i];
	return NULL;
}

static struct attachment *add_att(struct loader *l, int ifindex)
{
	struct attachment *a;

	if (l->n_att == l->cap_att) {
		size_t cap = l->cap_att ? l->cap_att * 2 : 64;
		struct attachment *n = realloc(l->att, cap * sizeof(*n));

		if (!n)
			return NULL;
		l->att = n;
		l->cap_att = cap;
	}
	a = &l->att[l->n_att++];
	a->ifindex = ifindex;
	a->tcx_fd[0] = a->tcx_fd[1] = -1;
	a->tcx_pin[0][0] = a->tcx_pin[1][0] = '\0';
	a->tc[0] = a->tc[1] = false;
	return a;
}

static void remove_att(struct loader *l, struct attachment *a)
{
	*a = l->att[--l->n_att];
}

static int prog_fd(struct loader *l, int dir, enum attach_role role)
{
	struct netpath_bpf *sk = l->skel;

	if (dir == NP_DIR_INGRESS)
		return bpf_program__fd(role == ROLE_POD	   ? sk->progs.np_pod_ingress
				       : role == ROLE_NODE ? sk->progs.np_node_ingress
							   : sk->progs.np_ingress);
	return bpf_program__fd(role == ROLE_POD	   ? sk->progs.np_pod_egress
			       : role == ROLE_NODE ? sk->progs.np_node_egress
						   : sk->progs.np_egress);
}

static void tc_hook_init(struct bpf_tc_hook *hook, int ifindex, int dir)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = dir == NP_DIR_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

/* What sits at our handle and priority: 1 a nodepath program (this or an earlier agent's),
 * 0 nothing, -EEXIST another tool's filter, which we must neither replace nor delete. */
static int tc_slot_owner(int ifindex, int dir)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = NP_TC_HANDLE, .priority = NP_TC_PRIORITY);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_tc_hook hook;
	int fd, err;

	tc_hook_init(&hook, ifindex, dir);
	g_quiet = true; /* "no such filter/qdisc" is the common answer */
	err = bpf_tc_query(&hook, &o);
	g_quiet = false;
	if (err)
		return 0;
	fd = bpf_prog_get_fd_by_id(o.prog_id);
	if (fd < 0)
		return -EEXIST;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err || strncmp(info.name, "np_", 3) != 0)
		return -EEXIST;
	return 1;
}

static int tc_detach_one(int ifindex, int dir)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = NP_TC_HANDLE, .priority = NP_TC_PRIORITY);
	struct bpf_tc_hook hook;

	tc_hook_init(&hook, ifindex, dir);
	return bpf_tc_detach(&hook, &o);
}

static int tc_attach_one(struct loader *l, int ifindex, int dir, enum attach_role role)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = NP_TC_HANDLE, .priority = NP_TC_PRIORITY,
		    .prog_fd = prog_fd(l, dir, role), .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook hook;
	int err;

	if (tc_slot_owner(ifindex, dir) == -EEXIST) {
		log_warn("another tool's tc filter holds our handle and priority; not replacing it",
			 "ifindex", LOG_INT(ifindex), "handle", LOG_UINT(NP_TC_HANDLE), "prio",
			 LOG_INT(NP_TC_PRIORITY));
		return -EEXIST;
	}
	tc_hook_init(&hook, ifindex, dir);
	/* Creates clsact if missing. An existing one (ours from before, or another tool's) is
	 * shared and never deleted by us. */
	g_quiet = true; /* EEXIST is the common case, not worth libbpf's warning */
	err = bpf_tc_hook_create(&hook);
	g_quiet = false;
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &o);
}

static int tcx_attach_one(struct loader *l, int ifindex, int dir, enum attach_role role)
{
	/* Prepend, like our clsact priority 1: a program before us that ends the chain
	 * (TC_ACT_OK, a redirect) would otherwise hide packets from the counters. */
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = NP_BPF_F_BEFORE);
	int type = dir == NP_DIR_INGRESS ? NP_BPF_TCX_INGRESS : NP_BPF_TCX_EGRESS;
	int fd = bpf_link_create(prog_fd(l, dir, role), ifindex, type, &o);

	return fd < 0 ? -errno : fd;
}

static struct adopted *find_adopted(struct loader *l, int ifindex, int dir)
{
	for (size_t i = 0; i < l->n_adopt; i++)
		if (l->adopt[i].ifindex == ifindex && l->adopt[i].dir == dir)
			return &l->adopt[i];
	return NULL;
}

/* Detaches a pinned link now (unpinned alone, it would go some time later: its last reference
 * is dropped asynchronously, and it counts meanwhile) and removes the pin. */
static void unpin_link(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	if (unlink(path) && errno != ENOENT)
		log_warn("cannot remove pinned link", "path", path, "err", LOG_ERR(errno));
}

/* Detaches an earlier agent's link and forgets it. */
static void drop_adopted(struct loader *l, struct adopted *ad)
{
	char path[4096 + NP_PIN_NAME_MAX];

	if (link_pin_path(l, ad->pin, path, sizeof(path)) == 0)
		unpin_link(path);
	*ad = l->adopt[--l->n_adopt];
}

/* Pins a new tcx link and closes its fd: the link then costs no descriptor and outlives the
 * agent. Without a pin (bpffs refused it) the fd is kept and the link dies with the agent. */
static void tcx_keep(struct loader *l, struct attachment *a, int dir, int fd, const char *name)
{
	char pin[NP_PIN_NAME_MAX], path[4096 + NP_PIN_NAME_MAX];
	int err = 0;

	link_pin_name(pin, sizeof(pin), a->ifindex, name, dir);
	if (link_pin_path(l, pin, path, sizeof(path)))
		err = -ENAMETOOLONG;
	if (!err && bpf_obj_pin(fd, path)) {
		err = -errno;
		/* A pin by that name is a dead link's (a live one would have been adopted). */
		if (err == -EEXIST && unlink(path) == 0)
			err = bpf_obj_pin(fd, path) ? -errno : 0;
	}
	if (err) {
		if (!l->pin_warned)
			log_warn("cannot pin tcx link; links die with this agent", "path", path,
				 "err", LOG_ERR(err));
		l->pin_warned = true;
		a->tcx_fd[dir] = fd;
		return;
	}
	close(fd);
	memcpy(a->tcx_pin[dir], pin, sizeof(pin));
}

/* Gives an earlier agent's pinned link for (ifindex, dir) the programs of role without
 * detaching it: 1 adopted, 0 nothing (left) to adopt. */
static int tcx_adopt(struct loader *l, struct attachment *a, int dir, enum attach_role role,
		     const char *name)
{
	struct adopted *ad = find_adopted(l, a->ifindex, dir);
	char path[4096 + NP_PIN_NAME_MAX], want[NP_PIN_NAME_MAX];
	int fd = -1, err = 0;

	if (!ad)
		return 0;
	if (link_pin_path(l, ad->pin, path, sizeof(path)))
		err = -ENAMETOOLONG;
	if (!err) {
		fd = bpf_obj_get(path);
		if (fd < 0)
			err = -errno;
	}
	if (!err && bpf_link_update(fd, prog_fd(l, dir, role), NULL))
		err = -errno;
	if (err) {
		log_warn("cannot take over pinned link; attaching a new one", "path", path, "err",
			 LOG_ERR(err));
		if (fd >= 0)
			close(fd);
		drop_adopted(l, ad);
		return 0;
	}
	/* Renamed while no agent ran: pin under the current name. */
	link_pin_name(want, sizeof(want), a->ifindex, name, dir);
	if (strcmp(want, ad->pin) != 0) {
		char np[4096 + NP_PIN_NAME_MAX];

		if (link_pin_path(l, want, np, sizeof(np)) == 0 && bpf_obj_pin(fd, np) == 0 &&
		    unlink(path) == 0)
			memcpy(ad->pin, want, sizeof(want));
	}
	close(fd);
	memcpy(a->tcx_pin[dir], ad->pin, sizeof(ad->pin));
	*ad = l->adopt[--l->n_adopt];
	l->n_adopted++;
	return 1;
}

static int attach_dir(struct loader *l, struct attachment *a, int dir, enum attach_role role,
		      const char *name)
{
	int err;

	if (a->tcx_fd[dir] >= 0 || a->tcx_pin[dir][0] || a->tc[dir])
		return 0;
	if (l->mode != ATTACH_TC) {
		bool adopted = tcx_adopt(l, a, dir, role, name) == 1;

		err = adopted ? 0 : tcx_attach_one(l, a->ifindex, dir, role);
		if (!adopted && err >= 0)
			tcx_keep(l, a, dir, err, name);
		if (err >= 0) {
			if (l->mode == ATTACH_AUTO) {
				l->mode = ATTACH_TCX;
				log_info("attach mode", "mode", "tcx");
			}
			return 0;
		}
		if (l->mode == ATTACH_TCX || err != -EINVAL)
			return err;
		l->mode = ATTACH_TC;
		log_info("attach mode: tcx unsupported by this kernel, using clsact filters",
			 "mode", "tc");
	}
	err = tc_attach_one(l, a->ifindex, dir, role);
	if (err)
		return err;
	a->tc[dir] = true;
	/* An earlier agent's tcx link would count every packet a second time. */
	if (find_adopted(l, a->ifindex, dir))
		drop_adopted(l, find_adopted(l, a->ifindex, dir));
	return 0;
}

/* Swap the programs of a live attachment without a gap: tcx links are updated in place,
 * clsact filters replaced at the same handle. */
static int change_role(struct loader *l, struct attachment *a, enum attach_role role)
{
	for (int dir = 0; dir < NP_DIR_MAX; dir++) {
		int err;

		if (a->tcx_fd[dir] >= 0) {
			err = bpf_link_update(a->tcx_fd[dir], prog_fd(l, dir, role), NULL);
		} else if (a->tcx_pin[dir][0]) {
			char path[4096 + NP_PIN_NAME_MAX];
			int fd = -1;

			err = link_pin_path(l, a->tcx_pin[dir], path, sizeof(path));
			if (!err) {
				fd = bpf_obj_get(path);
				err = fd < 0 ? -errno : 0;
			}
			if (!err && bpf_link_update(fd, prog_fd(l, dir, role), NULL))
				err = -errno;
			if (fd >= 0)
				close(fd);
		} else if (a->tc[dir])
			err = tc_attach_one(l, a->ifindex, dir, role);
		else
			continue;
		if (err)
			return err < 0 ? err : -EINVAL;
	}
	a->role = role;
	return 0;
}

/* live: the interface exists (remove our filter); the links go either way. */
static void detach_dir(struct loader *l, struct attachment *a, int dir, bool live)
{
	if (a->tcx_fd[dir] >= 0) {
		close(a->tcx_fd[dir]); /* an unpinned tcx link lives as long as its fd */
		a->tcx_fd[dir] = -1;
	}
	if (a->tcx_pin[dir][0]) {
		char path[4096 + NP_PIN_NAME_MAX];

		if (link_pin_path(l, a->tcx_pin[dir], path, sizeof(path)) == 0)
			unpin_link(path);
		a->tcx_pin[dir][0] = '\0';
	}
	if (a->tc[dir]) {
		if (live)
			tc_detach_one(a->ifindex, dir);
		a->tc[dir] = false;
	}
}

/* A clsact filter with our handle left by an earlier agent in tc mode (killed, or run with
 * --bpf.attach-mode=tc) would count every packet a second time next to a tcx link. */
static void remove_stale_tc(int ifindex)
{
	for (int dir = 0; dir < NP_DIR_MAX; dir++)
		if (tc_slot_owner(ifindex, dir) == 1 && tc_detach_one(ifindex, dir) == 0)
			log_info("removed a clsact filter left by an earlier agent", "ifindex",
				 LOG_INT(ifindex));
}

int loader__attach(struct loader *l, int ifindex, const char *name, enum attach_role role)
{
	struct attachment *a = find_att(l, ifindex);
	bool fresh = false;
	int err;

	if (a && a->role != role) {
		err = change_role(l, a, role);
		if (err) {
			/* Half-changed: drop it all; the caller retries with a fresh attach. */
			detach_dir(l, a, NP_DIR_INGRESS, true);
			detach_dir(l, a, NP_DIR_EGRESS, true);
			remove_att(l, a);
		}
		return err;
	}
	if (!a) {
		a = add_att(l, ifindex);
		if (!a)
			return -ENOMEM;
		a->role = role;
		fresh = true;
	}
	/* Before the programs run: their first packet already finds the slots. Without one the
	 * device counts in np_if_stats, correctly but at a hash lookup per packet, until a resync
	 * (which attaches again) finds one free. */
	if (ifindex > 0) {
		err = if_slots__claim(&l->slots, (uint32_t)ifindex);
		if (err < 0 && err != -ENOSPC)
			log_warn("cannot give the device counter slots: it counts in np_if_stats",
				 "device", name, "err", LOG_ERR(err));
	}
	for (int dir = 0; dir < NP_DIR_MAX; dir++) {
		err = attach_dir(l, a, dir, role, name);
		if (!err && fresh && (a->tcx_fd[dir] >= 0 || a->tcx_pin[dir][0]) &&
		    dir == NP_DIR_EGRESS)
			remove_stale_tc(ifindex);
		if (err) {
			detach_dir(l, a, NP_DIR_INGRESS, true);
			detach_dir(l, a, NP_DIR_EGRESS, true);
			remove_att(l, a);
			return err;
		}
	}
	if (fresh)
		log_debug("attached", "device", name, "ifindex", LOG_INT(ifindex), "mode",
			  loader__mode_name(l));
	return 0;
}

int loader__detach(struct loader *l, int ifindex)
{
	struct attachment *a = find_att(l, ifindex);

	if (!a)
		return -ENOENT;
	detach_dir(l, a, NP_DIR_INGRESS, true);
	detach_dir(l, a, NP_DIR_EGRESS, true);
	remove_att(l, a);
	return 0;
}

void loader__forget(struct loader *l, int ifindex)
{
	struct attachment *a = find_att(l, ifindex);
	int fd = bpf_map__fd(l->skel->maps.np_if_stats);

	if (a) {
		detach_dir(l, a, NP_DIR_INGRESS, false);
		detach_dir(l, a, NP_DIR_EGRESS, false);
		remove_att(l, a);
	}
	for (int dir = 0; dir < NP_DIR_MAX; dir++) {
		struct adopted *ad = find_adopted(l, ifindex, dir);

		if (ad)
			drop_adopted(l, ad);
	}
	for (int dir = 0; dir < NP_DIR_MAX; dir++) {
		struct np_if_key key = { .ifindex = (__u32)ifindex, .direction = (__u8)dir };

		bpf_map_delete_elem(fd, &key);
	}
	if (ifindex > 0)
		if_slots__release(&l->slots, (uint32_t)ifindex);
}

bool loader__is_attached(struct loader *l, int ifindex)
{
	return find_att(l, ifindex) != NULL;
}

const char *loader__mode_name(const struct loader *l)
{
	switch (l->mode) {
	case ATTACH_TCX:
		return "tcx";
	case ATTACH_TC:
		return "tc";
	default:
		return "auto";
	}
}

/* Pinned tcx links and clsact filters stay: they go on counting into the pinned maps until the
 * next agent takes them over (or node-cleanup.sh removes them). */
void loader__close(struct loader *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_att; i++)
		for (int dir = 0; dir < NP_DIR_MAX; dir++)
			if (l->att[i].tcx_fd[dir] >= 0)
				close(l->att[i].tcx_fd[dir]);
	free(l->att);
	free(l->adopt);
	if (l->slots_init)
		if_slots__free(&l->slots);
	if (l->stats_fd >= 0)
		close(l->stats_fd);
	netpath_bpf__destroy(l->skel);
	free(l);
}

static size_t percpu_stride(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

/* Fallback for kernels without batch ops on this map type: one lookup per key. */
static int read_per_key(int fd, size_t key_size, void *vals, size_t stride, int ncpus, percpu_cb cb,
			void *ctx)
{
	char key[64], next[64];
	void *prev = NULL;
	int err;

	if (key_size > sizeof(key))
		return -E2BIG;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue; /* deleted meanwhile */
		err = cb(key, vals, stride, ncpus, ctx);
		if (err)
			return err;
	}
	return 0;
}

/* Reads a whole per-CPU hash in batches (one syscall per chunk of keys, not per key). */
static int read_percpu_hash_fd(int ncpus, int fd, size_t key_size, size_t value_size, percpu_cb cb,
			       void *ctx)
{
	size_t stride = percpu_stride(value_size);
	size_t vsz = stride * (size_t)ncpus;
	size_t chunk = NP_BATCH_CHUNK;
	char *keys = NULL, *vals = NULL;
	__u32 batch = 0;
	bool first = true;
	int err = 0;

	keys = malloc(chunk * key_size);
	vals = malloc(chunk * vsz);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, bopts);
		__u32 count = (__u32)chunk;
		int rc;

		rc = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count,
					  &bopts);
		if (rc && errno == ENOSPC && count == 0) {
			/* One hash bucket holds more keys than the chunk: grow and retry. */
			char *nk = realloc(keys, chunk * 2 * key_size);
			char *nv;

			if (!nk) {
				err = -ENOMEM;
				goto cleanup;
			}
			keys = nk;
			nv = realloc(vals, chunk * 2 * vsz);
			if (!nv) {
				err = -ENOMEM;
				goto cleanup;
			}
			vals = nv;
			chunk *= 2;
			continue;
		}
		if (rc && errno != ENOENT) {
			if (first && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
				err = read_per_key(fd, key_size, vals, stride, ncpus, cb, ctx);
				goto cleanup;
			}
			err = -errno;
			goto cleanup;
		}
		for (__u32 i = 0; i < count; i++) {
			err = cb(keys + i * key_size, vals + i * vsz, stride, ncpus, ctx);
			if (err)
				goto cleanup;
		}
		if (rc) /* ENOENT: that was the last batch */
			break;
		first = false;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

static int read_percpu_hash(int ncpus, struct bpf_map *map, percpu_cb cb, void *ctx)
{
	return read_percpu_hash_fd(ncpus, bpf_map__fd(map), bpf_map__key_size(map),
				   bpf_map__value_size(map), cb, ctx);
}

void *loader_priv__stat_vec_push(struct stat_vec *v)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 64;
		void *nb = realloc(v->items, nc * v->item_size);

		if (!nb)
			return NULL;
		v->items = nb;
		v->cap = nc;
	}
	return memset((char *)v->items + v->n++ * v->item_size, 0, v->item_size);
}

static int sum_if_stat(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	const struct np_if_key *k = key;
	struct if_stat *s = loader_priv__stat_vec_push(ctx);

	if (!s)
		return -ENOMEM;
	s->ifindex = k->ifindex;
	s->direction = k->direction;
	for (int c = 0; c < ncpus; c++) {
		const struct np_if_value *v =
		    (const void *)((const char *)vals + (size_t)c * stride);

		s->packets += v->packets;
		s->bytes += v->bytes;
		s->gso_segs += v->gso_segs;
	}
	return 0;
}

/* The path classes of one np_if_stats entry that counted packets (only pod veths count any). */
static int sum_path_stat(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	const struct np_if_key *k = key;

	for (int p = 0; p < NP_PATH_MAX; p++) {
		struct path_stat sum = { .ifindex = k->ifindex,
					 .direction = k->direction,
					 .path = (uint8_t)p };
		struct path_stat *s;

		for (int c = 0; c < ncpus; c++) {
			const struct np_if_value *v =
			    (const void *)((const char *)vals + (size_t)c * stride);

			sum.packets += v->path[p].packets;
			sum.bytes += v->path[p].bytes;
		}
		if (sum.packets == 0)
			continue;
		s = loader_priv__stat_vec_push(ctx);
		if (!s)
			return -ENOMEM;
		*s = sum;
	}
	return 0;
}

int loader_priv__read_summed_fd(int ncpus, int fd, size_t key_size, size_t value_size, percpu_cb cb,
				size_t item_size, void **out, size_t *n)
{
	struct stat_vec v = { .item_size = item_size };
	int err = read_percpu_hash_fd(ncpus, fd, key_size, value_size, cb, &v);

	if (err) {
		free(v.items);
		v.items = NULL;
		v.n = 0;
	}
	*out = v.items;
	*n = v.n;
	return err;
}

typedef int (*item_cmp)(const void *a, const void *b);
typedef void (*item_add)(void *into, const void *from);

/* Sorts v by cmp and makes the items of one key one item, summed with add. */
static void sort_merge(struct stat_vec *v, item_cmp cmp, item_add add)
{
	size_t w = 0, sz = v->item_size;

	if (v->n < 2)
		return;
	qsort(v->items, v->n, sz, cmp);
	for (size_t r = 1; r < v->n; r++) {
		char *a = (char *)v->items + w * sz;
		const char *b = (const char *)v->items + r * sz;

		if (cmp(a, b) == 0) {
			add(a, b);
			continue;
		}
		w++;
		if (w != r)
			memcpy(a + sz, b, sz);
	}
	v->n = w + 1;
}

static int cmp_key(uint32_t ia, uint8_t da, uint32_t ib, uint8_t db)
{
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return (da > db) - (da < db);
}

static int cmp_if_item(const void *a, const void *b)
{
	const struct if_stat *x = a, *y = b;

	return cmp_key(x->ifindex, x->direction, y->ifindex, y->direction);
}

static void add_if_item(void *into, const void *from)
{
	struct if_stat *x = into;
	const struct if_stat *y = from;

	x->packets += y->packets;
	x->bytes += y->bytes;
	x->gso_segs += y->gso_segs;
}

static int cmp_path_item(const void *a, const void *b)
{
	const struct path_stat *x = a, *y = b;
	int c = cmp_key(x->ifindex, x->direction, y->ifindex, y->direction);

	return c ? c : (x->path > y->path) - (x->path < y->path);
}

static void add_path_item(void *into, const void *from)
{
	struct path_stat *x = into;
	const struct path_stat *y = from;

	x->packets += y->packets;
	x->bytes += y->bytes;
}

static int cmp_vxlan_item(const void *a, const void *b)
{
	const struct vxlan_stat *x = a, *y = b;

	return cmp_key(x->ifindex, x->direction, y->ifindex, y->direction);
}

static void add_vxlan_item(void *into, const void *from)
{
	struct vxlan_stat *x = into;
	const struct vxlan_stat *y = from;

	x->packets += y->packets;
	x->bytes += y->bytes;
}

struct all_vecs {
	struct stat_vec ifs, paths, vxlans;
};

static int sum_vxlan_stat(const void *key, const void *vals, size_t stride, int ncpus, void *ctx);

static int sum_all(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	struct all_vecs *a = ctx;
	int err = sum_if_stat(key, vals, stride, ncpus, &a->ifs);

	if (!err)
		err = sum_path_stat(key, vals, stride, ncpus, &a->paths);
	if (!err)
		err = sum_vxlan_stat(key, vals, stride, ncpus, &a->vxlans);
	return err;
}

int loader__read_counters(struct loader *l, struct if_counters *out)
{
	struct all_vecs a = { .ifs = { .item_size = sizeof(struct if_stat) },
			      .paths = { .item_size = sizeof(struct path_stat) },
			      .vxlans = { .item_size = sizeof(struct vxlan_stat) } };
	int err = read_percpu_hash(l->ncpus, l->skel->maps.np_if_stats, sum_all, &a);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = if_slots__read(&l->slots, sum_all, &a);
	if (err) {
		free(a.ifs.items);
		free(a.paths.items);
		free(a.vxlans.items);
		return err;
	}
	sort_merge(&a.ifs, cmp_if_item, add_if_item);
	sort_merge(&a.paths, cmp_path_item, add_path_item);
	sort_merge(&a.vxlans, cmp_vxlan_item, add_vxlan_item);
	out->ifs = a.ifs.items;
	out->n_ifs = a.ifs.n;
	out->paths = a.paths.items;
	out->n_paths = a.paths.n;
	out->vxlans = a.vxlans.items;
	out->n_vxlans = a.vxlans.n;
	return 0;
}

/* One kind of item from loader__read_counters; the others are dropped. */
int loader__read_if_stats(struct loader *l, struct if_stat **out, size_t *n)
{
	struct if_counters c;
	int err = loader__read_counters(l, &c);

	free(c.paths);
	free(c.vxlans);
	*out = c.ifs;
	*n = c.n_ifs;
	return err;
}

int loader__read_path_stats(struct loader *l, struct path_stat **out, size_t *n)
{
	struct if_counters c;
	int err = loader__read_counters(l, &c);

	free(c.ifs);
	free(c.vxlans);
	*out = c.paths;
	*n = c.n_paths;
	return err;
}

int loader__read_vxlan_stats(struct loader *l, struct vxlan_stat **out, size_t *n)
{
	struct if_counters c;
	int err = loader__read_counters(l, &c);

	free(c.ifs);
	free(c.paths);
	*out = c.vxlans;
	*n = c.n_vxlans;
	return err;
}

int loader__read_nodeport(struct loader *l, struct np_path_value out[NP_NODEPORT_MAX])
{
	int fd = bpf_map__fd(l->skel->maps.np_nodeport);
	struct np_path_value *vals = calloc((size_t)l->ncpus, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < NP_NODEPORT_MAX; i++) {
		out[i].packets = out[i].bytes = 0;
		if (bpf_map_lookup_elem(fd, &i, vals)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < l->ncpus; c++) {
			out[i].packets += vals[c].packets;
			out[i].bytes += vals[c].bytes;
		}
	}
	free(vals);
	return err;
}

static bool cidr_wanted(const struct cidr_entry *e, size_t n, int family, const __u8 *addr,
			__u32 prefixlen)
{
	size_t alen = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++)
		if (e[i].family == family && e[i].prefixlen == prefixlen &&
		    memcmp(e[i].addr, addr, alen) == 0)
			return true;
	return false;
}

/* Deletes the keys of one LPM trie that are not in the wanted set. */
static void drop_stale_cidrs(int fd, int family, const struct cidr_entry *e, size_t n)
{
	union {
		struct np_cidr4_key v4;
		struct np_cidr6_key v6;
	} key, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (family == AF_INET ? cidr_wanted(e, n, AF_INET, key.v4.addr, key.v4.prefixlen)
				      : cidr_wanted(e, n, AF_INET6, key.v6.addr, key.v6.prefixlen))
			continue;
		if (bpf_map_delete_elem(fd, &key) == 0)
			prev = NULL; /* the walk position is gone: start over */
	}
}

static __be32 prefix_mask4(__u32 prefixlen)
{
	return prefixlen == 0 ? 0 : htonl(~0u << (32 - (prefixlen > 32 ? 32 : prefixlen)));
}

void loader__class4_build(const struct np_cidr4_key *k, const struct np_cidr_value *v, size_t n,
			  struct np_class4 *out)
{
	size_t m = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct np_class4_entry e = { .mask = prefix_mask4(k[i].prefixlen),
					     .prefixlen =
						 (__u8)(k[i].prefixlen > 32 ? 32 : k[i].prefixlen),
					     .path = (__u8)(v[i].path > 0xff ? 0xff : v[i].path) };
		size_t j;

		memcpy(&e.addr, k[i].addr, 4);
		e.addr &= e.mask;
		/* The trie holds one value per prefix, the last one written: so does the table. */
		for (j = 0; j < m; j++)
			if (out->e[j].prefixlen == e.prefixlen && out->e[j].addr == e.addr)
				break;
		if (j < m) {
			out->e[j] = e;
			continue;
		}
		if (m == NP_CLASS4_MAX) {
			memset(out, 0, sizeof(*out)); /* does not fit: the trie decides */
			return;
		}
		/* Longest prefix first, so the first match is the trie's answer. */
		for (j = m; j > 0 && out->e[j - 1].prefixlen < e.prefixlen; j--)
			out->e[j] = out->e[j - 1];
		out->e[j] = e;
		m++;
	}
	out->n = (__u32)m;
}

/* Writes the IPv4 prefixes as a mask table into the np_class4 slot the programs do not read,
 * then makes it the active one: a packet sees the old table or the new one, never a mix. */
static int set_class4(struct loader *l, const struct cidr_entry *e, size_t n)
{
	struct np_cidr4_key *k = calloc(n ? n : 1, sizeof(*k));
	struct np_cidr_value *v = calloc(n ? n : 1, sizeof(*v));
	int fd = bpf_map__fd(l->skel->maps.np_class4);
	struct np_class4 t, cur;
	size_t m = 0;
	__u32 active = NP_CLASS4_ACTIVE, slot;
	int err = 0;

	if (!k || !v) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].family != AF_INET)
			continue;
		k[m].prefixlen = e[i].prefixlen;
		memcpy(k[m].addr, e[i].addr, 4);
		v[m].path = e[i].path;
		m++;
	}
	loader__class4_build(k, v, m, &t);
	/* The table not in use first, then the switch: a packet sees the old table or the new. */
	if (bpf_map_lookup_elem(fd, &active, &cur)) {
		err = -errno;
		goto cleanup;
	}
	slot = cur.n >= NP_CLASS4_SLOTS - 1 ? 0 : cur.n + 1;
	if (bpf_map_update_elem(fd, &slot, &t, BPF_ANY)) {
		err = -errno;
		goto cleanup;
	}
	memset(&cur, 0, sizeof(cur));
	cur.n = slot;
	if (bpf_map_update_elem(fd, &active, &cur, BPF_ANY))
		err = -errno;
cleanup:
	free(k);
	free(v);
	return err;
}

int loader__set_cidrs(struct loader *l, const struct cidr_entry *e, size_t n)
{
	int fd4 = bpf_map__fd(l->skel->maps.np_cidr4);
	int fd6 = bpf_map__fd(l->skel->maps.np_cidr6);
	int err;

	for (size_t i = 0; i < n; i++) {
		struct np_cidr_value v = { .path = e[i].path };
		int rc;

		if (e[i].family == AF_INET) {
			struct np_cidr4_key k = { .prefixlen = e[i].prefixlen };

			memcpy(k.addr, e[i].addr, 4);
			rc = bpf_map_update_elem(fd4, &k, &v, BPF_ANY);
		} else {
			struct np_cidr6_key k = { .prefixlen = e[i].prefixlen };

			memcpy(k.addr, e[i].addr, 16);
			rc = bpf_map_update_elem(fd6, &k, &v, BPF_ANY);
		}
		if (rc)
			return -errno;
	}
	/* The table goes after the trie additions and before its removals: whichever the
	 * programs read, it holds the new prefixes. */
	err = set_class4(l, e, n);
	if (err)
		return err;
	drop_stale_cidrs(fd4, AF_INET, e, n);
	drop_stale_cidrs(fd6, AF_INET6, e, n);
	return 0;
}

static bool in_list(const int *list, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Deletes the keys of a counter map whose ifindex (the first key field in both maps) is not
 * live. Restarts the walk after each delete: the deleted key was the walk position. */
static size_t purge_map(struct bpf_map *map, const int *live, size_t n_live)
{
	int fd = bpf_map__fd(map);
	size_t ksz = bpf_map__key_size(map), removed = 0;
	char key[64], next[64];
	void *prev = NULL;

	if (ksz > sizeof(key))
		return 0;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		__u32 ifindex;

		memcpy(key, next, ksz);
		prev = key;
		memcpy(&ifindex, key, sizeof(ifindex));
		if (in_list(live, n_live, (int)ifindex))
			continue;
		if (bpf_map_delete_elem(fd, key) == 0) {
			removed++;
			prev = NULL;
		}
	}
	return removed;
}

int loader__purge_except(struct loader *l, const int *live, size_t n_live, size_t *removed)
{
	size_t unclaimed = l->n_adopt;

	/* Called after the first full reconcile: a pinned link nobody claimed sits on an interface
	 * that is no longer hooked. */
	while (l->n_adopt > 0)
		drop_adopted(l, &l->adopt[l->n_adopt - 1]);
	if (unclaimed || l->n_adopted)
		log_info("pinned tcx links", "taken_over", LOG_UINT(l->n_adopted),
			 "removed_unhooked", LOG_UINT(unclaimed));
	*removed = purge_map(l->skel->maps.np_if_stats, live, n_live);
	*removed += if_slots__release_except(&l->slots, live, n_live);
	return 0;
}

/* The VXLAN counters of one np_if_stats entry that counted VXLAN frames (node devices only). */
static int sum_vxlan_stat(const void *key, const void *vals, size_t stride, int ncpus, void *ctx)
{
	const struct np_if_key *k = key;
	struct vxlan_stat sum = { .ifindex = k->ifindex, .direction = k->direction };
	struct vxlan_stat *s;

	for (int c = 0; c < ncpus; c++) {
		const struct np_if_value *v =
		    (const void *)((const char *)vals + (size_t)c * stride);

		sum.packets += v->vxlan.packets;
		sum.bytes += v->vxlan.bytes;
	}
	if (sum.packets == 0)
		return 0;
	s = loader_priv__stat_vec_push(ctx);
	if (!s)
		return -ENOMEM;
	*s = sum;
	return 0;
}

int loader__map_capacity(struct loader *l, const char *map, uint32_t *cap)
{
	struct bpf_map *m = bpf_object__find_map_by_name(l->skel->obj, map);
	uint32_t if_cap =
	    NP_DIR_MAX * l->slot_count + bpf_map__max_entries(l->skel->maps.np_if_stats);

	/* The interface counters' two homes: the slots and the hash for devices without. */
	if (strcmp(map, "np_if_stats") == 0) {
		*cap = if_cap;
		return 0;
	}
	/* The path classes of a pod veth's two entries: NP_PATH_MAX each. */
	if (strcmp(map, "np_path_stats") == 0) {
		*cap = if_cap * NP_PATH_MAX;
		return 0;
	}
	if (!m)
		return -ENOENT;
	*cap = bpf_map__max_entries(m);
	return 0;
}

int loader__read_error(struct loader *l, enum np_error idx, uint64_t *value)
{
	int fd = bpf_map__fd(l->skel->maps.np_errors);
	struct np_error_value *vals;
	__u32 key = idx;
	int err = 0;

	*value = 0;
	vals = calloc((size_t)l->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		goto cleanup;
	}
	for (int c = 0; c < l->ncpus; c++)
		*value += vals[c].count;
cleanup:
	free(vals);
	return err;
}

int loader__prog_stats(struct loader *l, struct prog_stat *out, size_t *n)
{
	struct bpf_program *p;
	size_t i = 0;

	if (l->stats_fd < 0) { /* disabled or refused: the kernel keeps no run statistics */
		*n = 0;
		return -ENOTSUP;
	}

	bpf_object__for_each_program(p, l->skel->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (i >= *n)
			break;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			return -errno;
		out[i].name = bpf_program__name(p);
		out[i].run_time_ns = info.run_time_ns;
		out[i].run_cnt = info.run_cnt;
		i++;
	}
	*n = i;
	return 0;
}
