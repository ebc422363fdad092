// SPDX-License-Identifier: Apache-2.0
/* /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6 parsers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "collectors/netstat.h"
#include "proc_fixture.h"

static double get(const struct pp_kvtab *t, const char *k)
{
	const struct pp_kv *kv = pp_kvtab_get(t, k);

	cr_assert_not_null(kv, "missing key %s", k);
	return kv->value;
}

Test(netstat, this_machine_all_three_files)
{
	struct pp_kvtab t = { 0 };
	char *a = fx_load("proc/net/netstat"), *b = fx_load("proc/net/snmp"),
	     *c = fx_load("proc/net/snmp6");

	cr_assert_eq(netstat__parse_pairs(a, &t), 0);
	cr_assert_eq(netstat__parse_pairs(b, &t), 0);
	cr_assert_eq(netstat__parse_snmp6(c, &t), 0);
	cr_assert(get(&t, "Ip_Forwarding") == 1);
	cr_assert(get(&t, "Tcp_MaxConn") == -1);
	cr_assert(get(&t, "Tcp_InSegs") == 3046);
	cr_assert(get(&t, "Tcp_OutRsts") == 123);
	cr_assert(get(&t, "TcpExt_SyncookiesSent") == 0);
	cr_assert(get(&t, "TcpExt_TW") == 16);
	cr_assert(get(&t, "Ip6_InOctets") == 336);
	cr_assert(get(&t, "Icmp6_InMsgs") == 1);
	cr_assert(get(&t, "UdpLite6_InErrors") == 0);
	cr_assert_not_null(pp_kvtab_get(&t, "IpExt_InOctets"));
	cr_assert_not_null(pp_kvtab_get(&t, "IcmpMsg_InType3"));
	pp_kvtab_free(&t);
	free(a);
	free(b);
	free(c);
}

Test(netstat, hostile_pairs)
{
	static const char *const files[] = {
		"hostile/proc/netstat.mismatch", "hostile/proc/netstat.unpaired",
		"hostile/proc/netstat.prefix",	 "hostile/proc/netstat.nonnumeric",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct pp_kvtab t = { 0 };
		char *b = fx_load(files[i]);

		cr_assert_eq(netstat__parse_pairs(b, &t), -EINVAL, "%s", files[i]);
		pp_kvtab_free(&t);
		free(b);
	}
}

Test(netstat, empty_files_give_no_fields)
{
	struct pp_kvtab t = { 0 };
	char *a = fx_load("hostile/proc/empty"), *b = fx_load("hostile/proc/empty");

	cr_assert_eq(netstat__parse_pairs(a, &t), 0);
	cr_assert_eq(netstat__parse_snmp6(b, &t), 0);
	cr_assert_eq(t.n, 0);
	free(a);
	free(b);
}

Test(netstat, hostile_snmp6)
{
	static const char *const files[] = { "hostile/proc/snmp6.extra",
					     "hostile/proc/snmp6.nonnumeric" };

	for (size_t i = 0; i < 2; i++) {
		struct pp_kvtab t = { 0 };
		char *b = fx_load(files[i]);

		cr_assert_eq(netstat__parse_snmp6(b, &t), -EINVAL, "%s", files[i]);
		pp_kvtab_free(&t);
		free(b);
	}
}
