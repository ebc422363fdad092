// SPDX-License-Identifier: Apache-2.0
/* Collector registry in node_exporter's manner. A collector is one file in src/collectors/ that
 * declares itself with NP_COLLECTOR(); flags --collector.<name> / --no-collector.<name> and the
 * collect[] URL parameter select them. One failing collector never fails the scrape: its output
 * is rolled back and node_scrape_collector_success{collector} reports 0. */
#ifndef NODEPATH_COLLECTOR_H
#define NODEPATH_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "expo.h"

struct collector {
	const char *name;
	bool default_enabled;
	/* Optional; called once at start-up when enabled. On -errno the failure is logged and the
	 * collector is never called: every scrape reports node_scrape_collector_success 0 for it
	 * while the others keep serving (registry.c says why). -EINVAL (a bad flag value) refuses
	 * the start instead. */
	int (*init)(void);
	/* Called per scrape, possibly from several threads at once. 0 or -errno. */
	int (*collect)(struct expo_writer *w);
	/* Optional; called once at shutdown for initialised collectors. */
	void (*fini)(void);
	/* Relays text that other programs wrote (textfile): runs after every other collector,
	 * into a writer of its own whose text goes after all of the agent's own families,
	 * node_scrape_collector_* included. Its writer's preceding/reserved name them, so
	 * it can drop what would redefine one of them. */
	bool last;
	/* Runtime state owned by the registry. */
	bool enabled;
	bool initialised;
};

#define NP_COLLECTOR(var)                                     \
	static struct collector *const np_collector_ptr_##var \
	    __attribute__((used, section("np_collectors"))) = &var

/* Iteration over all registered collectors, sorted by name (registry__sort at start). */
size_t registry__count(void);
struct collector *registry__at(size_t i);
struct collector *registry__find(const char *name);

/* Flag handling: enable/disable by name; -ENOENT for an unknown collector. */
int registry__set_enabled(const char *name, bool on);
void registry__disable_defaults(void);

/* Apply defaults (call before parsing flags), then init enabled collectors / fini them. */
void registry__reset(void);
int registry__init_all(void);
void registry__fini_all(void);

/* A collector whose source failed to start outside its init (the netpath collector's datapath,
 * started by main): it reports node_scrape_collector_success 0 and is never called. */
int registry__set_failed(const char *name, int err);

/* One scrape. filter: NULL for all enabled, or a NULL-terminated list of names (collect[]);
 * an unknown or disabled name in filter returns -ENOENT and writes *bad_name. Appends the
 * collectors' families and node_scrape_collector_{duration_seconds,success}, then what the
 * collectors marked last wrote. */
int registry__scrape(struct expo_writer *w, const char *const *filter, const char **bad_name);

#endif
