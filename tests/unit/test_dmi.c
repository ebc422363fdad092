// SPDX-License-Identifier: Apache-2.0
/* dmi collector: attribute values as node_exporter 1.5 makes them (trimmed, invalid UTF-8
 * replaced) on its fixture and on hostile bytes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/dmi.h"
#include "proc_fixture.h"

static void assert_value(const char *in, const char *want)
{
	char out[256];

	cr_assert_eq(dmi__value(in, out, sizeof(out)), 0, "%s", in);
	cr_assert_str_eq(out, want);
}

Test(dmi, node_exporter_fixture)
{
	char *b = fx_load("sys/class/dmi/id/product_sku");
	char out[256];

	cr_assert_eq(dmi__value(b, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "SKU=NotProvided;ModelName=PowerEdge R6515");
	free(b);
	b = fx_load("sys/class/dmi/id/product_version");
	cr_assert_eq(dmi__value(b, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "\xef\xbf\xbd[\xef\xbf\xbd");
	free(b);
}

/* Go's strings.ToValidUTF8: one U+FFFD per run of invalid bytes. */
Test(dmi, invalid_utf8)
{
	assert_value("  Dell Inc.\n", "Dell Inc.");
	assert_value("\n", "");
	assert_value("caf\xc3\xa9", "caf\xc3\xa9");
	assert_value("\xff\xfe\xfd", "\xef\xbf\xbd");
	assert_value("a\xc0\xaf"
		     "b",
		     "a\xef\xbf\xbd"
		     "b");					/* overlong */
	assert_value("\xed\xa0\x80", "\xef\xbf\xbd");		/* surrogate */
	assert_value("x\xe2\x82", "x\xef\xbf\xbd");		/* truncated */
	assert_value("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"); /* 4 bytes */
	assert_value("\xf4\x90\x80\x80", "\xef\xbf\xbd");	/* > U+10FFFF */
}

Test(dmi, no_room)
{
	char out[4];

	cr_assert_eq(dmi__value("abcd", out, sizeof(out)), -ENOSPC);
	cr_assert_eq(dmi__value("\xff", out, 3), -ENOSPC);
}
