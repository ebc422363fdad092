// SPDX-License-Identifier: Apache-2.0
/* time collector: clocksource list. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collectors/time.h"
#include "proc_fixture.h"

Test(time, available_list)
{
	char *names[4];
	char *b = fx_str("tsc kvm-clock acpi_pm \n");
	char *c = fx_str("a b c d e\n");

	cr_assert_eq(clocksource__parse_available(b, names, 4), 3);
	cr_assert_str_eq(names[1], "kvm-clock");
	cr_assert_eq(clocksource__parse_available(c, names, 4), -E2BIG);
	free(b);
	free(c);
}
