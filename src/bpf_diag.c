// SPDX-License-Identifier: Apache-2.0
/* Names what a refused BPF operation lacks (see bpf_diag.h). */
#include "bpf_diag.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int c)
{
	return d[c / 32].effective & (1u << (c % 32));
}

int bpf_diag__read_privs(struct bpf_privs *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	char *buf = NULL, *line;

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	p->cap_bpf = has_cap(d, CAP_BPF);
	p->cap_perfmon = has_cap(d, CAP_PERFMON);
	p->cap_net_admin = has_cap(d, CAP_NET_ADMIN);
	p->cap_sys_admin = has_cap(d, CAP_SYS_ADMIN);
	p->seccomp = -1;
	/* The agent's own view: /proc/self, whatever --path.procfs says about the host. */
	if (fs__read_file("/proc/self/status", 1 << 16, &buf, NULL) == 0) {
		line = strstr(buf, "\nSeccomp:");
		if (line)
			sscanf(line + strlen("\nSeccomp:"), "%d", &p->seccomp);
	}
	free(buf);
	return 0;
}

static void append(char *buf, size_t cap, const char *what)
{
	size_t len = strlen(buf);

	snprintf(buf + len, cap - len, "%s%s", len ? "," : "", what);
}

const char *bpf_diag__missing(const struct bpf_privs *p, enum bpf_diag_op op, char *buf, size_t cap)
{
	bool admin = p->cap_sys_admin;

	if (!cap)
		return NULL;
	buf[0] = '\0';
	switch (op) {
	case BPF_DIAG_LOAD_TC:
		/* bpf_capable() for maps and programs, CAP_NET_ADMIN for a SCHED_CLS program; the
		 * tc programs load without CAP_PERFMON (docs/deploy.md). */
		if (!p->cap_bpf && !admin)
			append(buf, cap, "CAP_BPF");
		if (!p->cap_net_admin && !admin)
			append(buf, cap, "CAP_NET_ADMIN");
		break;
	case BPF_DIAG_LOAD_TRACING:
		if (!p->cap_bpf && !admin)
			append(buf, cap, "CAP_BPF");
		if (!p->cap_perfmon && !admin)
			append(buf, cap, "CAP_PERFMON");
		break;
	case BPF_DIAG_ATTACH:
		if (!p->cap_net_admin && !admin)
			append(buf, cap, "CAP_NET_ADMIN");
		break;
	case BPF_DIAG_MOUNT_BPFFS:
		/* Mounting needs CAP_SYS_ADMIN, which the DaemonSet does not grant: the answer is
		 * the host's bpffs mounted at the pin path. */
		if (!admin)
			append(buf, cap,
			       "a bpffs mounted at the pin path (or CAP_SYS_ADMIN to mount one)");
		break;
	}
	if (!buf[0] && p->seccomp == 2)
		append(buf, cap,
		       op == BPF_DIAG_MOUNT_BPFFS ? "a seccomp profile that allows mount(2)"
						  : "a seccomp profile that allows bpf(2)");
	return buf[0] ? buf : NULL;
}

const char *bpf_diag__explain(int err, enum bpf_diag_op op, char *buf, size_t cap)
{
	struct bpf_privs p;

	if (err != -EPERM && !(op == BPF_DIAG_MOUNT_BPFFS && err == -EACCES))
		return NULL;
	if (bpf_diag__read_privs(&p))
		return NULL;
	return bpf_diag__missing(&p, op, buf, cap);
}
