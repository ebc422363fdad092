// SPDX-License-Identifier: Apache-2.0
/* Presence of the interfaces named by flags, logged once per change (see named_devs.h). */
#include "named_devs.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

void named_devs__add(struct named_devs *nd, const char *flag, const char *list)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool dup = false;
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		for (size_t i = 0; i < nd->n && !dup; i++)
			dup = strcmp(nd->d[i].name, name) == 0;
		if (len && !dup && nd->n < NAMED_DEVS_MAX) {
			memcpy(nd->d[nd->n].name, name, sizeof(name));
			nd->d[nd->n].flag = flag;
			nd->d[nd->n].state = NAMED_DEV_UNKNOWN;
			nd->n++;
		}
		if (!end)
			break;
		p = end + 1;
	}
}

int named_devs__update(struct named_devs *nd, bool (*present)(void *arg, const char *name),
		       void *arg)
{
	int logged = 0;

	for (size_t i = 0; i < nd->n; i++) {
		struct named_dev *d = &nd->d[i];
		enum named_dev_state now =
		    present(arg, d->name) ? NAMED_DEV_PRESENT : NAMED_DEV_MISSING;

		if (now == d->state)
			continue;
		if (now == NAMED_DEV_MISSING) {
			log_warn(d->state == NAMED_DEV_UNKNOWN
				     ? "the configured device does not exist; it is hooked when it "
				       "appears"
				     : "the configured device disappeared",
				 "flag", d->flag, "device", d->name);
			logged++;
		} else if (d->state == NAMED_DEV_MISSING) {
			log_info("the configured device appeared", "flag", d->flag, "device",
				 d->name);
			logged++;
		}
		d->state = now;
	}
	return logged;
}
