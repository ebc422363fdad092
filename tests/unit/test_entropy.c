// SPDX-License-Identifier: Apache-2.0
/* entropy collector: the two families from the fixture tree's /proc/sys/kernel/random, and a
 * malformed value fails the collector. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "collector.h"
#include "expo.h"
#include "flags.h"

static struct collector *entropy_on(const char *procfs)
{
	static char flag[4096]; /* flags keep pointers into argv */
	char *argv[] = { "nodepath", flag, NULL };
	struct collector *c;

	snprintf(flag, sizeof(flag), "--path.procfs=%s/%s", NP_FIXTURES, procfs);
	registry__reset();
	cr_assert_eq(flags__parse(2, argv, stdout, stderr), 0);
	c = registry__find("entropy");
	cr_assert_not_null(c);
	return c;
}

Test(entropy, fixture_tree)
{
	struct collector *c = entropy_on("proc");
	struct expo_writer w;

	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_assert_str_eq(w.buf, "# HELP node_entropy_available_bits Bits of available entropy.\n"
				"# TYPE node_entropy_available_bits gauge\n"
				"node_entropy_available_bits 256\n"
				"# HELP node_entropy_pool_size_bits Bits of entropy pool.\n"
				"# TYPE node_entropy_pool_size_bits gauge\n"
				"node_entropy_pool_size_bits 256\n");
	expo__fini(&w);
}

Test(entropy, malformed_or_missing_fails)
{
	struct collector *c = entropy_on("hostile/proc/tree");
	struct expo_writer w;

	expo__init(&w);
	cr_assert_lt(c->collect(&w), 0);
	expo__fini(&w);
	c = entropy_on("does-not-exist");
	expo__init(&w);
	cr_assert_lt(c->collect(&w), 0);
	expo__fini(&w);
}
