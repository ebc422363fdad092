// SPDX-License-Identifier: Apache-2.0
/* dmi collector: a /sys/class/dmi/id attribute as node_exporter reads it. Pure: buffer in,
 * modified in place or rewritten into out. */
#ifndef NODEPATH_COLLECTORS_DMI_H
#define NODEPATH_COLLECTORS_DMI_H

#include <stddef.h>

/* The value of a DMI attribute file's content: surrounding white space dropped, each run of
 * bytes that is not valid UTF-8 replaced by U+FFFD (firmware strings are not always UTF-8, label
 * values must be). Writes a NUL-terminated string to out; -ENOSPC if cap is too small
 * (3 x the input length + 1 always suffices). */
int dmi__value(const char *in, char *out, size_t cap);

#endif
