// SPDX-License-Identifier: Apache-2.0
/* Shared /proc parsing helpers: single-number files, the key table, the match cache. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/procparse.h"
#include "pattern.h"
#include "proc_fixture.h"

Test(procparse, entropy_and_conntrack_sysctls)
{
	uint64_t v;
	char *a = fx_load("proc/sys/kernel/random/entropy_avail");
	char *b = fx_load("proc/sys/net/netfilter/nf_conntrack_max");
	char *c = fx_load("hostile/proc/entropy_avail.garbage");
	char *d = fx_load("hostile/proc/empty");
	char *e = fx_str("18446744073709551616\n");

	cr_assert_eq(pp_parse_single_u64(a, &v), 0);
	cr_assert_eq(v, 256);
	cr_assert_eq(pp_parse_single_u64(b, &v), 0);
	cr_assert_eq(v, 262144);
	cr_assert_eq(pp_parse_single_u64(c, &v), -EINVAL);
	cr_assert_eq(pp_parse_single_u64(d, &v), -EINVAL);
	cr_assert_eq(pp_parse_single_u64(e, &v), -EINVAL);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

Test(procparse, kvtab_many_keys_and_replacement)
{
	struct pp_kvtab t = { 0 };
	char key[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "Key_%d", i);
		cr_assert_eq(pp_kvtab_put(&t, key, i), 0);
	}
	cr_assert_eq(pp_kvtab_put(&t, "Key_500", -1), 0);
	cr_assert_eq(t.n, 1000);
	cr_assert(pp_kvtab_get(&t, "Key_500")->value == -1);
	cr_assert(pp_kvtab_get(&t, "Key_999")->value == 999);
	cr_assert_str_eq(t.v[0].key, "Key_0"); /* file order kept */
	cr_assert_null(pp_kvtab_get(&t, "Key_1000"));
	pp_kvtab_free(&t);
	cr_assert_null(pp_kvtab_get(&t, "Key_1"));
}

Test(procparse, match_cache_answers_like_the_pattern)
{
	static struct pp_match_cache c = PP_MATCH_CACHE_INIT;
	struct pattern *re = NULL;

	cr_assert_eq(pattern__compile("t", "^(oom_kill|pgpg|pswp|pg.*fault).*", PATTERN_SEARCH, &re,
				      NULL, 0),
		     0);
	for (int round = 0; round < 2; round++) {
		cr_assert(pp_match(&c, re, "pgfault"));
		cr_assert(pp_match(&c, re, "pgpgin"));
		cr_assert(!pp_match(&c, re, "nr_free_pages"));
		cr_assert(!pp_match(&c, re, "xpgfault"));
	}
	cr_assert_eq(c.seen.n, 4);
	pp_match_cache_clear(&c);
	pattern__free(re);
}
