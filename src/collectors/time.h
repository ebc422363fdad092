// SPDX-License-Identifier: Apache-2.0
/* time collector: the clocksource list. Pure functions, unit-tested on fixed inputs. */
#ifndef NODEPATH_COLLECTORS_TIME_H
#define NODEPATH_COLLECTORS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* available_clocksource: blank-separated names; returns count or -EINVAL/-E2BIG. */
int clocksource__parse_available(char *buf, char **names, int max);

#endif
