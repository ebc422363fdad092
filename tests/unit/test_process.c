// SPDX-License-Identifier: Apache-2.0
/* process_* parsers: /proc/self/stat and btime. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "collectors/process.h"
#include "sys_fixture.h"

Test(process, stat_with_odd_comm)
{
	const char *s = "4242 (node (ex) porter) S 1 4242 4242 0 -1 4194560 2130 0 0 0 151 37 0 0 "
			"20 0 9 0 1795677 1046941696 3765 18446744073709551615 1 1 0 0 0 0 0 0 0\n";
	struct proc_self_stat st;

	cr_assert_eq(process__parse_stat(s, &st), 0);
	cr_assert_eq(st.utime, 151);
	cr_assert_eq(st.stime, 37);
	cr_assert_eq(st.starttime, 1795677);
	cr_assert_eq(st.vsize, 1046941696ULL);
	cr_assert_eq(st.rss, 3765);
}

Test(process, btime)
{
	uint64_t bt;

	cr_assert_eq(process__parse_btime("cpu 1 2\nbtime 1795676932\nprocesses 9\n", &bt), 0);
	cr_assert_eq(bt, 1795676932ULL);
	cr_assert_eq(process__parse_btime("cpu 1 2\n", &bt), -EINVAL);
}

Test(process, hostile)
{
	struct proc_self_stat st;
	char *buf;

	buf = sys_fixture("hostile/sys/stat.short");
	cr_assert_eq(process__parse_stat(buf, &st), -EINVAL);
	free(buf);
	buf = sys_fixture("hostile/sys/stat.noparen");
	cr_assert_eq(process__parse_stat(buf, &st), -EINVAL);
	free(buf);
	cr_assert_eq(process__parse_stat("", &st), -EINVAL);
}

Test(process, stat_fields_are_whole_numbers)
{
	struct proc_self_stat st;

	/* utime (field 14) with a stray letter, then beyond int64, then a tab-glued field */
	cr_assert_eq(
	    process__parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 15x 37 0 0 20 0 9 0 1 2 3\n", &st),
	    -EINVAL);
	cr_assert_eq(process__parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999 37 0 0 "
					 "20 0 9 0 1 2 3\n",
					 &st),
		     -EINVAL);
	cr_assert_eq(
	    process__parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 15\t37 0 0 20 0 9 0 1 2 3\n", &st),
	    -EINVAL);
	cr_assert_eq(
	    process__parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 15 37 0 0 20 0 9 0 1 2 3\n", &st), 0);
	cr_assert_eq(st.utime, 15);
	cr_assert_eq(st.rss, 3);
}
