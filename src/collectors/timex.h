// SPDX-License-Identifier: Apache-2.0
/* timex collector: adjtimex(2) values in node_exporter units. Pure functions, unit-tested on fixed
 * inputs. */
#ifndef NODEPATH_COLLECTORS_TIMEX_H
#define NODEPATH_COLLECTORS_TIMEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timex;
enum {
	TIMEX_SYNC_STATUS,
	TIMEX_OFFSET,
	TIMEX_FREQ,
	TIMEX_MAXERROR,
	TIMEX_ESTERROR,
	TIMEX_STATUS,
	TIMEX_CONSTANT,
	TIMEX_TICK,
	TIMEX_PPSFREQ,
	TIMEX_JITTER,
	TIMEX_SHIFT,
	TIMEX_STABIL,
	TIMEX_JITCNT,
	TIMEX_CALCNT,
	TIMEX_ERRCNT,
	TIMEX_STBCNT,
	TIMEX_TAI,
	TIMEX_NVALUES
};
/* adjtimex(2) result (return value state, struct) -> exported values in node_exporter units. */
void timex__values(int state, const struct timex *t, double out[TIMEX_NVALUES]);

#endif
