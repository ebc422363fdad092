// SPDX-License-Identifier: Apache-2.0
/* netclass attribute reader on a fixture sysfs (this VM's lo/eth0, a k8s node's cni0/veth). */
#include <errno.h>

#include "collectors/netclass.h"
#include "sys_fixture.h"

Test(netclass, this_vm_eth0)
{
	struct netclass_iface ifc;

	cr_assert_eq(netclass__read_iface(SYS_FIX "/class/net/eth0", "eth0", &ifc), 0);
	cr_assert_str_eq(ifc.operstate, "up");
	cr_assert(ifc.have[NC_FLAGS]);
	cr_assert_eq(ifc.num[NC_FLAGS], 0x1003); /* hex in sysfs */
	cr_assert_eq(ifc.num[NC_MTU], 1400);
	cr_assert(ifc.have[NC_SPEED]);
	cr_assert_eq(ifc.num[NC_SPEED], -1); /* virtio: unknown speed */
	cr_assert_str_eq(ifc.duplex, "unknown");
}

Test(netclass, loopback_has_no_speed)
{
	struct netclass_iface ifc;

	cr_assert_eq(netclass__read_iface(SYS_FIX "/class/net/lo", "lo", &ifc), 0);
	cr_assert(!ifc.have[NC_SPEED]);
	cr_assert_eq(ifc.num[NC_MTU], 65536);
	cr_assert_eq(ifc.num[NC_TYPE], 772);
	cr_assert_str_eq(ifc.address, "00:00:00:00:00:00");
}

Test(netclass, k8s_node)
{
	struct netclass_iface ifc;

	cr_assert_eq(netclass__read_iface(SYS_FIX "/class/net/enp39s0", "enp39s0", &ifc), 0);
	cr_assert_eq(ifc.num[NC_SPEED], 1000);
	cr_assert_eq(ifc.num[NC_CARRIER_UP], 3);
	cr_assert_str_eq(ifc.ifalias, "uplink \"rack 7\"");
	cr_assert_eq(netclass__read_iface(SYS_FIX "/class/net/flannel.1", "flannel.1", &ifc), 0);
	cr_assert_eq(ifc.num[NC_FLAGS], 0x1043);
	cr_assert_eq(ifc.num[NC_TX_QUEUE_LEN], 0);
}

Test(netclass, hostile)
{
	struct netclass_iface ifc;
	cr_assert_eq(netclass__read_iface(HOSTILE_FIX "/class/net/bad0", "bad0", &ifc), -EINVAL);
	cr_assert_eq(netclass__read_iface(HOSTILE_FIX "/class/net/huge0", "huge0", &ifc), -EINVAL);
}
