// SPDX-License-Identifier: Apache-2.0
/* Which signals end the agent and which it ignores on purpose. */
#ifndef NODEPATH_SIGNALS_H
#define NODEPATH_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Blocks, in the calling thread and every thread it creates later, each signal whose default
 * action would end the process (faults aside), and fills set with them for sigwait(). Call
 * before any thread starts. */
void signals__setup(sigset_t *set);
/* true for the signals that go through the shutdown path; the others in set are ignored. */
bool signals__ends(int sig);

#endif
