// SPDX-License-Identifier: Apache-2.0
/* stat collector: /proc/stat (its CPU times also serve the cpu collector). Its parsers are pure
 * (buffer in, modified in place; struct out) and return 0 or -EINVAL for malformed input, never a
 * half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_STAT_H
#define NODEPATH_COLLECTORS_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values in seconds (USER_HZ ticks / 100), as procfs does. */
struct cpu_times {
	double user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
};

struct cpu_line {
	unsigned int id;
	struct cpu_times t;
};

struct proc_stat {
	struct cpu_times total;
	struct cpu_line *cpus; /* malloc'd, ncpu entries, in file order */
	size_t ncpu;
	uint64_t intr, ctxt, btime, processes, procs_running, procs_blocked;
	/* softirq vectors in kernel order: hi timer net_tx net_rx block irq_poll tasklet sched
	 * hrtimer rcu (0 when the line is absent, as procfs) */
	uint64_t softirq[10];
};

int proc_stat__parse(char *buf, struct proc_stat *st);
/* Bounded read of <procfs>/stat, then proc_stat__parse. */
int proc_stat__read(struct proc_stat *st);
void proc_stat__free(struct proc_stat *st);

#endif
