// SPDX-License-Identifier: Apache-2.0
/* nvme collector: a controller attribute of /sys/class/nvme/<device> as node_exporter's procfs
 * reads it (whole file, surrounding white space dropped). Pure: buffer in, modified in place. */
#ifndef NODEPATH_COLLECTORS_NVME_H
#define NODEPATH_COLLECTORS_NVME_H

/* Returns the trimmed value inside buf. */
char *nvme__trim(char *buf);

#endif
