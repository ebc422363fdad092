// SPDX-License-Identifier: Apache-2.0
/* timex collector: kernel clock discipline state from adjtimex(2) (read-only call), with
 * node_exporter's family names and unit conversions. */
#include <errno.h>
#include <string.h>
#include <sys/timex.h>

#include "collector.h"
#include "log.h"
#include "timex.h"
#include "procparse.h"

#define STA_NANO_FLAG 0x2000
/* adjtimex(2) NOTES: freq, ppsfreq and stabil are ppm with a 16-bit fraction. */
#define PPM16FRAC (1000000.0 * 65536.0)

void timex__values(int state, const struct timex *t, double v[TIMEX_NVALUES])
{
	double div = (t->status & STA_NANO_FLAG) ? 1e9 : 1e6;

	v[TIMEX_SYNC_STATUS] = state == TIME_ERROR ? 0 : 1;
	v[TIMEX_OFFSET] = (double)t->offset / div;
	v[TIMEX_FREQ] = 1 + (double)t->freq / PPM16FRAC;
	v[TIMEX_MAXERROR] = (double)t->maxerror / 1e6;
	v[TIMEX_ESTERROR] = (double)t->esterror / 1e6;
	v[TIMEX_STATUS] = (double)t->status;
	v[TIMEX_CONSTANT] = (double)t->constant;
	v[TIMEX_TICK] = (double)t->tick / 1e6;
	v[TIMEX_PPSFREQ] = (double)t->ppsfreq / PPM16FRAC;
	v[TIMEX_JITTER] = (double)t->jitter / div;
	v[TIMEX_SHIFT] = (double)t->shift;
	v[TIMEX_STABIL] = (double)t->stabil / PPM16FRAC;
	v[TIMEX_JITCNT] = (double)t->jitcnt;
	v[TIMEX_CALCNT] = (double)t->calcnt;
	v[TIMEX_ERRCNT] = (double)t->errcnt;
	v[TIMEX_STBCNT] = (double)t->stbcnt;
	v[TIMEX_TAI] = (double)t->tai;
}

static const struct {
	const char *name;
	const char *help;
	enum expo_type type;
} timex_fams[TIMEX_NVALUES] = {
	[TIMEX_SYNC_STATUS] = { "node_timex_sync_status",
				"Is clock synchronized to a reliable server (1 = yes, 0 = no).",
				EXPO_GAUGE },
	[TIMEX_OFFSET] = { "node_timex_offset_seconds",
			   "Time offset in between local system and reference clock.", EXPO_GAUGE },
	[TIMEX_FREQ] = { "node_timex_frequency_adjustment_ratio",
			 "Local clock frequency adjustment.", EXPO_GAUGE },
	[TIMEX_MAXERROR] = { "node_timex_maxerror_seconds", "Maximum error in seconds.",
			     EXPO_GAUGE },
	[TIMEX_ESTERROR] = { "node_timex_estimated_error_seconds", "Estimated error in seconds.",
			     EXPO_GAUGE },
	[TIMEX_STATUS] = { "node_timex_status", "Value of the status array bits.", EXPO_GAUGE },
	[TIMEX_CONSTANT] = { "node_timex_loop_time_constant", "Phase-locked loop time constant.",
			     EXPO_GAUGE },
	[TIMEX_TICK] = { "node_timex_tick_seconds", "Seconds between clock ticks.", EXPO_GAUGE },
	[TIMEX_PPSFREQ] = { "node_timex_pps_frequency_hertz", "Pulse per second frequency.",
			    EXPO_GAUGE },
	[TIMEX_JITTER] = { "node_timex_pps_jitter_seconds", "Pulse per second jitter.",
			   EXPO_GAUGE },
	[TIMEX_SHIFT] = { "node_timex_pps_shift_seconds", "Pulse per second interval duration.",
			  EXPO_GAUGE },
	[TIMEX_STABIL] = { "node_timex_pps_stability_hertz",
			   "Pulse per second stability, average of recent frequency changes.",
			   EXPO_GAUGE },
	[TIMEX_JITCNT] = { "node_timex_pps_jitter_total",
			   "Pulse per second count of jitter limit exceeded events.",
			   EXPO_COUNTER },
	[TIMEX_CALCNT] = { "node_timex_pps_calibration_total",
			   "Pulse per second count of calibration intervals.", EXPO_COUNTER },
	[TIMEX_ERRCNT] = { "node_timex_pps_error_total",
			   "Pulse per second count of calibration errors.", EXPO_COUNTER },
	[TIMEX_STBCNT] = { "node_timex_pps_stability_exceeded_total",
			   "Pulse per second count of stability limit exceeded events.",
			   EXPO_COUNTER },
	[TIMEX_TAI] = { "node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.",
			EXPO_GAUGE },
};

static int timex_collect(struct expo_writer *w)
{
	struct timex t;
	double v[TIMEX_NVALUES];
	int state;

	memset(&t, 0, sizeof(t)); /* modes = 0: read only, no privilege needed */
	state = adjtimex(&t);
	if (state < 0) {
		if (errno == EPERM) {
			log_debug("not allowed to issue a syscall");
			return -ENODATA;
		}
		return -errno;
	}
	timex__values(state, &t, v);
	for (int i = 0; i < TIMEX_NVALUES; i++)
		pp_emit(w, timex_fams[i].name, timex_fams[i].help, timex_fams[i].type, v[i]);
	return 0;
}

static struct collector timex_collector = {
	.name = "timex",
	.default_enabled = true,
	.collect = timex_collect,
};
NP_COLLECTOR(timex_collector);
