// SPDX-License-Identifier: Apache-2.0
/* The interfaces the flags name (--collector.netpath.bridge-device, overlay-device, node-device):
 * one that does not exist is said once, naming the flag, and again only after it appeared and
 * disappeared, so a typo or a missing flannel.1 is not silent and a flapping one is not noisy. */
#ifndef NODEPATH_NAMED_DEVS_H
#define NODEPATH_NAMED_DEVS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define NAMED_DEVS_MAX 16

enum named_dev_state { NAMED_DEV_UNKNOWN = 0, NAMED_DEV_PRESENT, NAMED_DEV_MISSING };

struct named_dev {
	char name[IF_NAMESIZE];
	const char *flag; /* without "--" */
	enum named_dev_state state;
};

struct named_devs {
	struct named_dev d[NAMED_DEVS_MAX];
	size_t n;
};

/* Adds each name of the comma-separated list (empty names skipped, duplicates once, at most
 * NAMED_DEVS_MAX in all; a name longer than an interface name can be is kept truncated and so
 * reported missing). */
void named_devs__add(struct named_devs *nd, const char *flag, const char *list);

/* Checks every name with present(arg, name) and logs the changes: a warning when a device is
 * missing at the first check or disappears, an info line when it appears after being missing.
 * Returns the number of lines logged. */
int named_devs__update(struct named_devs *nd, bool (*present)(void *arg, const char *name),
		       void *arg);

#endif
