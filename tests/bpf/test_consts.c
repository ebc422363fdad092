// SPDX-License-Identifier: Apache-2.0
/* Load-time constants (src/prog_consts.c) on the real netpath object: every tag of every program
 * is replaced by its value, and an object that does not match the agent, or a value that does
 * not fit an immediate, is refused with nothing loaded. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "harness.h"
#include "netpath.skel.h"
#include "prog_consts.h"

static struct netpath_bpf *skel;

static void setup(void)
{
	skel = netpath_bpf__open();
	cr_assert(skel, "netpath_bpf__open: %s", strerror(errno));
}

static void teardown(void)
{
	netpath_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(consts, .init = setup, .fini = teardown, .timeout = 30);

static bool is_mov_imm(const struct bpf_insn *insn)
{
	return insn->code == (BPF_ALU64 | BPF_MOV | BPF_K) ||
	       insn->code == (BPF_ALU | BPF_MOV | BPF_K);
}

/* How many `rX = imm` instructions of prog have immediate imm. */
static size_t count_mov(const struct bpf_program *prog, int32_t imm)
{
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog), c = 0;

	for (size_t i = 0; i < n; i++)
		if (is_mov_imm(&insns[i]) && insns[i].imm == imm)
			c++;
	return c;
}

static size_t count_tags(const struct bpf_program *prog)
{
	size_t c = 0;

	for (int id = 0; id < NP_CONST_MAX; id++)
		c += count_mov(prog, NP_CONST_TAG(id));
	return c;
}

/* Values no instruction of the object uses on its own, so each one found was a tag. */
static const uint32_t vals[NP_CONST_MAX] = {
	[NP_CONST_SLOT_COUNT] = 0x40000,
	[NP_CONST_VXLAN_PORT] = 54321,
	[NP_CONST_NODEPORT_MIN] = 54322,
	[NP_CONST_NODEPORT_MAX] = 54323,
};

Test(consts, every_tag_replaced_by_its_value)
{
	const struct bpf_program *p[] = {
		skel->progs.np_ingress,	   skel->progs.np_egress,	skel->progs.np_pod_ingress,
		skel->progs.np_pod_egress, skel->progs.np_node_ingress, skel->progs.np_node_egress,
	};
	size_t before[6];

	for (size_t i = 0; i < 6; i++) {
		before[i] = count_tags(p[i]);
		cr_assert(count_mov(p[i], NP_CONST_TAG(NP_CONST_SLOT_COUNT)) > 0,
			  "%s: no slot count tag", bpf_program__name(p[i]));
		for (int id = 0; id < NP_CONST_MAX; id++)
			cr_assert_eq(count_mov(p[i], (int32_t)vals[id]), 0);
	}
	cr_assert(count_mov(skel->progs.np_node_ingress, NP_CONST_TAG(NP_CONST_NODEPORT_MAX)) > 0);
	cr_assert(count_mov(skel->progs.np_node_egress, NP_CONST_TAG(NP_CONST_VXLAN_PORT)) > 0);

	cr_assert_eq(prog_consts__apply(skel->obj, vals), 0);
	for (size_t i = 0; i < 6; i++) {
		size_t after = 0;

		cr_expect_eq(count_tags(p[i]), 0, "%s: a tag left", bpf_program__name(p[i]));
		for (int id = 0; id < NP_CONST_MAX; id++)
			after += count_mov(p[i], (int32_t)vals[id]);
		cr_expect_eq(after, before[i], "%s: %zu values for %zu tags",
			     bpf_program__name(p[i]), after, before[i]);
	}
}

/* An object without the tags (here: patched already) does not match the agent. */
Test(consts, object_without_tags_refused)
{
	cr_assert_eq(prog_consts__apply(skel->obj, vals), 0);
	cr_expect_eq(prog_consts__apply(skel->obj, vals), -EINVAL);
}

/* An immediate is a signed 32-bit value: a larger one is refused before anything changes. */
Test(consts, value_out_of_range_refused)
{
	uint32_t big[NP_CONST_MAX];

	memcpy(big, vals, sizeof(big));
	big[NP_CONST_VXLAN_PORT] = 0x80000000u;
	cr_expect_eq(prog_consts__apply(skel->obj, big), -EINVAL);
	cr_expect(count_tags(skel->progs.np_node_egress) > 0, "patched despite the error");
}

/* A tag of a constant this agent does not know (an object newer than the agent) is refused. */
Test(consts, unknown_tag_refused)
{
	struct bpf_program *prog = skel->progs.np_ingress;
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *insns = malloc((n + 1) * sizeof(*insns));

	cr_assert(insns);
	/* r0 = unknown tag, then the program as it was: the count changes only in this copy,
	 * which is never loaded. */
	insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
				      .dst_reg = BPF_REG_0,
				      .imm = NP_CONST_TAG(NP_CONST_MAX + 7) };
	memcpy(insns + 1, bpf_program__insns(prog), n * sizeof(*insns));
	cr_assert_eq(bpf_program__set_insns(prog, insns, n + 1), 0);
	free(insns);
	cr_expect_eq(prog_consts__apply(skel->obj, vals), -EINVAL);
}
