// SPDX-License-Identifier: Apache-2.0
/* pressure collector: /proc/pressure parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/pressure.h"
#include "proc_fixture.h"

Test(pressure, this_machine)
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

Test(pressure, old_kernel_cpu_has_no_full)
{
	struct psi_stats s;
	char *b = fx_load("proc/variants/pressure_cpu.5.4");

	cr_assert_eq(pressure__parse(b, &s), 0);
	cr_assert(!s.full.have);
	cr_assert_eq(s.some.total, 1238749231);
	free(b);
}

Test(pressure, hostile)
{
	static const char *const files[] = {
		"hostile/proc/empty",
		"hostile/proc/pressure.nototal",
		"hostile/proc/pressure.duplicate",
		"hostile/proc/pressure.huge",
		"hostile/proc/pressure.nosome",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct psi_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(pressure__parse(b, &s), -EINVAL, "%s", files[i]);
		free(b);
	}
}
