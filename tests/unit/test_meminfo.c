// SPDX-License-Identifier: Apache-2.0
/* /proc/meminfo parser: node_exporter key rewriting and kB scaling. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/meminfo.h"
#include "proc_fixture.h"

static double get(const struct pp_kvtab *t, const char *k)
{
	const struct pp_kv *kv = pp_kvtab_get(t, k);

	cr_assert_not_null(kv, "missing key %s", k);
	return kv->value;
}

Test(meminfo, this_machine)
{
	struct pp_kvtab t;
	char *b = fx_load("proc/meminfo");

	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert(get(&t, "MemTotal_bytes") == 24684084.0 * 1024);
	cr_assert(get(&t, "Active_anon_bytes") == 1632.0 * 1024);
	cr_assert(get(&t, "HugePages_Total") == 0);
	cr_assert(get(&t, "Hugepagesize_bytes") == 2048.0 * 1024);
	cr_assert_null(pp_kvtab_get(&t, "Active(anon)_bytes"));
	cr_assert_null(pp_kvtab_get(&t, "MemTotal"));
	pp_kvtab_free(&t);
	free(b);
}

Test(meminfo, centos7_trailing_empty_line)
{
	struct pp_kvtab t;
	char *b = fx_load("proc/variants/meminfo.centos7");

	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert_eq(t.n, 42);
	cr_assert(get(&t, "VmallocTotal_bytes") == 34359738367.0 * 1024);
	cr_assert(get(&t, "Inactive_file_bytes") == 6532440.0 * 1024);
	cr_assert(get(&t, "HugePages_Surp") == 0);
	pp_kvtab_free(&t);
	free(b);
}

Test(meminfo, huge_values_stay_exact_floats)
{
	struct pp_kvtab t;
	char *b = fx_load("hostile/proc/meminfo.huge");

	/* Go's ParseFloat takes 2^64; it is a value, not garbage */
	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert(get(&t, "MemTotal_bytes") == 18446744073709551616.0 * 1024);
	cr_assert(get(&t, "HugePages_Total") == 18446744073709551616.0);
	pp_kvtab_free(&t);
	free(b);
}

Test(meminfo, duplicate_key_last_wins)
{
	struct pp_kvtab t;
	char *b = fx_str("MemTotal: 1 kB\nMemTotal: 2 kB\n");

	cr_assert_eq(meminfo__parse(b, &t), 0);
	cr_assert_eq(t.n, 1);
	cr_assert(get(&t, "MemTotal_bytes") == 2048);
	pp_kvtab_free(&t);
	free(b);
}

Test(meminfo, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",		"hostile/proc/meminfo.nocolon",
		"hostile/proc/meminfo.badunit", "hostile/proc/meminfo.nonnumeric",
		"hostile/proc/meminfo.toomany", "hostile/proc/meminfo.novalue",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct pp_kvtab t;
		char *b = fx_load(files[i]);

		cr_assert_eq(meminfo__parse(b, &t), -EINVAL, "%s", files[i]);
		cr_assert_null(t.v);
		free(b);
	}
}

Test(meminfo, overlong_key)
{
	struct pp_kvtab t;
	char line[400];
	char *b;

	memset(line, 'A', 300);
	strcpy(line + 300, ": 1 kB\n");
	b = fx_str(line);
	cr_assert_lt(meminfo__parse(b, &t), 0);
	free(b);
}
