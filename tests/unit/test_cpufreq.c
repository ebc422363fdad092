// SPDX-License-Identifier: Apache-2.0
/* cpufreq reader on an intel_pstate laptop fixture and hostile values. */
#include <errno.h>

#include "collectors/cpufreq.h"
#include "sys_fixture.h"

Test(cpufreq, intel_pstate)
{
	struct cpufreq_cpu c;

	cr_assert_eq(cpufreq__read_cpu(SYS_FIX "/devices/system/cpu/cpu0/cpufreq", "0", &c), 0);
	cr_assert(c.have[CF_CUR]);
	cr_assert_eq(c.khz[CF_CUR], 1800000);
	cr_assert_eq(c.khz[CF_MAX], 4700000);
	cr_assert_eq(c.khz[CF_MIN], 400000);
	cr_assert_eq(c.khz[CF_SCALING_CUR], 1800002);
	cr_assert_eq(cpufreq__read_cpu(SYS_FIX "/devices/system/cpu/cpu1/cpufreq", "1", &c), 0);
	cr_assert(!c.have[CF_CUR]); /* root-only on real machines: absent */
	cr_assert_eq(c.khz[CF_SCALING_CUR], 2394117);
}

Test(cpufreq, hostile)
{
	struct cpufreq_cpu c;

	cr_assert_eq(cpufreq__read_cpu(HOSTILE_FIX "/devices/system/cpu/cpu0/cpufreq", "0", &c),
		     -EINVAL);
	cr_assert_eq(cpufreq__read_cpu(HOSTILE_FIX "/devices/system/cpu/cpu1/cpufreq", "1", &c),
		     -EINVAL);
	/* A directory without any file: no values, no error. */
	cr_assert_eq(cpufreq__read_cpu(SYS_FIX "/devices/system/cpu/cpu2", "2", &c), 0);
	for (int a = 0; a < CF_MAX_ATTR; a++)
		cr_assert(!c.have[a]);
}
