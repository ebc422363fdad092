// SPDX-License-Identifier: Apache-2.0
/* What a refused BPF operation lacks, named as a deployment grants it. */
#include <criterion/criterion.h>
#include <errno.h>

#include "bpf_diag.h"

static const char *miss(struct bpf_privs p, enum bpf_diag_op op)
{
	static char buf[256];

	return bpf_diag__missing(&p, op, buf, sizeof(buf));
}

Test(bpf_diag, load_tc)
{
	struct bpf_privs none = { .seccomp = 0 };
	struct bpf_privs all = { .cap_bpf = true, .cap_perfmon = true, .cap_net_admin = true };
	struct bpf_privs no_perfmon = { .cap_bpf = true, .cap_net_admin = true };
	struct bpf_privs admin = { .cap_sys_admin = true };

	cr_assert_str_eq(miss(none, BPF_DIAG_LOAD_TC), "CAP_BPF,CAP_NET_ADMIN");
	cr_assert_null(miss(no_perfmon, BPF_DIAG_LOAD_TC), "tc programs load without it");
	cr_assert_null(miss(all, BPF_DIAG_LOAD_TC));
	cr_assert_null(miss(admin, BPF_DIAG_LOAD_TC), "CAP_SYS_ADMIN stands in for the others");
}

Test(bpf_diag, tracing_attach_mount)
{
	struct bpf_privs bpf_only = { .cap_bpf = true };
	struct bpf_privs all = { .cap_bpf = true, .cap_perfmon = true, .cap_net_admin = true };

	cr_assert_str_eq(miss(bpf_only, BPF_DIAG_LOAD_TRACING), "CAP_PERFMON");
	cr_assert_str_eq(miss(bpf_only, BPF_DIAG_ATTACH), "CAP_NET_ADMIN");
	cr_assert_null(miss(all, BPF_DIAG_ATTACH));
	cr_assert_str_eq(miss(all, BPF_DIAG_MOUNT_BPFFS),
			 "a bpffs mounted at the pin path (or CAP_SYS_ADMIN to mount one)");
}

/* Every capability there and still EPERM: a seccomp filter is what refuses. */
Test(bpf_diag, seccomp)
{
	struct bpf_privs all = {
		.cap_bpf = true, .cap_perfmon = true, .cap_net_admin = true, .seccomp = 2
	};
	struct bpf_privs none = { .seccomp = 2 };

	cr_assert_str_eq(miss(all, BPF_DIAG_LOAD_TC), "a seccomp profile that allows bpf(2)");
	cr_assert_str_eq(miss(none, BPF_DIAG_ATTACH), "CAP_NET_ADMIN");
	all.seccomp = 1;
	cr_assert_null(miss(all, BPF_DIAG_LOAD_TC));
}

Test(bpf_diag, explain_only_eperm)
{
	char buf[64];

	cr_assert_null(bpf_diag__explain(-EINVAL, BPF_DIAG_LOAD_TC, buf, sizeof(buf)));
	cr_assert_null(bpf_diag__explain(-ENOENT, BPF_DIAG_MOUNT_BPFFS, buf, sizeof(buf)));
}

/* The test runs as root with every capability: nothing is missing. */
Test(bpf_diag, read_privs_of_this_process)
{
	struct bpf_privs p;

	cr_assert_eq(bpf_diag__read_privs(&p), 0);
	cr_assert(p.cap_sys_admin && p.cap_bpf && p.cap_net_admin && p.cap_perfmon);
	cr_assert(p.seccomp == 0 || p.seccomp == 2, "seccomp %d", p.seccomp);
}
