// SPDX-License-Identifier: Apache-2.0
/* CIDR parsing and flanneld's subnet.env: pure parsers plus a stat-and-reread cache. */
#include "netinfo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"

static const char *opt_flannel_subnet = "/run/flannel/subnet.env";
NP_FLAG_STRING("path.flannel-subnet", &opt_flannel_subnet,
	       "flanneld's subnet.env (cluster and node pod CIDRs, overlay MTU).");

/* A real subnet.env is ~120 bytes. */
#define SUBNET_ENV_MAX (64 * 1024)

int cidr__parse_n(const char *s, size_t len, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = memchr(s, '/', len);
	size_t alen, plen, bits;
	unsigned prefix = 0, max;
	int af;

	memset(out, 0, sizeof(*out));
	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	plen = len - alen - 1;
	if (alen == 0 || alen >= sizeof(addr) || plen == 0 || plen > 3)
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	af = memchr(addr, ':', alen) ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, out->addr) != 1)
		return -EINVAL;
	if (plen > 1 && slash[1] == '0')
		return -EINVAL;
	for (size_t i = 1; i <= plen; i++) {
		if (slash[i] < '0' || slash[i] > '9')
			return -EINVAL;
		prefix = prefix * 10 + (unsigned)(slash[i] - '0');
	}
	max = af == AF_INET ? 32 : 128;
	if (prefix > max) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	out->family = (uint8_t)af;
	out->prefix = (uint8_t)prefix;
	/* Clear host bits: FLANNEL_SUBNET names the gateway, 10.244.1.1/24. */
	for (bits = 0; bits < max / 8; bits++) {
		unsigned keep = prefix > bits * 8 ? prefix - (unsigned)bits * 8 : 0;

		if (keep >= 8)
			continue;
		out->addr[bits] &= (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

int cidr__parse(const char *s, struct cidr *out)
{
	return cidr__parse_n(s, strlen(s), out);
}

int cidr__format(const struct cidr *c, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		return -EINVAL;
	n = snprintf(buf, cap, "%s/%u", a, c->prefix);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return 0;
}

bool cidr__contains(const struct cidr *c, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

int netinfo__join_cidrs(const struct cidr *c, size_t n, char *buf, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char one[64];
		size_t l;

		if (cidr__format(&c[i], one, sizeof(one)))
			return -EINVAL;
		l = strlen(one);
		if (used + (i ? 1 : 0) + l >= cap)
			return -ENOSPC;
		if (i)
			buf[used++] = ',';
		memcpy(buf + used, one, l + 1);
		used += l;
	}
	return 0;
}

/* value: "a/n" or "a/n,b/m". Replaces list entries of family af only, so FLANNEL_NETWORK and
 * FLANNEL_IPV6_NETWORK fill one list whatever their order. */
static int parse_cidr_list(const char *v, size_t len, int af, struct cidr *list, size_t *n)
{
	struct cidr tmp[NETINFO_MAX_CIDRS];
	size_t nt = 0, keep = 0;

	while (len > 0) {
		const char *comma = memchr(v, ',', len);
		size_t l = comma ? (size_t)(comma - v) : len;

		if (nt == NETINFO_MAX_CIDRS)
			return -EINVAL;
		if (cidr__parse_n(v, l, &tmp[nt]) || tmp[nt].family != af)
			return -EINVAL;
		nt++;
		if (!comma)
			break;
		v = comma + 1;
		len -= l + 1;
		if (len == 0)
			return -EINVAL; /* trailing comma */
	}
	if (nt == 0)
		return -EINVAL;
	for (size_t i = 0; i < *n; i++) {
		if (list[i].family != af)
			list[keep++] = list[i];
	}
	if (keep + nt > NETINFO_MAX_CIDRS)
		return -EINVAL;
	/* IPv4 before IPv6, so labels read the same whatever the line order. */
	if (af == AF_INET) {
		memmove(&list[nt], list, keep * sizeof(*list));
		memcpy(list, tmp, nt * sizeof(*list));
	} else {
		memcpy(&list[keep], tmp, nt * sizeof(*list));
	}
	*n = keep + nt;
	return 0;
}

static bool key_is(const char *k, size_t kl, const char *name)
{
	return kl == strlen(name) && memcmp(k, name, kl) == 0;
}

int flannel_subnet__parse(const char *buf, size_t len, struct flannel_subnet *out)
{
	const char *p = buf, *end = buf + len;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq, *k, *v;
		size_t kl, vl;

		k = p;
		p = nl ? nl + 1 : end;
		while (le > k && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		while (k < le && (*k == ' ' || *k == '\t'))
			k++;
		if (k == le || *k == '#')
			continue;
		if (le - k > 7 && memcmp(k, "export ", 7) == 0)
			k += 7;
		eq = memchr(k, '=', (size_t)(le - k));
		if (!eq)
			continue; /* not an assignment: flannel's own reader skips it too */
		kl = (size_t)(eq - k);
		v = eq + 1;
		vl = (size_t)(le - v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v++;
			vl -= 2;
		}
		if (memchr(v, '\0', vl)) {
			err = -EINVAL;
			break;
		}
		if (key_is(k, kl, "FLANNEL_NETWORK")) {
			err = parse_cidr_list(v, vl, AF_INET, out->networks, &out->n_networks);
		} else if (key_is(k, kl, "FLANNEL_IPV6_NETWORK")) {
			err = parse_cidr_list(v, vl, AF_INET6, out->networks, &out->n_networks);
		} else if (key_is(k, kl, "FLANNEL_SUBNET")) {
			err = parse_cidr_list(v, vl, AF_INET, out->subnets, &out->n_subnets);
		} else if (key_is(k, kl, "FLANNEL_IPV6_SUBNET")) {
			err = parse_cidr_list(v, vl, AF_INET6, out->subnets, &out->n_subnets);
		} else if (key_is(k, kl, "FLANNEL_MTU")) {
			char num[8];
			uint64_t mtu;

			if (vl == 0 || vl >= sizeof(num)) {
				err = -EINVAL;
				break;
			}
			memcpy(num, v, vl);
			num[vl] = '\0';
			/* 68: IPv4's minimum MTU; 65535: the largest an IP packet can be. */
			if (parse__u64(num, &mtu) || mtu < 68 || mtu > 65535)
				err = -EINVAL;
			else
				out->mtu = (uint32_t)mtu;
		} else if (key_is(k, kl, "FLANNEL_IPMASQ")) {
			if (vl == 4 && memcmp(v, "true", 4) == 0)
				out->ipmasq = true;
			else if (vl == 5 && memcmp(v, "false", 5) == 0)
				out->ipmasq = false;
			else
				err = -EINVAL;
			out->has_ipmasq = !err;
		}
		if (err)
			break;
	}
	if (!err && (out->n_networks == 0 || out->n_subnets == 0))
		err = -ENODATA;
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

/* --- the followed file ------------------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	const char *path_override;
	bool have_stamp;
	struct timespec mtime;
	off_t size;
	ino_t ino;
	bool valid;
	int missing_logged;
	struct flannel_subnet fs;
} g_net = { .lock = PTHREAD_MUTEX_INITIALIZER };

void netinfo__set_path(const char *path)
{
	pthread_mutex_lock(&g_net.lock);
	g_net.path_override = path;
	g_net.have_stamp = false;
	g_net.valid = false;
	g_net.missing_logged = 0;
	pthread_mutex_unlock(&g_net.lock);
}

/* Called with g_net.lock held. */
static void refresh_locked(void)
{
	const char *path = g_net.path_override ? g_net.path_override : opt_flannel_subnet;
	struct flannel_subnet fs;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (lstat(path, &st) != 0) {
		err = errno;
		if (g_net.missing_logged != err)
			log_warn("the flannel subnet file is not readable: pod traffic is not "
				 "classed same_node or cross_node until it is",
				 "flag", "path.flannel-subnet", "path", path, "err", LOG_ERR(err));
		g_net.missing_logged = err;
		g_net.have_stamp = false;
		g_net.valid = false;
		return;
	}
	g_net.missing_logged = 0;
	if (g_net.have_stamp && st.st_mtim.tv_sec == g_net.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == g_net.mtime.tv_nsec && st.st_size == g_net.size &&
	    st.st_ino == g_net.ino)
		return;
	/* flanneld writes a regular file: a link or a FIFO here is refused, never followed. */
	err = fs__read_file_flags(path, FS_NOFOLLOW, SUBNET_ENV_MAX, &buf, &len);
	if (err == -ENOENT)
		return; /* replaced between stat and open: the next call sees the new one */
	/* The stamp is taken even for a bad file, so it is logged once per version. */
	g_net.have_stamp = true;
	g_net.mtime = st.st_mtim;
	g_net.size = st.st_size;
	g_net.ino = st.st_ino;
	if (!err)
		err = flannel_subnet__parse(buf, len, &fs);
	free(buf);
	if (err) {
		log_warn("ignoring flannel subnet file", "path", path, "err", fs__strerror(err));
		g_net.valid = false;
		return;
	}
	g_net.fs = fs;
	g_net.valid = true;
}

int netinfo__get(struct flannel_subnet *out)
{
	int err = -ENOENT;

	pthread_mutex_lock(&g_net.lock);
	refresh_locked();
	if (g_net.valid) {
		*out = g_net.fs;
		err = 0;
	}
	pthread_mutex_unlock(&g_net.lock);
	return err;
}
