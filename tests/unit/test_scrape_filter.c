// SPDX-License-Identifier: Apache-2.0
/* The collector selection of a /metrics request: collect[] includes, exclude[] excludes from the
 * enabled collectors, both together is refused, an exclude[] name that is no collector too. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "scrape.h"

static bool has(const char **list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static size_t len(const char **list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

static size_t enabled_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < registry__count(); i++)
		n += registry__at(i)->enabled;
	return n;
}

Test(scrape_filter, none_is_no_filter)
{
	const char **out = (const char **)1;

	cr_assert_eq(scrape__filter(NULL, 0, NULL, 0, &out, NULL), 0);
	cr_assert_null(out);
}

Test(scrape_filter, collect_is_the_list)
{
	const char *const collect[] = { "cpu", "nope" };
	const char **out = NULL;

	cr_assert_eq(scrape__filter(collect, 2, NULL, 0, &out, NULL), 0);
	cr_assert_eq(len(out), 2);
	cr_assert_str_eq(out[0], "cpu");
	cr_assert_str_eq(out[1], "nope"); /* refused later by scrape__write, with its name */
	free(out);
}

Test(scrape_filter, exclude_is_enabled_minus_these)
{
	const char *const exclude[] = { "cpu", "meminfo", "cpu" };
	const char **out = NULL;
	size_t enabled;

	registry__reset();
	cr_assert(registry__find("cpu")->enabled && registry__find("meminfo")->enabled);
	registry__set_enabled("arp", false);
	enabled = enabled_count();
	cr_assert_eq(scrape__filter(NULL, 0, exclude, 3, &out, NULL), 0);
	cr_assert_eq(len(out), enabled - 2);
	cr_assert(!has(out, "cpu"));
	cr_assert(!has(out, "meminfo"));
	cr_assert(!has(out, "arp"), "disabled collectors are not selected");
	cr_assert(has(out, "loadavg"));
	free(out);
	registry__reset();
}

Test(scrape_filter, exclude_of_a_disabled_collector_is_fine)
{
	const char *const exclude[] = { "arp" };
	const char **out = NULL;

	registry__reset();
	registry__set_enabled("arp", false);
	cr_assert_eq(scrape__filter(NULL, 0, exclude, 1, &out, NULL), 0);
	cr_assert_eq(len(out), enabled_count());
	free(out);
	registry__reset();
}

Test(scrape_filter, both_is_refused)
{
	const char *const collect[] = { "cpu" }, *const exclude[] = { "meminfo" };
	const char **out = (const char **)1, *bad = "x";

	cr_assert_eq(scrape__filter(collect, 1, exclude, 1, &out, &bad), -EINVAL);
	cr_assert_null(out);
	cr_assert_null(bad);
}

Test(scrape_filter, unknown_exclude_is_refused_by_name)
{
	const char *const exclude[] = { "cpu", "cpux" };
	const char **out = (const char **)1, *bad = NULL;

	cr_assert_eq(scrape__filter(NULL, 0, exclude, 2, &out, &bad), -ENOENT);
	cr_assert_null(out);
	cr_assert_str_eq(bad, "cpux");
}
