// SPDX-License-Identifier: Apache-2.0
/* cpu collector: sysfs CPU lists and /proc/cpuinfo. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/cpu.h"
#include "proc_fixture.h"

Test(cpu, list_ranges_and_singles)
{
	unsigned int *c;
	size_t n;
	char *a = fx_str("1-2,5\n"), *e = fx_str("\n"), *bad1 = fx_str("3-1\n"),
	     *bad2 = fx_str("1,x\n"), *bad3 = fx_str("0-99999999\n"), *bad4 = fx_str("1 2\n");

	cr_assert_eq(cpu__parse_list(a, &c, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert(c[0] == 1 && c[1] == 2 && c[2] == 5);
	free(c);
	cr_assert_eq(cpu__parse_list(e, &c, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(c);
	cr_assert_eq(cpu__parse_list(bad1, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad2, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad3, &c, &n), -EINVAL);
	cr_assert_eq(cpu__parse_list(bad4, &c, &n), -EINVAL);
	free(bad4);
	free(a);
	free(e);
	free(bad1);
	free(bad2);
	free(bad3);
}

Test(cpu, cpuinfo_this_machine)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *b = fx_load("proc/cpuinfo");

	cr_assert_eq(cpuinfo__parse(b, &e, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(e[0].vendor, "AuthenticAMD");
	cr_assert_str_eq(e[1].processor, "1");
	cr_assert_str_eq(e[1].core_id, "1");
	cr_assert_str_eq(e[0].model_name, "AMD EPYC");
	cr_assert_str_eq(e[0].cache_size, "1024 KB");
	cr_assert_not_null(strstr(e[0].flags, "constant_tsc"));
	free(e);
	free(b);
}

Test(cpu, cpuinfo_two_socket_xeon)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *b = fx_load("proc/variants/cpuinfo.xeon2s");

	cr_assert_eq(cpuinfo__parse(b, &e, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(e[0].model_name, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
	cr_assert_str_eq(e[0].microcode, "0x5003604");
	cr_assert_str_eq(e[1].physical_id, "1");
	cr_assert_str_eq(e[1].bugs, "spectre_v1");
	free(e);
	free(b);
}

Test(cpu, cpuinfo_hostile)
{
	struct cpuinfo_entry *e;
	size_t n;
	char *a = fx_load("hostile/proc/empty"), *b = fx_str("processor : 0\nno colon here\n");

	cr_assert_eq(cpuinfo__parse(a, &e, &n), -EINVAL);
	cr_assert_null(e);
	cr_assert_eq(cpuinfo__parse(b, &e, &n), -EINVAL);
	cr_assert_null(e);
	free(a);
	free(b);
}
