// SPDX-License-Identifier: Apache-2.0
/* nodepath: flags, lifecycle, signals. The only place that exits the process. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "collector.h"
#include "datapath.h"
#include "flags.h"
#include "http.h"
#include "log.h"
#include "privs.h"
#include "signals.h"

/* Each hooked pod veth holds descriptors (tcx links), and the common soft limit of 1024 runs out
 * near 500 pods. The hard limit is what the deployer granted; take all of it, as Go programs do. */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("cannot read the open-files limit", "err", LOG_ERR(errno));
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("cannot raise the open-files limit", "want", LOG_UINT(rl.rlim_max), "err",
			 LOG_ERR(errno));
		return;
	}
	log_debug("raised the open-files limit", "from", LOG_UINT(was), "to",
		  LOG_UINT(rl.rlim_max));
}

/* Only the eBPF datapath has start-up work to wait for; with netpath disabled nothing does. */
static bool g_netpath_enabled;

static bool ready_check(char *reason, size_t len)
{
	if (!g_netpath_enabled)
		return true;
	return datapath__ready(datapath__current(), reason, len);
}

int main(int argc, char **argv)
{
	struct datapath *dp = NULL;
	const struct collector *netpath;
	sigset_t set;
	int err, sig = 0, rc = 1;

	/* Scrapes run on a pool of job threads; glibc would give each thread its own malloc arena
	 * and keep the memory. Two arenas bound the agent's footprint. */
	mallopt(M_ARENA_MAX, 2);
	registry__reset();
	err = flags__parse(argc, argv, stdout, stderr);
	if (err == 1)
		return 0;
	if (err)
		return 2;

	signals__setup(&set);

	log_info("starting nodepath", "version", NODEPATH_VERSION);
	raise_nofile();
	/* Before any collector starts and any BPF program is attached: a busy or invalid listen
	 * address stops the agent at once, with the datapath untouched. */
	err = http__bind();
	if (err)
		goto stop;
	err = registry__init_all();
	if (err) {
		log_error("start-up failed", "err", LOG_ERR(err));
		goto stop;
	}
	/* The datapath serves only the netpath collector: disabled, nothing is loaded. A runtime
	 * failure leaves the host statistics served and netpath reported as failed. */
	netpath = registry__find("netpath");
	if (netpath && netpath->enabled) {
		g_netpath_enabled = true;
		/* Returns before the CNI cache is read: serving starts at once, and /-/ready
		 * says when the pod table is complete. */
		err = datapath__start(&dp);
		if (err == -EINVAL)
			goto stop;
		if (err)
			registry__set_failed("netpath", err);
	}
	http__set_ready(ready_check);
	err = http__start();
	if (err)
		goto cleanup;
	err = privs__drop_after_start();
	if (err)
		goto stop;

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (signals__ends(sig))
			break;
		log_info("ignoring signal", "signal", strsignal(sig));
	}
	log_info("shutting down", "signal", strsignal(sig));
	rc = 0;
stop:
	http__stop();
cleanup:
	datapath__stop(dp);
	registry__fini_all();
	return rc;
}
