// SPDX-License-Identifier: Apache-2.0
/* The composition of a scrape: collectors, then the always-present families. */
#include "scrape.h"

#include "build_info.h"
#include "collector.h"
#include "collectors/process.h"

int scrape__write(struct expo_writer *w, const char *const *filter, const char **bad_name)
{
	int err = registry__scrape(w, filter, bad_name);

	if (err)
		return err;
	/* Outside node_scrape_collector_*, on every scrape, as node_exporter does. */
	self_metrics__write(w);
	build_info__emit(w);
	return w->err;
}
