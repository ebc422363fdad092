// SPDX-License-Identifier: Apache-2.0
/* Fixture loading for the /proc parser tests (see proc_fixture.h). */
#include "proc_fixture.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

char *fx_load(const char *rel)
{
	char path[4096];
	char *buf = NULL;
	int err;

	err = fs__join(path, sizeof(path), NP_FIXTURES, rel);
	cr_assert_eq(err, 0);
	err = fs__read_file(path, 1u << 24, &buf, NULL);
	cr_assert_eq(err, 0, "reading fixture %s: %s", path, strerror(-err));
	return buf;
}

char *fx_str(const char *s)
{
	char *b = strdup(s);

	cr_assert_not_null(b);
	return b;
}
