/* Small single-purpose parsers: file-nr, single-number sysctls, pressure, conntrack stats. */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/proc_parsers.h"
#include "proc_fixture.h"

Test(proc_filefd, this_machine)
{
	double a, m;
	char *b = fx_load("proc/sys/fs/file-nr");

	cr_assert_eq(filefd__parse(b, &a, &m), 0);
	cr_assert(a == 625 && m == 2466170);
	free(b);
}

Test(proc_filefd, hostile)
{
	static const char *const files[] = { "hostile/proc/empty", "hostile/proc/file-nr.short",
					     "hostile/proc/file-nr.huge" };

	for (size_t i = 0; i < 3; i++) {
		double a, m;
		char *b = fx_load(files[i]);

		cr_assert_eq(filefd__parse(b, &a, &m), -EINVAL, "%s", files[i]);
		free(b);
	}
}

Test(proc_single, entropy_and_conntrack_sysctls)
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

Test(proc_pressure, this_machine)
{
	struct psi_stats s;
	char *cpu = fx_load("proc/pressure/cpu"), *io = fx_load("proc/pressure/io");

	cr_assert_eq(pressure__parse(cpu, &s), 0);
	cr_assert(s.some.have && s.full.have);
	cr_assert_eq(s.some.total, 26544745);
	cr_assert(s.some.avg10 == 4.42 && s.some.avg300 == 3.99);
	cr_assert_eq(pressure__parse(io, &s), 0);
	cr_assert_eq(s.full.total, 4276541);
	/* node_exporter's conversion: total / 1000.0 / 1000.0 */
	cr_assert((double)s.some.total / 1000.0 / 1000.0 == 4.666505);
	free(cpu);
	free(io);
}

Test(proc_pressure, old_kernel_cpu_has_no_full)
{
	struct psi_stats s;
	char *b = fx_load("proc/variants/pressure_cpu.5.4");

	cr_assert_eq(pressure__parse(b, &s), 0);
	cr_assert(!s.full.have);
	cr_assert_eq(s.some.total, 1238749231);
	free(b);
}

Test(proc_pressure, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",	       "hostile/proc/pressure.nototal",
		"hostile/proc/pressure.duplicate", "hostile/proc/pressure.huge",
		"hostile/proc/pressure.nosome", "hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct psi_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(pressure__parse(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}

Test(proc_conntrack, this_machine_17_columns)
{
	struct conntrack_stat s;
	char *b = fx_load("proc/net/stat/nf_conntrack");

	cr_assert_eq(conntrack__parse_stat(b, &s), 0);
	cr_assert_eq(s.found + s.invalid + s.insert + s.drop + s.search_restart, 0);
	free(b);
}

Test(proc_conntrack, sums_cpus_16_columns)
{
	struct conntrack_stat s;
	char *b = fx_load("proc/variants/nf_conntrack.16col");

	cr_assert_eq(conntrack__parse_stat(b, &s), 0);
	cr_assert_eq(s.found, 0xb + 0x10);
	cr_assert_eq(s.invalid, 2);
	cr_assert_eq(s.ignore, 4);
	cr_assert_eq(s.insert, 6);
	cr_assert_eq(s.insert_failed, 8);
	cr_assert_eq(s.drop, 10);
	cr_assert_eq(s.early_drop, 12);
	cr_assert_eq(s.search_restart, 0);
	free(b);
}

Test(proc_conntrack, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty", "hostile/proc/nf_conntrack.short",
		"hostile/proc/nf_conntrack.nonhex", "hostile/proc/nf_conntrack.noheader",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct conntrack_stat s;
		char *b = fx_load(files[i]);

		cr_assert_eq(conntrack__parse_stat(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
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

Test(procparse, match_cache_answers_like_regexec)
{
	static struct pp_match_cache c = PP_MATCH_CACHE_INIT;
	regex_t re;

	cr_assert_eq(regcomp(&re, "^(oom_kill|pgpg|pswp|pg.*fault).*", REG_EXTENDED | REG_NOSUB), 0);
	for (int round = 0; round < 2; round++) {
		cr_assert(pp_match(&c, &re, "pgfault"));
		cr_assert(pp_match(&c, &re, "pgpgin"));
		cr_assert(!pp_match(&c, &re, "nr_free_pages"));
		cr_assert(!pp_match(&c, &re, "xpgfault"));
	}
	cr_assert_eq(c.seen.n, 4);
	pp_match_cache_clear(&c);
	regfree(&re);
}
