// SPDX-License-Identifier: Apache-2.0
/* nvme collector: node_nvme_info{device,firmware_revision,model,serial,state} for each NVMe
 * controller in <sysfs>/class/nvme. No NVMe driver: -ENODATA (node_exporter's ErrNoData). A
 * controller missing one of the attributes fails the collector, as in node_exporter. */
#include "nvme.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "sysutil.h"

/* procfs' SysReadFile reads one page. */
#define NVME_ATTR_MAX 4096

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *nvme__trim(char *buf)
{
	size_t n;

	while (is_space(*buf))
		buf++;
	n = strlen(buf);
	while (n > 0 && is_space(buf[n - 1]))
		buf[--n] = '\0';
	return buf;
}

enum { NVME_FW, NVME_MODEL, NVME_SERIAL, NVME_STATE, NVME_N_ATTRS };
static const char *const nvme_files[NVME_N_ATTRS] = { "firmware_rev", "model", "serial", "state" };
static const char *const nvme_labels[NVME_N_ATTRS] = { "firmware_revision", "model", "serial",
						       "state" };

static int nvme_collect(struct expo_writer *w)
{
	char base[PATH_MAX], **names = NULL;
	size_t n = 0;
	int err;

	err = fs__join(base, sizeof(base), fs__sysfs(), "class/nvme");
	if (err)
		return err;
	if (access(base, F_OK) != 0) {
		log_debug("nvme statistics not found, skipping");
		return -ENODATA;
	}
	err = sysutil__list_sysfs("class/nvme", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		char *bufs[NVME_N_ATTRS] = { NULL };
		struct expo_label l[NVME_N_ATTRS + 1] = { { "device", names[i] } };

		for (int a = 0; a < NVME_N_ATTRS && !err; a++) {
			char path[PATH_MAX];

			if (snprintf(path, sizeof(path), "%s/%s/%s", base, names[i],
				     nvme_files[a]) >= (int)sizeof(path)) {
				err = -ENAMETOOLONG;
				break;
			}
			err = fs__read_file(path, NVME_ATTR_MAX, &bufs[a], NULL);
			if (err) {
				log_error("cannot read an NVMe attribute", "device", names[i],
					  "file", nvme_files[a], "err", fs__strerror(err));
				break;
			}
			l[a + 1].name = nvme_labels[a];
			l[a + 1].value = nvme__trim(bufs[a]);
		}
		if (!err) {
			if (i == 0)
				expo__family(
				    w, "node_nvme_info",
				    "Non-numeric data from /sys/class/nvme/<device>, value is "
				    "always 1.",
				    EXPO_GAUGE);
			expo__sample(w, "node_nvme_info", l, NVME_N_ATTRS + 1, 1);
		}
		for (int a = 0; a < NVME_N_ATTRS; a++)
			free(bufs[a]);
		if (err)
			break;
	}
	sysutil__free_list(names, n);
	return err;
}

static struct collector nvme_collector = {
	.name = "nvme",
	.default_enabled = true,
	.collect = nvme_collect,
};
NP_COLLECTOR(nvme_collector);
