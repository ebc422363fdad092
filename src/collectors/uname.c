// SPDX-License-Identifier: Apache-2.0
/* uname collector: node_uname_info{domainname,machine,nodename,release,sysname,version} from
 * uname(2), as node_exporter (it is a syscall, so --path.rootfs does not apply). */
#include <errno.h>
#include <sys/utsname.h>

#include "collector.h"

static int uname_collect(struct expo_writer *w)
{
	static const char name[] = "node_uname_info";
	struct utsname u;

	if (uname(&u) != 0)
		return -errno;
	/* Label names sorted, as client_golang writes them. */
	struct expo_label l[6] = {
		{ "domainname", u.domainname }, { "machine", u.machine },
		{ "nodename", u.nodename },	{ "release", u.release },
		{ "sysname", u.sysname },	{ "version", u.version },
	};
	expo__family(w, name, "Labeled system information as provided by the uname system call.",
		     EXPO_GAUGE);
	expo__sample(w, name, l, 6, 1);
	return 0;
}

static struct collector uname_collector = {
	.name = "uname",
	.default_enabled = true,
	.collect = uname_collect,
};
NP_COLLECTOR(uname_collector);
