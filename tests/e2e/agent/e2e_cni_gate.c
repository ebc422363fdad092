// SPDX-License-Identifier: Apache-2.0
/* Test-only gate on the CNI cache read, for build/nodepath_e2e_agent (never in the product
 * binary): with --e2e.cni-cache-gate=FILE, opening the --path.cni-cache directory waits until
 * FILE exists. A test can then see the agent serving while its pod table is still being read,
 * without racing the read. The executable's opendir() takes the place of libc's for the whole
 * agent; other directories pass straight through. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "pods.h"

static const char *opt_gate = "";
NP_FLAG_STRING("e2e.cni-cache-gate", &opt_gate,
	       "Test only: the first read of the CNI cache waits until this file exists.");

/* Bounded, so a test that dies before opening the gate cannot leave an agent stuck forever. */
#define GATE_MAX_WAIT_S 600

DIR *opendir(const char *name)
{
	static int opened;
	DIR *d;
	int fd;

	if (opt_gate[0] && !__atomic_load_n(&opened, __ATOMIC_ACQUIRE) &&
	    strcmp(name, pods__cache_dir()) == 0) {
		struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

		for (int i = 0; i < GATE_MAX_WAIT_S * 100 && access(opt_gate, F_OK) != 0; i++)
			nanosleep(&ts, NULL);
		__atomic_store_n(&opened, 1, __ATOMIC_RELEASE);
	}
	fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}
