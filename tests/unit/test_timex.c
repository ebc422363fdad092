// SPDX-License-Identifier: Apache-2.0
/* timex collector: adjtimex value conversion. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collectors/timex.h"
#include "proc_fixture.h"

Test(timex, units_as_node_exporter)
{
	struct timex t;
	double v[TIMEX_NVALUES];

	memset(&t, 0, sizeof(t));
	t.status = 64;
	t.maxerror = 16000000;
	t.esterror = 16000000;
	t.tick = 10000;
	t.constant = 2;
	t.offset = 1500; /* microseconds without STA_NANO */
	t.freq = 65536;	 /* 1 ppm */
	t.tai = 37;
	timex__values(TIME_ERROR, &t, v);
	cr_assert(v[TIMEX_SYNC_STATUS] == 0);
	cr_assert(v[TIMEX_MAXERROR] == 16);
	cr_assert(v[TIMEX_TICK] == 0.01);
	cr_assert(v[TIMEX_OFFSET] == 0.0015);
	cr_assert(v[TIMEX_FREQ] == 1.000001);
	cr_assert(v[TIMEX_STATUS] == 64);
	cr_assert(v[TIMEX_TAI] == 37);
	t.status |= 0x2000; /* STA_NANO: offset in ns */
	timex__values(TIME_OK, &t, v);
	cr_assert(v[TIMEX_SYNC_STATUS] == 1);
	cr_assert(v[TIMEX_OFFSET] == 0.0000015);
}
