// SPDX-License-Identifier: Apache-2.0
/* Load-time constants of the netpath programs (include/nodepath/consts.h): their values are
 * written into the programs' instructions between open and load. */
#ifndef NODEPATH_PROG_CONSTS_H
#define NODEPATH_PROG_CONSTS_H

#include <stdint.h>

#include "nodepath/consts.h"

struct bpf_object;

/* Writes vals[id] over every `rX = NP_CONST_TAG(id)` of every program of obj (opened, not yet
 * loaded). -EINVAL, logged, when a value does not fit an immediate (above INT32_MAX), when the
 * object uses a tag this agent does not know, or when a constant is used by no program (an
 * object that does not match the agent). */
int prog_consts__apply(struct bpf_object *obj, const uint32_t vals[NP_CONST_MAX]);

#endif /* NODEPATH_PROG_CONSTS_H */
