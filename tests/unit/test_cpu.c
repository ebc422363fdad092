// SPDX-License-Identifier: Apache-2.0
/* cpu collector: sysfs CPU lists and /proc/cpuinfo. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/cpu.h"
#include "proc_fixture.h"

/* A sysfs CPU list and what it expands to; rc -EINVAL means refused. */
static const struct {
	const char *in;
	int rc;
	size_t n;
	unsigned int cpus[4];
} cpu_lists[] = {
	{ "1-2,5\n", 0, 3, { 1, 2, 5 } },
	{ "0\n", 0, 1, { 0 } },
	{ "\n", 0, 0, { 0 } },
	{ "3-1\n", -EINVAL, 0, { 0 } },
	{ "1,x\n", -EINVAL, 0, { 0 } },
	{ "0-99999999\n", -EINVAL, 0, { 0 } },
	{ "1 2\n", -EINVAL, 0, { 0 } },
};

Test(cpu, list_ranges_and_singles)
{
	for (size_t i = 0; i < sizeof(cpu_lists) / sizeof(cpu_lists[0]); i++) {
		char *in = fx_str(cpu_lists[i].in);
		unsigned int *c = NULL;
		size_t n = 0;

		cr_assert_eq(cpu__parse_list(in, &c, &n), cpu_lists[i].rc, "%s", cpu_lists[i].in);
		if (cpu_lists[i].rc == 0) {
			cr_assert_eq(n, cpu_lists[i].n, "%s", cpu_lists[i].in);
			for (size_t k = 0; k < n; k++)
				cr_assert_eq(c[k], cpu_lists[i].cpus[k], "%s [%zu]",
					     cpu_lists[i].in, k);
			if (n == 0)
				cr_assert_null(c);
		}
		free(c);
		free(in);
	}
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
