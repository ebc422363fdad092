// SPDX-License-Identifier: Apache-2.0
/* ipvs collector: IPVS totals from /proc/net/ip_vs_stats (node_ipvs_*_total) and, per virtual
 * service and real server, connections and weight from /proc/net/ip_vs (node_ipvs_backend_*),
 * as kube-proxy in IPVS mode programs them. Without the ip_vs module the files are missing:
 * -ENODATA (node_exporter's ErrNoData). Backends that share the selected label values
 * (--collector.ipvs.backend-labels) are summed, as node_exporter does. */
#include "ipvs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "procparse.h"

static const char *opt_labels = "local_address,local_port,remote_address,remote_port,proto,"
				"local_mark";
NP_FLAG_STRING("collector.ipvs.backend-labels", &opt_labels,
	       "Comma separated list for IPVS backend stats labels.");

const char *const ipvs_label_names[IPVS_N_LABELS] = {
	"local_address", "local_port", "remote_address", "remote_port", "proto", "local_mark",
};

static unsigned g_mask;

/* Label indices in name order: node_exporter writes labels sorted by name and sorts series by
 * their values in that order; the key below follows it so the output does too. */
static const int by_name[IPVS_N_LABELS] = { 0, 5, 1, 4, 2, 3 };

/* The third line holds the five totals in hex. The kernel prints six lines; like procfs, at
 * least three complete lines are required. */
int ipvs__parse_stats(char *buf, struct ipvs_stats *out)
{
	char *cur = buf, *line = NULL, *f[6];
	const char *p = buf;
	uint64_t v[5];
	int nl = 0;

	for (; *p && nl < 3; p++)
		nl += *p == '\n';
	if (nl < 3)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		line = pp_next_line(&cur);
	if (pp_split(line, f, 6) != 5)
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		if (parse__hex_u64(f[i], &v[i]))
			return -EINVAL;
	out->conns = v[0];
	out->in_pkts = v[1];
	out->out_pkts = v[2];
	out->in_bytes = v[3];
	out->out_bytes = v[4];
	return 0;
}

/* Go's net.IP.String() for a 16-byte address: IPv4-mapped as dotted quad, otherwise RFC 5952
 * (lower-case hex, the first longest run of two or more zero groups as "::"). */
static void ip6_string(const unsigned char a[16], char *buf, size_t cap)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int best = -1, best_len = 0, len = 0;
	size_t off = 0;

	if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
		snprintf(buf, cap, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	for (int i = 0; i < 8; i++) {
		if (a[2 * i] == 0 && a[2 * i + 1] == 0) {
			len++;
			if (len > best_len) {
				best_len = len;
				best = i - len + 1;
			}
		} else {
			len = 0;
		}
	}
	if (best_len < 2)
		best = -1;
	buf[0] = '\0';
	for (int i = 0; i < 8 && off < cap; i++) {
		if (i == best) {
			off += (size_t)snprintf(buf + off, cap - off, "::");
			i += best_len - 1;
			continue;
		}
		off += (size_t)snprintf(buf + off, cap - off, "%s%x",
					off && buf[off - 1] != ':' ? ":" : "",
					(unsigned)a[2 * i] << 8 | a[2 * i + 1]);
	}
}

static int parse_port(const char *s, unsigned *port)
{
	uint64_t v;

	if (strlen(s) != 4 || parse__hex_u64(s, &v))
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

/* "C0A80016:0CEA" or "[2001:0db8:0000:0000:0000:0000:0000:0001]:0050", the kernel's %08X and
 * [%pI6] forms. */
static int parse_ip_port(char *s, char *addr, size_t cap, unsigned *port)
{
	size_t n = strlen(s);
	uint64_t v;

	if (n == 13 && s[8] == ':') {
		s[8] = '\0';
		if (parse__hex_u64(s, &v))
			return -EINVAL;
		snprintf(addr, cap, "%u.%u.%u.%u", (unsigned)(v >> 24) & 0xff,
			 (unsigned)(v >> 16) & 0xff, (unsigned)(v >> 8) & 0xff, (unsigned)v & 0xff);
		return parse_port(s + 9, port);
	}
	if (n == 46 && s[0] == '[' && s[40] == ']' && s[41] == ':') {
		unsigned char a[16];

		s[40] = '\0';
		if (inet_pton(AF_INET6, s + 1, a) != 1)
			return -EINVAL;
		ip6_string(a, addr, cap);
		return parse_port(s + 42, port);
	}
	return -EINVAL;
}

static bool is_hex_word(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 8 && strspn(s, "0123456789abcdefABCDEF") == n;
}

int ipvs__parse_backends(char *buf, struct ipvs_backend **out, size_t *n_out)
{
	struct ipvs_backend svc = { 0 }, *arr = NULL;
	size_t n = 0, cap = 0;
	bool have_svc = false;
	char *cur = buf, *line;
	int err = -EINVAL;

	*out = NULL;
	*n_out = 0;
	while ((line = pp_next_line(&cur)) != NULL) {
		char *f[8];
		int nf = pp_split(line, f, 8);

		if (nf == 0)
			continue;
		if (nf < 0)
			goto cleanup;
		if (strcmp(f[0], "IP") == 0 || strcmp(f[0], "Prot") == 0 ||
		    (nf >= 2 && strcmp(f[1], "RemoteAddress:Port") == 0))
			continue;
		if (strcmp(f[0], "TCP") == 0 || strcmp(f[0], "UDP") == 0 ||
		    strcmp(f[0], "SCTP") == 0) {
			if (nf < 2)
				goto cleanup;
			memset(&svc, 0, sizeof(svc));
			snprintf(svc.proto, sizeof(svc.proto), "%s", f[0]);
			if (parse_ip_port(f[1], svc.local_address, sizeof(svc.local_address),
					  &svc.local_port))
				goto cleanup;
			have_svc = true;
		} else if (strcmp(f[0], "FWM") == 0) {
			if (nf < 2 || !is_hex_word(f[1]))
				goto cleanup;
			memset(&svc, 0, sizeof(svc));
			snprintf(svc.proto, sizeof(svc.proto), "%s", f[0]);
			snprintf(svc.local_mark, sizeof(svc.local_mark), "%s", f[1]);
			have_svc = true;
		} else if (strcmp(f[0], "->") == 0) {
			struct ipvs_backend b = svc;

			if (!have_svc || nf < 6)
				goto cleanup;
			if (parse_ip_port(f[1], b.remote_address, sizeof(b.remote_address),
					  &b.remote_port) ||
			    parse__u64(f[3], &b.weight) || parse__u64(f[4], &b.active) ||
			    parse__u64(f[5], &b.inactive))
				goto cleanup;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct ipvs_backend *p = realloc(arr, ncap * sizeof(*arr));

				if (!p) {
					err = -ENOMEM;
					goto cleanup;
				}
				arr = p;
				cap = ncap;
			}
			arr[n++] = b;
		} else {
			goto cleanup;
		}
	}
	*out = arr;
	*n_out = n;
	arr = NULL;
	err = 0;
cleanup:
	free(arr);
	return err;
}

int ipvs__parse_label_set(const char *spec, unsigned *mask, char *bad, size_t bad_cap)
{
	const char *p = spec;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (int i = 0; len && i < IPVS_N_LABELS; i++) {
			if (strlen(ipvs_label_names[i]) == len &&
			    strncmp(p, ipvs_label_names[i], len) == 0) {
				*mask |= 1u << i;
				found = true;
			}
		}
		if (len && !found) {
			snprintf(bad, bad_cap, "%.*s", (int)len, p);
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

void ipvs__label_value(const struct ipvs_backend *b, int i, char *buf, size_t cap)
{
	switch (i) {
	case 0:
		snprintf(buf, cap, "%s", b->local_address);
		break;
	case 1:
		snprintf(buf, cap, "%u", b->local_port);
		break;
	case 2:
		snprintf(buf, cap, "%s", b->remote_address);
		break;
	case 3:
		snprintf(buf, cap, "%u", b->remote_port);
		break;
	case 4:
		snprintf(buf, cap, "%s", b->proto);
		break;
	default:
		snprintf(buf, cap, "%s", b->local_mark);
		break;
	}
}

static int ipvs_init(void)
{
	char bad[64];

	if (ipvs__parse_label_set(opt_labels, &g_mask, bad, sizeof(bad))) {
		log_error("unknown IPVS backend label", "flag", "collector.ipvs.backend-labels",
			  "label", bad);
		return -EINVAL;
	}
	return 0;
}

/* One series after summing: the selected label values joined with a separator no value holds. */
struct ipvs_series {
	char key[6 * (IPVS_ADDR_MAX + 1)];
	uint64_t weight, active, inactive;
};

static int cmp_series(const void *a, const void *b)
{
	return strcmp(((const struct ipvs_series *)a)->key, ((const struct ipvs_series *)b)->key);
}

static void emit_backends(struct expo_writer *w, const char *name, const char *help,
			  const struct ipvs_series *s, size_t n, int field)
{
	expo__family(w, name, help, EXPO_GAUGE);
	for (size_t i = 0; i < n; i++) {
		char vals[IPVS_N_LABELS][IPVS_ADDR_MAX + 1];
		struct expo_label l[IPVS_N_LABELS];
		const char *p = s[i].key;
		size_t nl = 0;
		uint64_t v = field == 0 ? s[i].active : field == 1 ? s[i].inactive : s[i].weight;

		for (int j = 0; j < IPVS_N_LABELS; j++) {
			int k = by_name[j];
			size_t len;

			if (!(g_mask & (1u << k)))
				continue;
			len = strcspn(p, "\x1f");
			snprintf(vals[nl], sizeof(vals[nl]), "%.*s", (int)len, p);
			p += len + (p[len] ? 1 : 0);
			l[nl].name = ipvs_label_names[k];
			l[nl].value = vals[nl];
			nl++;
		}
		expo__sample(w, name, l, nl, (double)v);
	}
}

static int ipvs_collect(struct expo_writer *w)
{
	struct ipvs_backend *b = NULL;
	struct ipvs_series *s = NULL;
	struct ipvs_stats st;
	char *buf = NULL;
	size_t nb = 0, ns = 0;
	int err;

	err = fs__read_rel(fs__procfs(), "net/ip_vs_stats", PP_MAX_FILE, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("ipvs collector metrics are not available for this system");
		return -ENODATA;
	}
	if (err)
		goto cleanup;
	err = ipvs__parse_stats(buf, &st);
	free(buf);
	buf = NULL;
	if (err) {
		log_error("malformed file", "path", "net/ip_vs_stats");
		goto cleanup;
	}
	err = fs__read_rel(fs__procfs(), "net/ip_vs", PP_MAX_FILE, &buf, NULL);
	if (err)
		goto cleanup;
	err = ipvs__parse_backends(buf, &b, &nb);
	if (err) {
		if (err == -EINVAL)
			log_error("malformed file", "path", "net/ip_vs");
		goto cleanup;
	}
	s = calloc(nb + 1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nb; i++) {
		size_t off = 0, nk = 0;

		for (int j = 0; j < IPVS_N_LABELS; j++) {
			int k = by_name[j];
			char v[IPVS_ADDR_MAX];

			if (!(g_mask & (1u << k)))
				continue;
			ipvs__label_value(&b[i], k, v, sizeof(v));
			off += (size_t)snprintf(s[i].key + off, sizeof(s[i].key) - off, "%s%s",
						nk++ ? "\x1f" : "", v);
		}
		s[i].weight = b[i].weight;
		s[i].active = b[i].active;
		s[i].inactive = b[i].inactive;
	}
	qsort(s, nb, sizeof(*s), cmp_series);
	for (size_t i = 0; i < nb; i++) {
		if (ns && strcmp(s[ns - 1].key, s[i].key) == 0) {
			s[ns - 1].weight += s[i].weight;
			s[ns - 1].active += s[i].active;
			s[ns - 1].inactive += s[i].inactive;
		} else {
			s[ns++] = s[i];
		}
	}

	if (ns) {
		emit_backends(w, "node_ipvs_backend_connections_active",
			      "The current active connections by local and remote address.", s, ns,
			      0);
		emit_backends(w, "node_ipvs_backend_connections_inactive",
			      "The current inactive connections by local and remote address.", s,
			      ns, 1);
		emit_backends(w, "node_ipvs_backend_weight",
			      "The current backend weight by local and remote address.", s, ns, 2);
	}
	pp_emit(w, "node_ipvs_connections_total", "The total number of connections made.",
		EXPO_COUNTER, (double)st.conns);
	pp_emit(w, "node_ipvs_incoming_bytes_total", "The total amount of incoming data.",
		EXPO_COUNTER, (double)st.in_bytes);
	pp_emit(w, "node_ipvs_incoming_packets_total", "The total number of incoming packets.",
		EXPO_COUNTER, (double)st.in_pkts);
	pp_emit(w, "node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.",
		EXPO_COUNTER, (double)st.out_bytes);
	pp_emit(w, "node_ipvs_outgoing_packets_total", "The total number of outgoing packets.",
		EXPO_COUNTER, (double)st.out_pkts);
	err = 0;
cleanup:
	free(buf);
	free(b);
	free(s);
	return err;
}

static struct collector ipvs_collector = {
	.name = "ipvs",
	.default_enabled = true,
	.init = ipvs_init,
	.collect = ipvs_collect,
};
NP_COLLECTOR(ipvs_collector);
