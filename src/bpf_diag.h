// SPDX-License-Identifier: Apache-2.0
/* Why the kernel refused a BPF operation, in the terms of what a deployment grants: the missing
 * capabilities (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN), a seccomp profile, a bpffs at the pin path.
 * libbpf's own hint for EPERM (CONFIG_BPF_SYSCALL, RLIMIT_MEMLOCK) is wrong on every kernel this
 * agent runs on, so the loader says this instead. */
#ifndef NODEPATH_BPF_DIAG_H
#define NODEPATH_BPF_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_privs {
	bool cap_bpf, cap_perfmon, cap_net_admin, cap_sys_admin; /* effective */
	int seccomp; /* /proc/self/status "Seccomp:": 0 none, 1 strict, 2 filter, -1 unknown */
};

enum bpf_diag_op {
	BPF_DIAG_LOAD_TC,      /* tc programs and their maps */
	BPF_DIAG_LOAD_TRACING, /* tp_btf programs (drop counters) */
	BPF_DIAG_ATTACH,       /* tc / tcx attach */
	BPF_DIAG_MOUNT_BPFFS,  /* mounting a bpffs at the pin path */
};

/* The calling thread's effective capabilities (capget) and seccomp mode. 0 or -errno. */
int bpf_diag__read_privs(struct bpf_privs *p);

/* Pure: what is missing for op, comma-separated into buf ("CAP_BPF,CAP_PERFMON", "seccomp
 * profile allowing bpf(2)", ...). CAP_SYS_ADMIN stands in for the others, as in the kernel. When
 * no capability is missing but a seccomp filter is on, the filter is named. NULL when nothing
 * here explains the refusal. */
const char *bpf_diag__missing(const struct bpf_privs *p, enum bpf_diag_op op, char *buf,
			      size_t cap);

/* bpf_diag__missing for the calling thread, for err (-errno): NULL unless err is -EPERM (or
 * -EACCES for a mount) and something is found. buf as above. */
const char *bpf_diag__explain(int err, enum bpf_diag_op op, char *buf, size_t cap);

#endif
