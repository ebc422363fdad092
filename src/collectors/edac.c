// SPDX-License-Identifier: Apache-2.0
/* edac collector: node_exporter 1.5's node_edac_{,un}correctable_errors_total{controller} and
 * node_edac_csrow_{,un}correctable_errors_total{controller,csrow} (the *_noinfo_count files as
 * csrow="unknown"). No EDAC driver loaded: success, no series. */
#include "edac.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

static int read_u64(const char *dir, const char *name, uint64_t *v)
{
	char buf[64];
	int err = sysutil__read_attr(dir, name, buf, sizeof(buf));

	if (err)
		return err;
	return parse__u64(buf, v) ? -EINVAL : 0;
}

int edac__read_mc(const char *dir, const char *num, struct edac_mc *mc)
{
	char **names = NULL;
	size_t n = 0;
	int err;

	memset(mc, 0, sizeof(*mc));
	snprintf(mc->controller, sizeof(mc->controller), "%s", num);
	err = read_u64(dir, "ce_count", &mc->ce);
	if (!err)
		err = read_u64(dir, "ue_count", &mc->ue);
	if (!err)
		err = read_u64(dir, "ce_noinfo_count", &mc->ce_noinfo);
	if (!err)
		err = read_u64(dir, "ue_noinfo_count", &mc->ue_noinfo);
	if (err)
		return err;
	err = sysutil__list_dir(dir, "csrow", &names, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		struct edac_csrow *r;
		char sub[PATH_MAX];

		if (!sysutil__has_num_suffix(names[i], "csrow"))
			continue;
		if (mc->ncsrows == EDAC_MAX_CSROWS) {
			err = -E2BIG;
			break;
		}
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]) >= (int)sizeof(sub)) {
			err = -ENAMETOOLONG;
			break;
		}
		r = &mc->csrows[mc->ncsrows];
		snprintf(r->csrow, sizeof(r->csrow), "%s", names[i] + 5);
		err = read_u64(sub, "ce_count", &r->ce);
		if (!err)
			err = read_u64(sub, "ue_count", &r->ue);
		if (!err)
			mc->ncsrows++;
	}
	sysutil__free_list(names, n);
	return err;
}

static int edac_collect(struct expo_writer *w)
{
	static const char *const fam[4] = { "node_edac_correctable_errors_total",
					    "node_edac_csrow_correctable_errors_total",
					    "node_edac_csrow_uncorrectable_errors_total",
					    "node_edac_uncorrectable_errors_total" };
	static const char *const help[4] = { "Total correctable memory errors.",
					     "Total correctable memory errors for this csrow.",
					     "Total uncorrectable memory errors for this csrow.",
					     "Total uncorrectable memory errors." };
	struct edac_mc *mcs = NULL;
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0, nm = 0;
	int err;

	err = sysutil__list_sysfs("devices/system/edac/mc", "mc", base, sizeof(base), &names, &n);
	if (err)
		return err;
	mcs = calloc(n ? n : 1, sizeof(*mcs));
	if (!mcs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];

		if (!sysutil__has_num_suffix(names[i], "mc"))
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", base, names[i]) >= (int)sizeof(dir))
			continue;
		err = edac__read_mc(dir, names[i] + 2, &mcs[nm]);
		if (err) {
			log_warn("reading failed", "name", names[i], "err", LOG_ERR(err));
			goto cleanup;
		}
		nm++;
	}
	for (int k = 0; k < 4 && nm; k++) {
		expo__family(w, fam[k], help[k], EXPO_COUNTER);
		for (size_t i = 0; i < nm; i++) {
			struct expo_label l[2] = { { "controller", mcs[i].controller },
						   { "csrow", "unknown" } };

			if (k == 0 || k == 3) {
				expo__sample(w, fam[k], l, 1, (double)(k ? mcs[i].ue : mcs[i].ce));
				continue;
			}
			expo__sample(w, fam[k], l, 2,
				     (double)(k == 1 ? mcs[i].ce_noinfo : mcs[i].ue_noinfo));
			for (size_t r = 0; r < mcs[i].ncsrows; r++) {
				l[1].value = mcs[i].csrows[r].csrow;
				expo__sample(
				    w, fam[k], l, 2,
				    (double)(k == 1 ? mcs[i].csrows[r].ce : mcs[i].csrows[r].ue));
			}
		}
	}
cleanup:
	free(mcs);
	sysutil__free_list(names, n);
	return err;
}

static struct collector edac_collector = {
	.name = "edac",
	.default_enabled = true,
	.collect = edac_collect,
};
NP_COLLECTOR(edac_collector);
