// SPDX-License-Identifier: Apache-2.0
/* Devices named by flags: a missing one is logged once naming the flag, again only after it
 * appeared and disappeared; one that is there from the start logs nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "named_devs.h"

static const char *g_present; /* comma-separated names that exist "now" */

static bool present(void *arg, const char *name)
{
	char list[256];

	(void)arg;
	snprintf(list, sizeof(list), ",%s,", g_present);
	for (char *p = strstr(list, name); p; p = strstr(p + 1, name))
		if (p[-1] == ',' && p[strlen(name)] == ',')
			return true;
	return false;
}

static FILE *capture;

static void capture_start(void)
{
	capture = tmpfile();
	cr_assert_not_null(capture);
	fflush(stderr);
	cr_assert_eq(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
}

static char *captured(void)
{
	static char buf[8192];
	size_t n;

	fflush(stderr);
	rewind(capture);
	n = fread(buf, 1, sizeof(buf) - 1, capture);
	buf[n] = '\0';
	return buf;
}

Test(named_devs, list_parsing)
{
	struct named_devs nd = { .n = 0 };

	named_devs__add(&nd, "collector.netpath.bridge-device", "cni0");
	named_devs__add(&nd, "collector.netpath.overlay-device", "");
	named_devs__add(&nd, "collector.netpath.node-device", "eth0,,eth1,eth0");
	named_devs__add(&nd, "x", NULL);
	cr_assert_eq(nd.n, 3);
	cr_assert_str_eq(nd.d[0].name, "cni0");
	cr_assert_str_eq(nd.d[1].name, "eth0");
	cr_assert_str_eq(nd.d[1].flag, "collector.netpath.node-device");
	cr_assert_str_eq(nd.d[2].name, "eth1");
	named_devs__add(&nd, "y", "a-name-longer-than-fifteen");
	cr_assert_eq(nd.n, 4);
	cr_assert_str_eq(nd.d[3].name, "a-name-longer-t");
}

Test(named_devs, once_per_state_change)
{
	struct named_devs nd = { .n = 0 };

	capture_start();
	log__set_level("info");
	log__set_format("logfmt");
	named_devs__add(&nd, "collector.netpath.overlay-device", "flannel.1");
	named_devs__add(&nd, "collector.netpath.node-device", "eth0,ens9");
	g_present = "eth0,cni0";
	cr_assert_eq(named_devs__update(&nd, present, NULL), 2); /* flannel.1 and ens9 */
	cr_assert_eq(named_devs__update(&nd, present, NULL), 0);
	cr_assert_eq(named_devs__update(&nd, present, NULL), 0);
	g_present = "eth0,cni0,flannel.1";
	cr_assert_eq(named_devs__update(&nd, present, NULL), 1); /* appeared */
	cr_assert_eq(named_devs__update(&nd, present, NULL), 0);
	g_present = "cni0";
	cr_assert_eq(named_devs__update(&nd, present, NULL), 2); /* flannel.1 and eth0 gone */
	cr_assert_eq(named_devs__update(&nd, present, NULL), 0);
	cr_assert(strstr(captured(),
			 " level=warn msg=\"the configured device does not exist; it is "
			 "hooked when it appears\" flag=collector.netpath.overlay-device "
			 "device=flannel.1\n"),
		  "got: %s", captured());
	cr_assert(strstr(captured(),
			 " level=warn msg=\"the configured device does not exist; it is "
			 "hooked when it appears\" flag=collector.netpath.node-device "
			 "device=ens9\n"),
		  "got: %s", captured());
	cr_assert(strstr(captured(), " level=info msg=\"the configured device appeared\" "
				     "flag=collector.netpath.overlay-device device=flannel.1\n"),
		  "got: %s", captured());
	cr_assert(strstr(captured(), " level=warn msg=\"the configured device disappeared\" "
				     "flag=collector.netpath.node-device device=eth0\n"),
		  "got: %s", captured());
}

Test(named_devs, present_from_the_start_is_silent)
{
	struct named_devs nd = { .n = 0 };

	named_devs__add(&nd, "collector.netpath.bridge-device", "cni0");
	g_present = "cni0";
	cr_assert_eq(named_devs__update(&nd, present, NULL), 0);
	cr_assert_eq(nd.d[0].state, NAMED_DEV_PRESENT);
}
