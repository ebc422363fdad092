// SPDX-License-Identifier: Apache-2.0
/* The composition of a scrape: the always-present families, the collectors, then what the
 * textfile collector relays, so no file can define a family before the agent does. */
#include "scrape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "collector.h"
#include "collectors/netpath.h"
#include "collectors/process.h"

int scrape__filter(const char *const *collect, size_t ncollect, const char *const *exclude,
		   size_t nexclude, const char ***out, const char **bad_name)
{
	const char **list = NULL;
	size_t n = 0;

	*out = NULL;
	if (bad_name)
		*bad_name = NULL;
	if (ncollect && nexclude)
		return -EINVAL;
	if (ncollect) {
		list = calloc(ncollect + 1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		memcpy(list, collect, ncollect * sizeof(*list));
		*out = list;
		return 0;
	}
	if (!nexclude)
		return 0;
	for (size_t i = 0; i < nexclude; i++) {
		if (!registry__find(exclude[i])) {
			if (bad_name)
				*bad_name = exclude[i];
			return -ENOENT;
		}
	}
	list = calloc(registry__count() + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < registry__count(); i++) {
		const struct collector *c = registry__at(i);
		bool excluded = false;

		for (size_t k = 0; k < nexclude && !excluded; k++)
			excluded = strcmp(exclude[k], c->name) == 0;
		if (c->enabled && !excluded)
			list[n++] = c->name;
	}
	*out = list;
	return 0;
}

int scrape__write(struct expo_writer *w, const char *const *filter, const char **bad_name)
{
	size_t mark = expo__mark(w);
	int err;

	/* Outside node_scrape_collector_*, on every scrape, as node_exporter does. */
	self_metrics__write(w);
	netpath__emit_current_setup(w);
	build_info__emit(w);
	if (w->err)
		return w->err;
	err = registry__scrape(w, filter, bad_name);
	if (err == -ENOENT)
		expo__rollback(w, mark); /* a bad collect[] name: nothing is served */
	return err ? err : w->err;
}
