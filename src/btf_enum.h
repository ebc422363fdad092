// SPDX-License-Identifier: Apache-2.0
/* Finds one enum in a raw BTF file (the kernel's /sys/kernel/btf/vmlinux) by name and hands out
 * its enumerators, reading the file in bounded chunks. libbpf's parse of vmlinux BTF holds the
 * 5 MB file twice (~11 MB of start-up peak) to answer a question worth a few KB. */
#ifndef NODEPATH_BTF_ENUM_H
#define NODEPATH_BTF_ENUM_H

#include <stdint.h>

/* One enumerator: its name (NUL-terminated, valid during the call) and value (ENUM: sign- or
 * zero-extended as its kind_flag says; ENUM64: the 64 bits). A non-zero return stops the walk
 * and is returned by btf_enum__read. */
typedef int (*btf_enum_cb)(const char *name, int64_t value, void *ctx);

/* Reads the BTF at fd (pread: the offset of fd is left alone), finds the first ENUM or ENUM64
 * type called name and calls cb for each of its enumerators in order. 0 when found (cb ran for
 * every enumerator), -ENOENT when the BTF has no such enum, -EBADMSG when fd does not hold valid
 * BTF of this machine's byte order (bad magic or version, sections outside the file, a type
 * record past its section, an unknown kind, a name offset outside the strings or unterminated),
 * -errno of the reads, or cb's return. *why (may be NULL) gets a static text for any error. */
int btf_enum__read(int fd, const char *name, btf_enum_cb cb, void *ctx, const char **why);

#endif /* NODEPATH_BTF_ENUM_H */
