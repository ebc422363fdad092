// SPDX-License-Identifier: Apache-2.0
/* os collector: os-release parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collectors/os.h"
#include "proc_fixture.h"

Test(os, debian12)
{
	struct os_release os;
	char *b = fx_load("proc/variants/os-release.debian12");

	cr_assert_eq(os_release__parse(b, &os), 0);
	cr_assert_str_eq(os.v[OS_ID], "debian");
	cr_assert_str_eq(os.v[OS_PRETTY_NAME], "Debian GNU/Linux 12 (bookworm)");
	cr_assert_str_eq(os.v[OS_VERSION_CODENAME], "bookworm");
	cr_assert_str_eq(os.v[OS_ID_LIKE], "");
	cr_assert(os_release__version(&os) == 12);
	free(b);
}

Test(os, ubuntu_major_minor)
{
	struct os_release os;
	char *b = fx_load("proc/variants/os-release.ubuntu2204");

	cr_assert_eq(os_release__parse(b, &os), 0);
	cr_assert_str_eq(os.v[OS_NAME], "Ubuntu");
	cr_assert_str_eq(os.v[OS_ID_LIKE], "debian");
	cr_assert_str_eq(os.v[OS_VERSION], "22.04.3 LTS (Jammy Jellyfish)");
	cr_assert(os_release__version(&os) == 22.04);
	free(b);
}

Test(os, flatcar_quoting_and_three_part_version)
{
	struct os_release os;
	char *b = fx_load("proc/variants/os-release.flatcar");

	cr_assert_eq(os_release__parse(b, &os), 0);
	cr_assert_str_eq(os.v[OS_VERSION_ID], "3510.2.6");
	cr_assert_str_eq(os.v[OS_BUILD_ID], "2023-07-31-1847");
	cr_assert_str_eq(os.v[OS_VARIANT], "quoted \\ literal");
	cr_assert_str_eq(os.v[OS_VARIANT_ID], "esc\"aped");
	cr_assert(os_release__version(&os) == 3510.2);
	free(b);
}

Test(os, no_version_id)
{
	struct os_release os;
	char *b = fx_str("NAME=Arch\nID=arch\nBUILD_ID=rolling\n");

	cr_assert_eq(os_release__parse(b, &os), 0);
	cr_assert(os_release__version(&os) == 0);
	free(b);
}

Test(os, hostile)
{
	static const char *const files[] = { "hostile/proc/os-release.unterminated",
					     "hostile/proc/os-release.nokey",
					     "hostile/proc/os-release.trailing" };

	for (size_t i = 0; i < 3; i++) {
		struct os_release os;
		char *b = fx_load(files[i]);

		cr_assert_eq(os_release__parse(b, &os), -EINVAL, "%s", files[i]);
		free(b);
	}
}

Test(os, overlong_value)
{
	struct os_release os;
	char line[600] = "NAME=";

	memset(line + 5, 'x', 400);
	line[405] = '\n';
	line[406] = '\0';
	cr_assert_eq(os_release__parse(line, &os), -EINVAL);
}
