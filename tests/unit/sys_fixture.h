// SPDX-License-Identifier: Apache-2.0
/* Fixture helpers shared by the unit tests of the sysfs collectors. */
#ifndef NODEPATH_TEST_SYS_FIXTURE_H
#define NODEPATH_TEST_SYS_FIXTURE_H

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"

#define SYS_FIX NP_FIXTURES "/sys"
#define HOSTILE_FIX NP_FIXTURES "/hostile/sys"

/* Whole fixture file (relative to tests/fixtures), NUL-terminated; caller frees. */
static inline char *sys_fixture(const char *rel)
{
	char path[PATH_MAX], *buf = NULL;
	int err;

	snprintf(path, sizeof(path), NP_FIXTURES "/%s", rel);
	err = fs__read_file(path, 1 << 22, &buf, NULL);
	cr_assert_eq(err, 0, "fixture %s: %s", rel, strerror(-err));
	return buf;
}

#endif
