// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Constants of the tc/tcx interface shared by the BPF programs, the loader and the tests, defined
 * once because the toolchain's headers lag the kernel: libbpf 1.1's UAPI copy has no tcx, and
 * BPF objects include vmlinux.h rather than linux/pkt_cls.h. */
#ifndef NODEPATH_TC_H
#define NODEPATH_TC_H

/* A passive counter returns TC_ACT_UNSPEC: TC_ACT_OK would end the tcx chain and hide the packet
 * from the programs after ours (Cilium, Calico, ...). */
#define NP_TC_ACT_UNSPEC (-1)

/* enum bpf_attach_type values of tcx (kernel >= 6.6, include/uapi/linux/bpf.h). */
#define NP_BPF_TCX_INGRESS 46
#define NP_BPF_TCX_EGRESS 47

/* enum bpf_link_type of a tcx link, as bpf_link_info reports it (kernel >= 6.6). */
#define NP_BPF_LINK_TYPE_TCX 11

/* bpf_link_create flag: with no relative program, insert at the head of the tcx chain. */
#define NP_BPF_F_BEFORE (1U << 3)

#endif /* NODEPATH_TC_H */
