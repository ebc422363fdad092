// SPDX-License-Identifier: Apache-2.0
/* The one strict number parser for everything read from /proc, /sys, udev data and flags:
 * a value is the whole token or it is an error, so a truncated or corrupted file never yields
 * a plausible number. */
#ifndef NODEPATH_PARSE_H
#define NODEPATH_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Every function takes the whole NUL-terminated token: no leading or trailing blanks, no '+'.
 * 0 with *v set, or -EINVAL (empty, stray character, sign where none belongs) or -ERANGE
 * (does not fit); *v is untouched on error. */

/* [0-9]+ */
int parse__u64(const char *s, uint64_t *v);
/* -?[0-9]+ */
int parse__i64(const char *s, int64_t *v);
/* [0-9a-fA-F]+ without a 0x prefix, as /proc/net tables print counters. */
int parse__hex_u64(const char *s, uint64_t *v);
/* -?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*): C literal syntax, as sysfs prints flags and ids. */
int parse__i64_auto(const char *s, int64_t *v);
/* A decimal float, "inf" or "infinity" with optional sign, as Go's strconv.ParseFloat takes it:
 * NaN, hex floats and blanks are refused; overflow is -ERANGE, underflow rounds to 0. */
int parse__double(const char *s, double *v);

/* Length (1-4) of the valid UTF-8 sequence at s, or 0 where Go's utf8.DecodeRuneInString sees
 * RuneError of width 1: stray continuation bytes, overlong forms, surrogates, code points above
 * U+10FFFF, truncated sequences. s[0] == '\0' gives 1. */
size_t parse__utf8_seq(const unsigned char *s);

#endif
