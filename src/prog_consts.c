// SPDX-License-Identifier: Apache-2.0
/* Patching load-time constants into the netpath programs. Only the immediates of `rX = imm`
 * instructions change, never an instruction's kind or the count, so what libbpf relocates at
 * load (map references, line and function info) stays where it was. */
#include "prog_consts.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "log.h"

static const char *const const_names[NP_CONST_MAX] = {
	[NP_CONST_SLOT_COUNT] = "slot_count",
	[NP_CONST_VXLAN_PORT] = "vxlan_port",
	[NP_CONST_NODEPORT_MIN] = "nodeport_min",
	[NP_CONST_NODEPORT_MAX] = "nodeport_max",
};

static bool is_mov_imm(const struct bpf_insn *insn)
{
	return insn->code == (BPF_ALU64 | BPF_MOV | BPF_K) ||
	       insn->code == (BPF_ALU | BPF_MOV | BPF_K);
}

/* One program: a patched copy of its instructions replaces them when a tag was found. */
static int apply_prog(struct bpf_program *prog, const uint32_t vals[NP_CONST_MAX],
		      unsigned found[NP_CONST_MAX])
{
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *insns;
	bool changed = false;
	int err = 0;

	if (n == 0)
		return 0;
	insns = malloc(n * sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, bpf_program__insns(prog), n * sizeof(*insns));
	for (size_t i = 0; i < n; i++) {
		uint32_t imm = (uint32_t)insns[i].imm;
		uint32_t id = imm - NP_CONST_TAG_BASE;

		if (!is_mov_imm(&insns[i]) || (imm & ~0xffu) != NP_CONST_TAG_BASE)
			continue;
		if (id >= NP_CONST_MAX) {
			log_error("BPF program uses a load-time constant this agent does not know",
				  "program", bpf_program__name(prog), "tag", LOG_UINT(imm));
			err = -EINVAL;
			goto cleanup;
		}
		insns[i].imm = (int32_t)vals[id];
		found[id]++;
		changed = true;
	}
	if (changed)
		err = bpf_program__set_insns(prog, insns, n);
cleanup:
	free(insns);
	return err;
}

int prog_consts__apply(struct bpf_object *obj, const uint32_t vals[NP_CONST_MAX])
{
	unsigned found[NP_CONST_MAX] = { 0 };
	struct bpf_program *prog;
	int err;

	for (int id = 0; id < NP_CONST_MAX; id++) {
		/* BPF_MOV immediates are sign-extended 32-bit values. */
		if (vals[id] > INT32_MAX) {
			log_error("load-time constant out of range", "const", const_names[id],
				  "value", LOG_UINT(vals[id]));
			return -EINVAL;
		}
	}
	bpf_object__for_each_program(prog, obj)
	{
		err = apply_prog(prog, vals, found);
		if (err) {
			if (err != -EINVAL)
				log_error("cannot patch BPF program", "program",
					  bpf_program__name(prog), "err", LOG_ERR(err));
			return err;
		}
	}
	for (int id = 0; id < NP_CONST_MAX; id++) {
		if (!found[id]) {
			log_error("BPF object does not use a load-time constant of this agent",
				  "const", const_names[id]);
			return -EINVAL;
		}
	}
	return 0;
}
