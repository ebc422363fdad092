// SPDX-License-Identifier: GPL-2.0-only
/* np_const(id): a load-time constant (include/nodepath/consts.h). The inline assembly makes it
 * one `rX = imm` instruction with the tag as immediate, which the compiler can neither fold nor
 * compute another way, so the agent finds and rewrites every use; the verifier then sees a known
 * value and drops the branches it rules out. */
#ifndef NODEPATH_CONSTS_BPF_H
#define NODEPATH_CONSTS_BPF_H

#include "nodepath/consts.h"

#define np_const(id)                                                            \
	({                                                                      \
		__u64 __np_v;                                                   \
		asm volatile("%0 = %1" : "=r"(__np_v) : "i"(NP_CONST_TAG(id))); \
		__np_v;                                                         \
	})

#endif /* NODEPATH_CONSTS_BPF_H */
