// SPDX-License-Identifier: Apache-2.0
/* filefd collector: /proc/sys/fs/file-nr. Its parsers are pure (buffer in, modified in place;
 * struct out) and return 0 or -EINVAL for malformed input, never a half-filled result the caller
 * must free. */
#ifndef NODEPATH_COLLECTORS_FILEFD_H
#define NODEPATH_COLLECTORS_FILEFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int filefd__parse(char *buf, double *allocated, double *maximum);

#endif
