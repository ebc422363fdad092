// SPDX-License-Identifier: Apache-2.0
/* The composition of a scrape: the always-present families, the collectors, then what the
 * textfile collector relays, so no file can define a family before the agent does. */
#include "scrape.h"

#include <errno.h>

#include "build_info.h"
#include "collector.h"
#include "collectors/netpath.h"
#include "collectors/process.h"

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
