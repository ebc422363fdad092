// SPDX-License-Identifier: Apache-2.0
/* netstat collector: node_netstat_<Proto>_<Field> (untyped) from /proc/net/netstat,
 * /proc/net/snmp and, when IPv6 is present, /proc/net/snmp6, filtered by
 * --collector.netstat.fields (node_exporter 1.5's default regexp). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "netstat.h"
#include "pattern.h"
#include "procparse.h"
#include "sysutil.h"

static const char *opt_fields =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
    "|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)"
    "|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
    "|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
NP_FLAG_STRING("collector.netstat.fields", &opt_fields,
	       "Regexp of fields to return for netstat collector.");

static struct pattern *re_fields;
static bool have_re;
static struct pp_match_cache match_cache = PP_MATCH_CACHE_INIT;

/* Fields the caller does not want are only checked, not converted: nearly all are plain
 * integers, for which a digit scan is enough (up to 19 digits, far from overflowing a double);
 * anything else gets the full check. */
static int check_value(const char *s)
{
	const char *d = s + (*s == '-'), *p = d;
	double v;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p > d && !*p && p - d <= 19)
		return 0;
	return parse__double(s, &v);
}

/* The filter's answers per header line, kept across scrapes: the header lines of a file never
 * change while the kernel runs, so a scrape that finds the same line skips building and looking
 * up ~300 keys. Protected by memo_mu (held for a whole collect). */
#define MEMO_LINES 16
struct hdr_memo {
	char *text; /* the header line as read, before splitting */
	size_t len;
	unsigned char *want; /* per field (index 1..n-1) */
	int n;
};
struct file_memo {
	struct hdr_memo h[MEMO_LINES];
};

static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;
static struct file_memo memo_netstat, memo_snmp;
static struct pp_line_memo memo_snmp6;

static void memo_clear(struct file_memo *fm)
{
	for (int i = 0; fm && i < MEMO_LINES; i++) {
		free(fm->h[i].text);
		free(fm->h[i].want);
		memset(&fm->h[i], 0, sizeof(fm->h[i]));
	}
}

/* keep(key, ctx): whether to store the field; NULL keeps all. fm (with keep): remembered
 * answers per header line, or NULL. */
static int parse_pairs_memo(char *buf, struct pp_kvtab *t, bool (*keep)(const char *, void *),
			    void *ctx, struct file_memo *fm)
{
	char *cur = buf, *names;
	int err = 0, li = 0;

	for (names = pp_next_line(&cur); names; names = pp_next_line(&cur), li++) {
		char *values = pp_next_line(&cur), *nf[512], *vf[512];
		struct hdr_memo *m = fm && keep && li < MEMO_LINES ? &fm->h[li] : NULL;
		size_t hl = strlen(names);
		bool hit = m && m->text && m->len == hl && memcmp(m->text, names, hl) == 0;
		char *copy = NULL;
		int nn, nv;
		size_t pl;

		if (m && !hit) {
			copy = malloc(hl + 1);
			if (copy)
				memcpy(copy, names, hl + 1);
		}
		nn = pp_split(names, nf, 512);
		if (nn == 0 && !values) {
			free(copy);
			break;
		}
		if (!values || (nv = pp_split(values, vf, 512)) < 1 || nn < 1 || nn != nv) {
			free(copy);
			return -EINVAL;
		}
		pl = strlen(nf[0]);
		if (pl < 2 || nf[0][pl - 1] != ':' || strcmp(nf[0], vf[0]) != 0) {
			free(copy);
			return -EINVAL;
		}
		nf[0][pl - 1] = '\0';
		pl--;
		if (m && !hit && copy) {
			unsigned char *want = calloc((size_t)nn, 1);

			if (want) {
				free(m->text);
				free(m->want);
				m->text = copy;
				m->len = hl;
				m->want = want;
				m->n = nn;
				copy = NULL;
				/* filled below; marked unusable until complete */
				m->len = (size_t)-1;
			}
		}
		free(copy);
		for (int i = 1; i < nn; i++) {
			char key[PP_KEY_MAX];
			size_t fl;
			bool k;
			double v;

			if (hit) {
				if (!m->want[i]) {
					if (check_value(vf[i]))
						return -EINVAL;
					continue;
				}
			}
			fl = strlen(nf[i]);
			if (pl + 1 + fl >= sizeof(key))
				return -EINVAL;
			memcpy(key, nf[0], pl);
			key[pl] = '_';
			memcpy(key + pl + 1, nf[i], fl + 1);
			if (!hit && keep) {
				k = keep(key, ctx);
				if (m && m->len == (size_t)-1)
					m->want[i] = k;
				if (!k) {
					if (check_value(vf[i]))
						return -EINVAL;
					continue;
				}
			}
			if (parse__double(vf[i], &v))
				return -EINVAL;
			err = pp_kvtab_put(t, key, v);
			if (err)
				return err;
		}
		if (m && !hit && m->len == (size_t)-1)
			m->len = hl;
	}
	return 0;
}

static int parse_pairs(char *buf, struct pp_kvtab *t, bool (*keep)(const char *, void *), void *ctx)
{
	return parse_pairs_memo(buf, t, keep, ctx, NULL);
}

/* "TcpExt: SyncookiesSent ..." followed by "TcpExt: 0 ...": one header, one value line. */
int netstat__parse_pairs(char *buf, struct pp_kvtab *t)
{
	return parse_pairs(buf, t, NULL, NULL);
}

/* "Ip6InReceives  12": the protocol is everything up to and including the first '6'. */
static int parse_snmp6(char *buf, struct pp_kvtab *t, bool (*keep)(const char *, void *), void *ctx)
{
	char *cur = buf, *line;
	size_t li = 0;
	int err;

	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur), li++) {
		char *f[3], *six, key[PP_KEY_MAX];
		size_t pl, rl;
		double v;
		int n = pp_split(line, f, 3);

		if (n == 0)
			continue;
		if (n != 2)
			return -EINVAL;
		six = strchr(f[0], '6');
		if (!six)
			continue;
		pl = (size_t)(six - f[0]) + 1;
		rl = strlen(six + 1);
		if (pl + 1 + rl >= sizeof(key))
			return -EINVAL;
		memcpy(key, f[0], pl);
		key[pl] = '_';
		memcpy(key + pl + 1, six + 1, rl + 1);
		if (keep && !(ctx ? pp_line_memo_match(ctx, li, key, &match_cache, re_fields)
				  : keep(key, NULL))) {
			if (check_value(f[1]))
				return -EINVAL;
			continue;
		}
		if (parse__double(f[1], &v))
			return -EINVAL;
		err = pp_kvtab_put(t, key, v);
		if (err)
			return err;
	}
	return 0;
}

int netstat__parse_snmp6(char *buf, struct pp_kvtab *t)
{
	return parse_snmp6(buf, t, NULL, NULL);
}

static int netstat_init(void)
{
	int err;

	err = pattern__compile("collector.netstat.fields", opt_fields, PATTERN_SEARCH, &re_fields,
			       NULL, 0);
	if (err)
		return err;
	have_re = true;
	return 0;
}

static void netstat_fini(void)
{
	pattern__free(re_fields);
	re_fields = NULL;
	have_re = false;
	pp_match_cache_clear(&match_cache);
	pthread_mutex_lock(&memo_mu);
	memo_clear(&memo_netstat);
	memo_clear(&memo_snmp);
	pp_line_memo_clear(&memo_snmp6);
	pthread_mutex_unlock(&memo_mu);
}

/* Only fields the --collector.netstat.fields filter wants are converted and stored. */
static bool wanted(const char *key, void *ctx)
{
	(void)ctx;
	return pp_match(&match_cache, re_fields, key);
}

/* fm: remembered filter answers for a header/value pair file; NULL for snmp6. */
static int read_parse(const char *rel, struct file_memo *fm, struct pp_kvtab *t)
{
	char *buf = NULL;
	int err =
	    fs__read_rel_records(fs__procfs(), rel, PP_MAX_FILE, FS_SINGLE_RECORD, &buf, NULL);

	if (err)
		return err;
	if (fm)
		err = parse_pairs_memo(buf, t, wanted, NULL, fm);
	else
		err = parse_snmp6(buf, t, wanted, &memo_snmp6);
	free(buf);
	return err;
}

static int netstat_collect(struct expo_writer *w)
{
	struct pp_kvtab t = { 0 };
	int err;

	if (!have_re)
		return -EINVAL;
	pthread_mutex_lock(&memo_mu);
	err = read_parse("net/netstat", &memo_netstat, &t);
	if (!err)
		err = read_parse("net/snmp", &memo_snmp, &t);
	if (!err) {
		err = read_parse("net/snmp6", NULL, &t);
		if (err == -ENOENT) {
			log_debug("IPv6 not enabled, /proc/net/snmp6 missing");
			err = 0;
		}
	}
	pthread_mutex_unlock(&memo_mu);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < t.n; i++) {
		const char *key = t.v[i].key, *us = strchr(key, '_');
		char name[PP_KEY_MAX + 16], help[PP_KEY_MAX + 16];

		size_t kl = strlen(key), pl;

		/* key < PP_KEY_MAX: "node_netstat_" + key and "Statistic " + key + "." fit */
		memcpy(name, "node_netstat_", 13);
		memcpy(name + 13, key, kl + 1);
		if (!us || !expo__valid_metric_name(name))
			continue;
		pl = (size_t)(us - key);
		memcpy(help, "Statistic ", 10);
		memcpy(help + 10, key, pl);
		memcpy(help + 10 + pl, us + 1, kl - pl - 1);
		memcpy(help + 10 + kl - 1, ".", 2);
		pp_emit(w, name, help, EXPO_UNTYPED, t.v[i].value);
	}
cleanup:
	pp_kvtab_free(&t);
	return err;
}

static struct collector netstat_collector = {
	.name = "netstat",
	.default_enabled = true,
	.init = netstat_init,
	.collect = netstat_collect,
	.fini = netstat_fini,
};
NP_COLLECTOR(netstat_collector);
