/* os-release parser, adjtimex value conversion, clocksource list. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collectors/proc_parsers.h"
#include "proc_fixture.h"

Test(os_release, debian12)
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

Test(os_release, ubuntu_major_minor)
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

Test(os_release, flatcar_quoting_and_three_part_version)
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

Test(os_release, no_version_id)
{
	struct os_release os;
	char *b = fx_str("NAME=Arch\nID=arch\nBUILD_ID=rolling\n");

	cr_assert_eq(os_release__parse(b, &os), 0);
	cr_assert(os_release__version(&os) == 0);
	free(b);
}

Test(os_release, hostile)
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

Test(os_release, overlong_value)
{
	struct os_release os;
	char line[600] = "NAME=";

	memset(line + 5, 'x', 400);
	line[405] = '\n';
	line[406] = '\0';
	cr_assert_eq(os_release__parse(line, &os), -EINVAL);
}

Test(timex, units_as_node_exporter)
{
	struct timex t;
	double v[TIMEX_NVALUES];

	memset(&t, 0, sizeof(t));
	t.status = 64;
	t.maxerror = 16000000;
	t.esterror = 16000000;
	t.tick = 10000;
	t.constant = 2;
	t.offset = 1500; /* microseconds without STA_NANO */
	t.freq = 65536;	 /* 1 ppm */
	t.tai = 37;
	timex__values(TIME_ERROR, &t, v);
	cr_assert(v[TIMEX_SYNC_STATUS] == 0);
	cr_assert(v[TIMEX_MAXERROR] == 16);
	cr_assert(v[TIMEX_TICK] == 0.01);
	cr_assert(v[TIMEX_OFFSET] == 0.0015);
	cr_assert(v[TIMEX_FREQ] == 1.000001);
	cr_assert(v[TIMEX_STATUS] == 64);
	cr_assert(v[TIMEX_TAI] == 37);
	t.status |= 0x2000; /* STA_NANO: offset in ns */
	timex__values(TIME_OK, &t, v);
	cr_assert(v[TIMEX_SYNC_STATUS] == 1);
	cr_assert(v[TIMEX_OFFSET] == 0.0000015);
}

Test(clocksource, available_list)
{
	char *names[4];
	char *b = fx_str("tsc kvm-clock acpi_pm \n");
	char *c = fx_str("a b c d e\n");

	cr_assert_eq(clocksource__parse_available(b, names, 4), 3);
	cr_assert_str_eq(names[1], "kvm-clock");
	cr_assert_eq(clocksource__parse_available(c, names, 4), -E2BIG);
	free(b);
	free(c);
}
