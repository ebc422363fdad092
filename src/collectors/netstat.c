/* netstat collector: node_netstat_<Proto>_<Field> (untyped) from /proc/net/netstat,
 * /proc/net/snmp and, when IPv6 is present, /proc/net/snmp6, filtered by
 * --collector.netstat.fields (node_exporter 1.5's default regexp). */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "fsutil.h"
#include "log.h"
#include "proc_parsers.h"
#include "sysutil.h"

static const char *opt_fields =
	"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
	"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)"
	"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
	"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
NP_FLAG_STRING("collector.netstat.fields", &opt_fields,
	       "Regexp of fields to return for netstat collector.");

static regex_t re_fields;
static bool have_re;
static struct pp_match_cache match_cache = PP_MATCH_CACHE_INIT;

/* "TcpExt: SyncookiesSent ..." followed by "TcpExt: 0 ...": one header, one value line. */
int netstat__parse_pairs(char *buf, struct pp_kvtab *t)
{
	char *cur = buf, *names;
	int err = 0;

	for (names = pp_next_line(&cur); names; names = pp_next_line(&cur)) {
		char *values = pp_next_line(&cur), *nf[512], *vf[512];
		int nn, nv;
		size_t pl;

		nn = pp_split(names, nf, 512);
		if (nn == 0 && !values)
			break;
		if (!values)
			return -EINVAL;
		nv = pp_split(values, vf, 512);
		if (nn < 1 || nn != nv)
			return -EINVAL;
		pl = strlen(nf[0]);
		if (pl < 2 || nf[0][pl - 1] != ':' || strcmp(nf[0], vf[0]) != 0)
			return -EINVAL;
		nf[0][pl - 1] = '\0';
		for (int i = 1; i < nn; i++) {
			char key[PP_KEY_MAX];
			double v;
			int n = snprintf(key, sizeof(key), "%s_%s", nf[0], nf[i]);

			if (n < 0 || (size_t)n >= sizeof(key) || pp_double(vf[i], &v))
				return -EINVAL;
			err = pp_kvtab_put(t, key, v);
			if (err)
				return err;
		}
	}
	return 0;
}

/* "Ip6InReceives  12": the protocol is everything up to and including the first '6'. */
int netstat__parse_snmp6(char *buf, struct pp_kvtab *t)
{
	char *cur = buf, *line;
	int err;

	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *f[3], *six, key[PP_KEY_MAX];
		double v;
		int n = pp_split(line, f, 3);

		if (n == 0)
			continue;
		if (n != 2)
			return -EINVAL;
		six = strchr(f[0], '6');
		if (!six)
			continue;
		n = snprintf(key, sizeof(key), "%.*s_%s", (int)(six - f[0] + 1), f[0], six + 1);
		if (n < 0 || (size_t)n >= sizeof(key) || pp_double(f[1], &v))
			return -EINVAL;
		err = pp_kvtab_put(t, key, v);
		if (err)
			return err;
	}
	return 0;
}

static int netstat_init(void)
{
	/* RE2's \d \s \w are translated to POSIX classes. */
	if (sysutil__regex_compile(&re_fields, opt_fields)) {
		log_error("netstat: invalid --collector.netstat.fields regexp=%s", opt_fields);
		return -EINVAL;
	}
	have_re = true;
	return 0;
}

static void netstat_fini(void)
{
	if (have_re)
		regfree(&re_fields);
	have_re = false;
	pp_match_cache_clear(&match_cache);
}

static int read_parse(const char *rel, int (*parse)(char *, struct pp_kvtab *),
		      struct pp_kvtab *t)
{
	char *buf = NULL;
	int err = fs__read_rel(fs__procfs(), rel, PP_MAX_FILE, &buf, NULL);

	if (err)
		return err;
	err = parse(buf, t);
	free(buf);
	return err;
}

static int netstat_collect(struct expo_writer *w)
{
	struct pp_kvtab t = { 0 };
	int err;

	if (!have_re)
		return -EINVAL;
	err = read_parse("net/netstat", netstat__parse_pairs, &t);
	if (!err)
		err = read_parse("net/snmp", netstat__parse_pairs, &t);
	if (!err) {
		err = read_parse("net/snmp6", netstat__parse_snmp6, &t);
		if (err == -ENOENT) {
			log_debug("netstat: IPv6 not enabled, /proc/net/snmp6 missing");
			err = 0;
		}
	}
	if (err)
		goto cleanup;
	for (size_t i = 0; i < t.n; i++) {
		const char *key = t.v[i].key, *us = strchr(key, '_');
		char name[PP_KEY_MAX + 16], help[PP_KEY_MAX + 16];

		if (!pp_match(&match_cache, &re_fields, key))
			continue;
		snprintf(name, sizeof(name), "node_netstat_%s", key);
		if (!us || !expo__valid_metric_name(name))
			continue;
		snprintf(help, sizeof(help), "Statistic %.*s%s.", (int)(us - key), key, us + 1);
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
