// SPDX-License-Identifier: Apache-2.0
/* os collector: node_os_info and node_os_version from <rootfs>/etc/os-release, falling back to
 * <rootfs>/usr/lib/os-release (os-release(5)); neither present is -ENODATA (ErrNoData). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "os.h"
#include "procparse.h"

const char *const os_label_names[OS_NFIELDS] = {
	"build_id",    "id",	  "id_like",	"image_id", "image_version",	"name",
	"pretty_name", "variant", "variant_id", "version",  "version_codename", "version_id",
};

static const char *const os_keys[OS_NFIELDS] = {
	"BUILD_ID",    "ID",	  "ID_LIKE",	"IMAGE_ID", "IMAGE_VERSION",	"NAME",
	"PRETTY_NAME", "VARIANT", "VARIANT_ID", "VERSION",  "VERSION_CODENAME", "VERSION_ID",
};

/* Shell-style value: "double quoted" (with \ escapes), 'single quoted' or bare. Writes the
 * unquoted text to out. -EINVAL on an unterminated quote or trailing garbage. */
static int os_value(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	if (*p == '"' || *p == '\'') {
		char q = *p++;

		for (;; p++) {
			if (!*p)
				return -EINVAL;
			if (*p == q)
				break;
			if (q == '"' && *p == '\\' && p[1])
				p++;
			if (n + 1 >= cap)
				return -EINVAL;
			out[n++] = *p;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#')
			return -EINVAL;
	} else {
		for (; *p && *p != '#'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= cap)
				return -EINVAL;
			out[n++] = *p;
		}
		while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
			n--;
	}
	out[n] = '\0';
	return 0;
}

int os_release__parse(char *buf, struct os_release *out)
{
	char *cur = buf, *line;

	memset(out, 0, sizeof(*out));
	for (line = pp_next_line(&cur); line; line = pp_next_line(&cur)) {
		char *eq, *key, *end;
		size_t ll;

		while (*line == ' ' || *line == '\t')
			line++;
		ll = strlen(line);
		while (ll > 0 &&
		       (line[ll - 1] == ' ' || line[ll - 1] == '\t' || line[ll - 1] == '\r'))
			line[--ll] = '\0';
		if (!*line || *line == '#')
			continue;
		if (strncmp(line, "export ", 7) == 0)
			line += 7;
		eq = strchr(line, '=');
		if (!eq || eq == line)
			return -EINVAL;
		key = line;
		end = eq;
		for (char *k = key; k < end; k++)
			if (!(isalnum((unsigned char)*k) || *k == '_'))
				return -EINVAL;
		*eq = '\0';
		for (int i = 0; i < OS_NFIELDS; i++) {
			if (strcmp(key, os_keys[i]) == 0) {
				if (os_value(eq + 1, out->v[i], sizeof(out->v[i])))
					return -EINVAL;
				key = NULL;
				break;
			}
		}
		if (key) {
			char scratch[1024]; /* validate keys we do not export too */

			if (os_value(eq + 1, scratch, sizeof(scratch)))
				return -EINVAL;
		}
	}
	return 0;
}

double os_release__version(const struct os_release *os)
{
	/* ^[0-9]+\.?[0-9]* */
	const char *s = os->v[OS_VERSION_ID];
	char num[64];
	size_t n = 0;

	while (isdigit((unsigned char)s[n]) && n < sizeof(num) - 1)
		n++;
	if (n == 0)
		return 0;
	if (s[n] == '.' && n < sizeof(num) - 2) {
		n++;
		while (isdigit((unsigned char)s[n]) && n < sizeof(num) - 1)
			n++;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	return strtod(num, NULL);
}

static int os_collect(struct expo_writer *w)
{
	struct os_release os;
	struct expo_label l[OS_NFIELDS];
	char *buf = NULL;
	double version;
	int err;

	err = fs__read_rel(fs__rootfs(), "etc/os-release", 65536, &buf, NULL);
	if (err == -ENOENT)
		err = fs__read_rel(fs__rootfs(), "usr/lib/os-release", 65536, &buf, NULL);
	if (err == -ENOENT) {
		log_debug("no os-release file found, skipping");
		return -ENODATA;
	}
	if (err)
		return err;
	err = os_release__parse(buf, &os);
	free(buf);
	if (err)
		return err;
	for (int i = 0; i < OS_NFIELDS; i++) {
		l[i].name = os_label_names[i];
		l[i].value = os.v[i];
	}
	expo__family(
	    w, "node_os_info",
	    "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
	    "image_version, name, pretty_name, variant, variant_id, version, "
	    "version_codename, version_id.",
	    EXPO_GAUGE);
	expo__sample(w, "node_os_info", l, OS_NFIELDS, 1);
	version = os_release__version(&os);
	if (version > 0) {
		struct expo_label vl[3] = { { "id", os.v[OS_ID] },
					    { "id_like", os.v[OS_ID_LIKE] },
					    { "name", os.v[OS_NAME] } };

		expo__family(w, "node_os_version",
			     "Metric containing the major.minor part of the OS version.",
			     EXPO_GAUGE);
		expo__sample(w, "node_os_version", vl, 3, version);
	}
	return 0;
}

static struct collector os_collector = {
	.name = "os",
	.default_enabled = true,
	.collect = os_collect,
};
NP_COLLECTOR(os_collector);
