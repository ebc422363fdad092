// SPDX-License-Identifier: Apache-2.0
/* nvme collector: attribute values as node_exporter reads them, on its fixture. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "collectors/nvme.h"
#include "proc_fixture.h"

Test(nvme, node_exporter_fixture)
{
	static const char *const files[][2] = {
		{ "sys/class/nvme/nvme0/firmware_rev", "1B2QEXP7" },
		{ "sys/class/nvme/nvme0/model", "Samsung SSD 970 PRO 512GB" },
		{ "sys/class/nvme/nvme0/serial", "S680HF8N190894I" },
		{ "sys/class/nvme/nvme0/state", "live" },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *b = fx_load(files[i][0]);

		cr_assert_str_eq(nvme__trim(b), files[i][1]);
		free(b);
	}
}

Test(nvme, trim)
{
	char a[] = "  \t x y \r\n", b[] = "\n", c[] = "";

	cr_assert_str_eq(nvme__trim(a), "x y");
	cr_assert_str_eq(nvme__trim(b), "");
	cr_assert_str_eq(nvme__trim(c), "");
}
