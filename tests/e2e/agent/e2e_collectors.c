// SPDX-License-Identifier: Apache-2.0
/* Collectors for the test-only agent build/nodepath_e2e_agent (never in the product binary):
 * a slow one (to hold a --web.max-requests slot for an honest 503), a failing one and one with
 * hostile label values, so the HTTP end-to-end test can check them through the real endpoint. */
#include <errno.h>
#include <time.h>

#include "collector.h"
#include "flags.h"

static unsigned long opt_slow_ms = 0;
NP_FLAG_UINT("collector.e2e_slow.delay-ms", &opt_slow_ms, "Test only: scrape delay (ms).");

static int slow_collect(struct expo_writer *w)
{
	struct timespec ts = { .tv_sec = (time_t)(opt_slow_ms / 1000),
			       .tv_nsec = (long)(opt_slow_ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	expo__family(w, "e2e_slow_value", "Test only: a slow collector ran.", EXPO_GAUGE);
	expo__sample(w, "e2e_slow_value", NULL, 0, 1);
	return 0;
}

static int fail_collect(struct expo_writer *w)
{
	expo__family(w, "e2e_fail_value", "Test only: must never appear.", EXPO_COUNTER);
	expo__sample(w, "e2e_fail_value", NULL, 0, 1);
	return -EIO;
}

static int labels_collect(struct expo_writer *w)
{
	struct expo_label l[] = { { "quote", "a\"b" },
				  { "backslash", "c\\d" },
				  { "newline", "e\nf" },
				  { "bad_utf8", "g\xff" } };

	expo__family(w, "e2e_labels_info", "Test only: hostile \\ label\nvalues.", EXPO_GAUGE);
	expo__sample(w, "e2e_labels_info", l, 4, 1);
	expo__family(w, "e2e_labels_values_total", "Test only: values.", EXPO_COUNTER);
	expo__sample(w, "e2e_labels_values_total", (struct expo_label[]){ { "v", "big" } }, 1,
		     24964497408.0);
	expo__sample(w, "e2e_labels_values_total", (struct expo_label[]){ { "v", "small" } }, 1,
		     0.000012345);
	return 0;
}

static struct collector e2e_slow = { .name = "e2e_slow",
				     .default_enabled = true,
				     .collect = slow_collect };
NP_COLLECTOR(e2e_slow);
static struct collector e2e_fail = { .name = "e2e_fail",
				     .default_enabled = true,
				     .collect = fail_collect };
NP_COLLECTOR(e2e_fail);
static struct collector e2e_labels = { .name = "e2e_labels",
				       .default_enabled = true,
				       .collect = labels_collect };
NP_COLLECTOR(e2e_labels);
