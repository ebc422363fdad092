// SPDX-License-Identifier: Apache-2.0
/* os collector: os-release. Its parsers are pure (buffer in, modified in place; struct out) and
 * return 0 or -EINVAL for malformed input, never a half-filled result the caller must free. */
#ifndef NODEPATH_COLLECTORS_OS_H
#define NODEPATH_COLLECTORS_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum os_field {
	OS_BUILD_ID,
	OS_ID,
	OS_ID_LIKE,
	OS_IMAGE_ID,
	OS_IMAGE_VERSION,
	OS_NAME,
	OS_PRETTY_NAME,
	OS_VARIANT,
	OS_VARIANT_ID,
	OS_VERSION,
	OS_VERSION_CODENAME,
	OS_VERSION_ID,
	OS_NFIELDS
};
extern const char *const os_label_names[OS_NFIELDS]; /* build_id, id, ... (sorted) */
struct os_release {
	char v[OS_NFIELDS][256];
};
int os_release__parse(char *buf, struct os_release *out);
/* major.minor of VERSION_ID as node_exporter does (^[0-9]+\.?[0-9]*); 0 if none. */
double os_release__version(const struct os_release *os);

#endif
