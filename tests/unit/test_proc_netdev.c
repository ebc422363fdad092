/* /proc/net/dev parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc_parsers.h"
#include "proc_fixture.h"

Test(proc_netdev, this_machine)
{
	struct netdev_stats s;
	char *b = fx_load("proc/net/dev");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 5);
	cr_assert_str_eq(s.dev[0].name, "lo");
	cr_assert_eq(s.dev[0].v[0], 4367);
	cr_assert_eq(s.dev[0].v[1], 51);
	cr_assert_str_eq(s.dev[3].name, "eth0");
	cr_assert_eq(s.dev[3].v[0], 108936286);
	cr_assert_eq(s.dev[3].v[9], 2198);
	cr_assert_str_eq(s.dev[4].name, "cni-podman0");
	cr_assert_eq(s.dev[4].v[7], 3);  /* receive_multicast */
	cr_assert_eq(s.dev[4].v[11], 2); /* transmit_drop */
	netdev__free(&s);
	free(b);
}

Test(proc_netdev, k8s_node_long_names_and_max_u64)
{
	struct netdev_stats s;
	char *b = fx_load("proc/variants/net_dev.k8s");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 5);
	cr_assert_str_eq(s.dev[2].name, "flannel.1");
	cr_assert_eq(s.dev[2].v[11], 171);
	cr_assert_str_eq(s.dev[4].name, "veth3a1b2c3d");
	cr_assert_eq(s.dev[1].v[0], UINT64_MAX);
	cr_assert_eq(s.dev[1].v[5], 17);   /* receive_frame */
	cr_assert_eq(s.dev[1].v[14], 2);   /* transmit_carrier */
	cr_assert_str_eq(netdev_field_names[14], "transmit_carrier");
	cr_assert_str_eq(netdev_field_names[13], "transmit_colls");
	netdev__free(&s);
	free(b);
}

Test(proc_netdev, headers_only_is_empty)
{
	struct netdev_stats s;
	char *b = fx_str("Inter-|   Receive  |  Transmit\n face |bytes |bytes\n");

	cr_assert_eq(netdev__parse(b, &s), 0);
	cr_assert_eq(s.n, 0);
	netdev__free(&s);
	free(b);
}

Test(proc_netdev, hostile)
{
	static const char *const files[] = {
		"hostile/proc/net_dev.short",	  "hostile/proc/net_dev.huge",
		"hostile/proc/net_dev.noname",	  "hostile/proc/net_dev.duplicate",
		"hostile/proc/binary.random",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct netdev_stats s;
		char *b = fx_load(files[i]);

		cr_assert_eq(netdev__parse(b, &s), -EINVAL, "%s", files[i]);
		cr_assert_null(s.dev);
		free(b);
	}
}

Test(proc_netdev, overlong_name)
{
	struct netdev_stats s;
	char *b = fx_str("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");

	cr_assert_eq(netdev__parse(b, &s), -EINVAL);
	free(b);
}
