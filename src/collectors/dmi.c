// SPDX-License-Identifier: Apache-2.0
/* dmi collector: node_dmi_info, one series labelled with the firmware's identity strings from
 * <sysfs>/class/dmi/id (vendor, product, board, BIOS, chassis, serials, UUID). Read once at
 * start-up, as node_exporter does: they change only with a reboot. Attributes only root may read
 * (serials, UUID) are left out for other users; no DMI at all is -ENODATA. */
#include "dmi.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "sysutil.h"

/* procfs' SysReadFile reads one page. */
#define DMI_ATTR_MAX 4096

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the valid UTF-8 sequence at s (as Go's utf8.DecodeRune accepts it), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int dmi__value(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), o = 0;
	bool in_bad = false;

	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i, len - i);

		if (n == 0) {
			if (!in_bad) {
				if (o + 3 >= cap)
					return -ENOSPC;
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
			}
			in_bad = true;
			i++;
			continue;
		}
		in_bad = false;
		if (o + n >= cap)
			return -ENOSPC;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	if (o >= cap)
		return -ENOSPC;
	out[o] = '\0';
	return 0;
}

/* node_exporter's labels and their files, in label order; chassis_type is not one. */
static const char *const dmi_attrs[][2] = {
	{ "bios_date", "bios_date" },
	{ "bios_release", "bios_release" },
	{ "bios_vendor", "bios_vendor" },
	{ "bios_version", "bios_version" },
	{ "board_asset_tag", "board_asset_tag" },
	{ "board_name", "board_name" },
	{ "board_serial", "board_serial" },
	{ "board_vendor", "board_vendor" },
	{ "board_version", "board_version" },
	{ "chassis_asset_tag", "chassis_asset_tag" },
	{ "chassis_serial", "chassis_serial" },
	{ "chassis_vendor", "chassis_vendor" },
	{ "chassis_version", "chassis_version" },
	{ "product_family", "product_family" },
	{ "product_name", "product_name" },
	{ "product_serial", "product_serial" },
	{ "product_sku", "product_sku" },
	{ "product_uuid", "product_uuid" },
	{ "product_version", "product_version" },
	{ "system_vendor", "sys_vendor" },
};
#define DMI_N_ATTRS (sizeof(dmi_attrs) / sizeof(dmi_attrs[0]))

static struct expo_label g_labels[DMI_N_ATTRS];
static char *g_values[DMI_N_ATTRS];
static size_t g_n;

static void dmi_fini(void)
{
	for (size_t i = 0; i < DMI_N_ATTRS; i++) {
		free(g_values[i]);
		g_values[i] = NULL;
	}
	g_n = 0;
}

/* One attribute: 0 with *value malloc'd, 1 when it is absent, not a regular file or not readable
 * by this user, -errno otherwise. */
static int read_attr(const char *dir, const char *file, char **value)
{
	char path[PATH_MAX], *buf = NULL;
	struct stat st;
	size_t cap;
	int err;

	err = fs__join(path, sizeof(path), dir, file);
	if (err)
		return err;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 1 : -errno;
	if (!S_ISREG(st.st_mode))
		return 1;
	err = fs__read_file_flags(path, FS_NOFOLLOW, DMI_ATTR_MAX, &buf, NULL);
	if (err == -EACCES || err == -EPERM)
		return 1;
	if (err)
		return err;
	cap = 3 * strlen(buf) + 1;
	*value = malloc(cap);
	if (!*value) {
		free(buf);
		return -ENOMEM;
	}
	err = dmi__value(buf, *value, cap);
	free(buf);
	return err;
}

static int dmi_init(void)
{
	char dir[PATH_MAX];
	struct stat st;
	int err;

	err = fs__join(dir, sizeof(dir), fs__sysfs(), "class/dmi/id");
	if (err)
		return err;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT)
			return -errno;
		log_debug(
		    "Platform does not support Desktop Management Interface (DMI) information");
		return 0;
	}
	for (size_t i = 0; i < DMI_N_ATTRS; i++) {
		char *v = NULL;

		err = read_attr(dir, dmi_attrs[i][1], &v);
		if (err < 0) {
			log_error("cannot read a DMI attribute", "file", dmi_attrs[i][1], "err",
				  fs__strerror(err));
			dmi_fini();
			return err;
		}
		if (err == 1)
			continue;
		g_values[g_n] = v;
		g_labels[g_n].name = dmi_attrs[i][0];
		g_labels[g_n].value = v;
		g_n++;
	}
	return 0;
}

static int dmi_collect(struct expo_writer *w)
{
	if (g_n == 0)
		return -ENODATA;
	expo__family(
	    w, "node_dmi_info",
	    "A metric with a constant '1' value labeled by bios_date, bios_release, "
	    "bios_vendor, bios_version, board_asset_tag, board_name, board_serial, "
	    "board_vendor, board_version, chassis_asset_tag, chassis_serial, chassis_vendor, "
	    "chassis_version, product_family, product_name, product_serial, product_sku, "
	    "product_uuid, product_version, system_vendor if provided by DMI.",
	    EXPO_GAUGE);
	expo__sample(w, "node_dmi_info", g_labels, g_n, 1);
	return 0;
}

static struct collector dmi_collector = {
	.name = "dmi",
	.default_enabled = true,
	.init = dmi_init,
	.collect = dmi_collect,
	.fini = dmi_fini,
};
NP_COLLECTOR(dmi_collector);
