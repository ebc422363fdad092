// SPDX-License-Identifier: Apache-2.0
/* Signals. Every signal whose default action ends the process either takes the shutdown path
 * (SIGINT, SIGTERM, SIGQUIT, SIGXCPU) or is ignored on purpose: SIGHUP (nothing to reload; the
 * web config is re-read when it changes), SIGUSR1/2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,
 * SIGPWR, SIGSTKFLT and the real-time signals carry no meaning here and must not kill a node
 * agent; SIGPIPE and SIGXFSZ turn into EPIPE/EFBIG on the call that caused them. Fault signals
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS) keep their default: after a fault
 * the process state is unknown and a core dump is worth more than a tidy exit. */
#include "signals.h"

#include <stddef.h>

static const int shutdown_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGXCPU };
static const int ignored_signals[] = { SIGHUP,	SIGUSR1, SIGUSR2, SIGALRM,  SIGVTALRM,
				       SIGPROF, SIGIO,	 SIGPWR,  SIGSTKFLT };

/* privs.c broadcasts this one to every thread once; until then and after it means nothing. */
#define PRIVS_SIGNAL (SIGRTMIN + 2)

bool signals__ends(int sig)
{
	for (size_t i = 0; i < sizeof(shutdown_signals) / sizeof(shutdown_signals[0]); i++) {
		if (shutdown_signals[i] == sig)
			return true;
	}
	return false;
}

void signals__setup(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(shutdown_signals) / sizeof(shutdown_signals[0]); i++)
		sigaddset(set, shutdown_signals[i]);
	for (size_t i = 0; i < sizeof(ignored_signals) / sizeof(ignored_signals[0]); i++)
		sigaddset(set, ignored_signals[i]);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++) {
		if (s != PRIVS_SIGNAL)
			sigaddset(set, s);
	}
	/* Taken synchronously by the main thread; every other thread inherits the mask. */
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(PRIVS_SIGNAL, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}
