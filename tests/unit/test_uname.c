// SPDX-License-Identifier: Apache-2.0
/* uname collector: one node_uname_info sample whose labels are uname(2)'s fields, sorted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "collector.h"
#include "expo.h"

Test(uname, labels_from_the_syscall)
{
	struct collector *c = registry__find("uname");
	struct expo_writer w;
	struct utsname u;
	char want[2048];

	cr_assert_not_null(c);
	cr_assert_eq(uname(&u), 0);
	/* The test machine's fields carry no characters the writer would escape. */
	snprintf(
	    want, sizeof(want),
	    "# HELP node_uname_info Labeled system information as provided by the uname system "
	    "call.\n# TYPE node_uname_info gauge\nnode_uname_info{domainname=\"%s\",machine=\"%s\","
	    "nodename=\"%s\",release=\"%s\",sysname=\"%s\",version=\"%s\"} 1\n",
	    u.domainname, u.machine, u.nodename, u.release, u.sysname, u.version);
	expo__init(&w);
	cr_assert_eq(c->collect(&w), 0);
	cr_assert_str_eq(w.buf, want);
	expo__fini(&w);
}
