// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Load-time constants of the netpath programs: values the agent fixes at start (slots per CPU
 * region, VXLAN port, NodePort range) are immediates in the programs' instructions, not data in
 * a map. Each is compiled as `rX = NP_CONST_TAG(id)` (bpf/lib/consts.bpf.h) and the agent writes
 * the value over the tag before load (src/prog_consts.c). A map read would cost each packet a
 * separate memory area, and on the pod-send path every separate area is a cache or TLB miss: the
 * slot count alone, read from .rodata, was about a sixth of the program's time there.
 * Unpatched (an object loaded by another tool), every tag is a value that counts nothing extra:
 * a slot count no slot matches, ports above 65535. */
#ifndef NODEPATH_CONSTS_H
#define NODEPATH_CONSTS_H

enum np_const {
	NP_CONST_SLOT_COUNT = 0,   /* slots per CPU region of np_if_slots, a power of two */
	NP_CONST_VXLAN_PORT = 1,   /* outer UDP destination port of VXLAN frames; 0: off */
	NP_CONST_NODEPORT_MIN = 2, /* inbound NodePort range on node devices; max 0: off */
	NP_CONST_NODEPORT_MAX = 3,
	NP_CONST_MAX = 4,
};

/* The immediate each constant is compiled with: "npk" and the id, a positive 32-bit value that
 * no other instruction of the programs uses. */
#define NP_CONST_TAG_BASE 0x6e706b00
#define NP_CONST_TAG(id) (NP_CONST_TAG_BASE + (id))

#endif /* NODEPATH_CONSTS_H */
