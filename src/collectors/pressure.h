// SPDX-License-Identifier: Apache-2.0
/* pressure collector: /proc/pressure/<resource>. Its parsers are pure (buffer in, modified in
 * place; struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the
 * caller must free. */
#ifndef NODEPATH_COLLECTORS_PRESSURE_H
#define NODEPATH_COLLECTORS_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct psi_line {
	bool have;
	double avg10, avg60, avg300;
	uint64_t total; /* microseconds */
};
struct psi_stats {
	struct psi_line some, full;
};
int pressure__parse(char *buf, struct psi_stats *out);

#endif
