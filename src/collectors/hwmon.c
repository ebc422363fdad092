// SPDX-License-Identifier: Apache-2.0
/* hwmon collector: node_exporter 1.5's node_hwmon_* (temp_celsius, in_volts, fan_rpm, power_watt,
 * ... plus chip_names and sensor_label) from <sysfs>/class/hwmon/hwmonN and its device/ directory.
 * Metric names depend on the files present, so samples are gathered, sorted by family and then
 * written, one family at a time. No hwmon class (VMs): success, no series. */
#include "hwmon.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "parse.h"
#include "sysutil.h"

#define HWMON_MAX_RECORDS 16384

static const char *const sensor_types[] = {
	"vrm",	"beep_enable", "update_interval", "in",	    "cpu",	"fan",	    "pwm",
	"temp", "curr",	       "power",		  "energy", "humidity", "intrusion"
};

void hwmon__clean_name(const char *in, char *out, size_t cap)
{
	size_t o = 0, start, end;

	for (const char *p = in; *p && o + 1 < cap; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_'))
			c = '_';
		out[o++] = c;
	}
	out[o] = '\0';
	for (start = 0; out[start] == '_'; start++)
		;
	end = strlen(out);
	while (end > start && out[end - 1] == '_')
		end--;
	memmove(out, out + start, end - start);
	out[end - start] = '\0';
}

bool hwmon__explode(const char *file, char *type, size_t tcap, unsigned int *num, char *prop,
		    size_t pcap)
{
	const char *p = file, *digits, *rest;
	uint64_t v = 0;

	*num = 0;
	prop[0] = '\0';
	while (*p && !(*p >= '0' && *p <= '9'))
		p++;
	if (p == file)
		return false;
	/* The type is greedy: "beep_enable" is one type with no number and no property. But
	 * "temp_input" would be type "temp_input" too, and not a known type. */
	if ((size_t)(p - file) >= tcap)
		return false;
	digits = p;
	while (*p >= '0' && *p <= '9')
		p++;
	rest = p;
	if (*rest && *rest != '_')
		return false;
	if (*rest == '_' && !rest[1])
		return false;
	if (rest > digits) {
		char tmp[24];

		if ((size_t)(rest - digits) >= sizeof(tmp))
			return false;
		memcpy(tmp, digits, (size_t)(rest - digits));
		tmp[rest - digits] = '\0';
		if (parse__u64(tmp, &v) || v > 1000000)
			return false;
	}
	memcpy(type, file, (size_t)(digits - file));
	type[digits - file] = '\0';
	*num = (unsigned int)v;
	if (*rest == '_')
		snprintf(prop, pcap, "%s", rest + 1);
	return true;
}

bool hwmon__metric(const char *type, const char *el, const char *value, bool has_bare,
		   struct hwmon_metric *m)
{
	char clean[96];
	double v;

	memset(m, 0, sizeof(*m));
	if (!strcmp(el, "label"))
		return false;
	if (parse__double(value, &v))
		return false;
	snprintf(m->name, sizeof(m->name), "node_hwmon_%s", type);
	if (!strcmp(el, "input")) {
		if (has_bare)
			strcat(m->name, "_input");
	} else if (el[0]) {
		hwmon__clean_name(el, clean, sizeof(clean));
		snprintf(m->name + strlen(m->name), sizeof(m->name) - strlen(m->name), "_%s",
			 clean);
	}
#define SUFFIX(s) snprintf(m->name + strlen(m->name), sizeof(m->name) - strlen(m->name), "%s", s)
	if (!strcmp(el, "fault") || !strcmp(el, "alarm")) {
		snprintf(m->help, sizeof(m->help), "Hardware sensor %s status (%s)", el, type);
		m->value = v;
	} else if (!strcmp(el, "beep")) {
		SUFFIX("_enabled");
		snprintf(m->help, sizeof(m->help), "Hardware monitor sensor has beeping enabled");
		m->value = v;
	} else if (!strcmp(type, "in") || !strcmp(type, "cpu")) {
		SUFFIX("_volts");
		snprintf(m->help, sizeof(m->help), "Hardware monitor for voltage (%s)", el);
		m->value = v * 0.001;
	} else if (!strcmp(type, "temp") && strcmp(el, "type")) {
		SUFFIX("_celsius");
		snprintf(m->help, sizeof(m->help), "Hardware monitor for temperature (%s)", el);
		m->value = v * 0.001;
	} else if (!strcmp(type, "curr")) {
		SUFFIX("_amps");
		snprintf(m->help, sizeof(m->help), "Hardware monitor for current (%s)", el);
		m->value = v * 0.001;
	} else if (!strcmp(type, "energy")) {
		SUFFIX("_joule_total");
		snprintf(m->help, sizeof(m->help), "Hardware monitor for joules used so far (%s)",
			 el);
		m->counter = true;
		m->value = v / 1000000.0;
	} else if (!strcmp(type, "power") && !strcmp(el, "accuracy")) {
		snprintf(m->help, sizeof(m->help),
			 "Hardware monitor power meter accuracy, as a ratio");
		m->value = v / 1000000.0;
	} else if (!strcmp(type, "power") &&
		   (!strcmp(el, "average_interval") || !strcmp(el, "average_interval_min") ||
		    !strcmp(el, "average_interval_max"))) {
		SUFFIX("_seconds");
		snprintf(m->help, sizeof(m->help),
			 "Hardware monitor power usage update interval (%s)", el);
		m->value = v * 0.001;
	} else if (!strcmp(type, "power")) {
		SUFFIX("_watt");
		snprintf(m->help, sizeof(m->help), "Hardware monitor for power usage in watts (%s)",
			 el);
		m->value = v / 1000000.0;
	} else if (!strcmp(type, "humidity")) {
		snprintf(
		    m->help, sizeof(m->help),
		    "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the "
		    "humidity as a percentage) (%s)",
		    el);
		m->value = v / 1000000.0;
	} else if (!strcmp(type, "fan") && (!strcmp(el, "input") || !strcmp(el, "min") ||
					    !strcmp(el, "max") || !strcmp(el, "target"))) {
		SUFFIX("_rpm");
		snprintf(m->help, sizeof(m->help),
			 "Hardware monitor for fan revolutions per minute (%s)", el);
		m->value = v;
	} else {
		snprintf(m->help, sizeof(m->help), "Hardware monitor %s element %s", type, el);
		m->value = v;
	}
#undef SUFFIX
	return true;
}

/* ---- gathering ------------------------------------------------------------------------------ */

struct prop {
	char sensor[48]; /* type + num, e.g. temp1 */
	char type[32];
	char el[48];
	char value[128];
};

struct record {
	struct hwmon_metric m;
	char chip[128], sensor[48], label[128]; /* label only for node_hwmon_sensor_label */
	char chip_name[128];			/* only for node_hwmon_chip_names */
};

struct records {
	struct record *r;
	size_t n, cap;
};

static struct record *rec_add(struct records *rs)
{
	if (rs->n == HWMON_MAX_RECORDS)
		return NULL;
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		struct record *nr = realloc(rs->r, nc * sizeof(*nr));

		if (!nr)
			return NULL;
		rs->r = nr;
		rs->cap = nc;
	}
	memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
	return &rs->r[rs->n++];
}

static bool known_type(const char *t)
{
	for (size_t i = 0; i < sizeof(sensor_types) / sizeof(sensor_types[0]); i++)
		if (!strcmp(sensor_types[i], t))
			return true;
	return false;
}

/* Collect sensor files of dir into props (later files override earlier equal keys). */
static int collect_dir(const char *dir, struct prop **props, size_t *np, size_t *cap)
{
	char **names = NULL;
	size_t n = 0;
	int err = sysutil__list_dir(dir, NULL, &names, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		char type[32], el[48], value[128];
		unsigned int num;
		struct prop *p = NULL;
		char sensor[48];

		if (!hwmon__explode(names[i], type, sizeof(type), &num, el, sizeof(el)))
			continue;
		if (!known_type(type))
			continue;
		if (sysutil__read_attr(dir, names[i], value, sizeof(value)))
			continue;
		snprintf(sensor, sizeof(sensor), "%s%u", type, num);
		for (size_t k = 0; k < *np && !p; k++)
			if (!strcmp((*props)[k].sensor, sensor) && !strcmp((*props)[k].el, el))
				p = &(*props)[k];
		if (!p) {
			if (*np == HWMON_MAX_RECORDS) {
				err = -E2BIG;
				break;
			}
			if (*np == *cap) {
				size_t nc = *cap ? *cap * 2 : 64;
				struct prop *npr = realloc(*props, nc * sizeof(*npr));

				if (!npr) {
					err = -ENOMEM;
					break;
				}
				*props = npr;
				*cap = nc;
			}
			p = &(*props)[(*np)++];
		}
		snprintf(p->sensor, sizeof(p->sensor), "%s", sensor);
		snprintf(p->type, sizeof(p->type), "%s", type);
		snprintf(p->el, sizeof(p->el), "%s", el);
		snprintf(p->value, sizeof(p->value), "%s", value);
	}
	sysutil__free_list(names, n);
	return err;
}

/* node_exporter 1.5 hwmonName: the device's bus path ("platform_coretemp_0"), else the name
 * file, else the hwmonN directory name. */
static int chip_name(const char *dir, char *out, size_t cap)
{
	char path[PATH_MAX], real[PATH_MAX], buf[128];

	if (snprintf(path, sizeof(path), "%s/device", dir) < (int)sizeof(path) &&
	    realpath(path, real)) {
		char *dev = strrchr(real, '/'), *type;
		char cdev[60], ctype[60];

		if (dev) {
			*dev++ = '\0';
			type = strrchr(real, '/');
			type = type ? type + 1 : real;
			hwmon__clean_name(dev, cdev, sizeof(cdev));
			hwmon__clean_name(type, ctype, sizeof(ctype));
			if (cdev[0] && ctype[0]) {
				snprintf(out, cap, "%s_%s", ctype, cdev);
				return 0;
			}
			if (cdev[0]) {
				snprintf(out, cap, "%s", cdev);
				return 0;
			}
		}
	}
	if (!sysutil__read_attr(dir, "name", buf, sizeof(buf))) {
		hwmon__clean_name(buf, out, cap);
		if (out[0])
			return 0;
	}
	if (!realpath(dir, real))
		return -errno;
	hwmon__clean_name(strrchr(real, '/') ? strrchr(real, '/') + 1 : real, out, cap);
	return out[0] ? 0 : -EINVAL;
}

static int update_chip(const char *dir, struct records *rs)
{
	struct prop *props = NULL;
	size_t np = 0, cap = 0;
	char chip[128], dev[PATH_MAX], buf[128];
	struct stat st;
	struct record *r;
	int err;

	err = chip_name(dir, chip, sizeof(chip));
	if (err)
		return err;
	err = collect_dir(dir, &props, &np, &cap);
	if (!err && snprintf(dev, sizeof(dev), "%s/device", dir) < (int)sizeof(dev) &&
	    !stat(dev, &st) && S_ISDIR(st.st_mode))
		err = collect_dir(dev, &props, &np, &cap);
	if (err)
		goto cleanup;
	if (!sysutil__read_attr(dir, "name", buf, sizeof(buf))) {
		r = rec_add(rs);
		if (!r) {
			err = -E2BIG;
			goto cleanup;
		}
		snprintf(r->m.name, sizeof(r->m.name), "node_hwmon_chip_names");
		snprintf(r->m.help, sizeof(r->m.help),
			 "Annotation metric for human-readable chip names");
		r->m.value = 1;
		snprintf(r->chip, sizeof(r->chip), "%s", chip);
		hwmon__clean_name(buf, r->chip_name, sizeof(r->chip_name));
		if (!r->chip_name[0])
			rs->n--;
	}
	for (size_t i = 0; i < np; i++) {
		const struct prop *p = &props[i];
		bool has_bare = false;
		struct hwmon_metric m;

		for (size_t k = 0; k < np; k++)
			if (!strcmp(props[k].sensor, p->sensor) && !props[k].el[0])
				has_bare = true;
		if (!strcmp(p->el, "label")) {
			r = rec_add(rs);
			if (!r) {
				err = -E2BIG;
				goto cleanup;
			}
			snprintf(r->m.name, sizeof(r->m.name), "node_hwmon_sensor_label");
			snprintf(r->m.help, sizeof(r->m.help), "Label for given chip and sensor");
			r->m.value = 1;
			snprintf(r->chip, sizeof(r->chip), "%s", chip);
			snprintf(r->sensor, sizeof(r->sensor), "%s", p->sensor);
			snprintf(r->label, sizeof(r->label), "%s", p->value);
			continue;
		}
		if (!strcmp(p->type, "beep_enable")) {
			if (p->el[0])
				continue;
			m = (struct hwmon_metric){ .name = "node_hwmon_beep_enabled",
						   .help = "Hardware beep enabled",
						   .value = !strcmp(p->value, "1") };
		} else if (!strcmp(p->type, "vrm")) {
			if (p->el[0] || parse__double(p->value, &m.value))
				continue;
			snprintf(m.name, sizeof(m.name), "node_hwmon_voltage_regulator_version");
			snprintf(m.help, sizeof(m.help), "Hardware voltage regulator");
			m.counter = false;
		} else if (!strcmp(p->type, "update_interval")) {
			if (p->el[0] || parse__double(p->value, &m.value))
				continue;
			snprintf(m.name, sizeof(m.name), "node_hwmon_update_interval_seconds");
			snprintf(m.help, sizeof(m.help), "Hardware monitor update interval");
			m.counter = false;
			m.value *= 0.001;
		} else if (!hwmon__metric(p->type, p->el, p->value, has_bare, &m)) {
			continue;
		}
		r = rec_add(rs);
		if (!r) {
			err = -E2BIG;
			goto cleanup;
		}
		r->m = m;
		snprintf(r->chip, sizeof(r->chip), "%s", chip);
		snprintf(r->sensor, sizeof(r->sensor), "%s", p->sensor);
	}
cleanup:
	free(props);
	return err;
}

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	int c = strcmp(x->m.name, y->m.name);

	if (!c)
		c = strcmp(x->chip, y->chip);
	if (!c)
		c = strverscmp(x->sensor, y->sensor);
	return c;
}

static int hwmon_collect(struct expo_writer *w)
{
	struct records rs = { 0 };
	char base[PATH_MAX];
	char **names = NULL;
	size_t n = 0;
	int err, last = 0;

	err = sysutil__list_sysfs("class/hwmon", NULL, base, sizeof(base), &names, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];
		struct stat st;
		int e;

		if (snprintf(dir, sizeof(dir), "%s/%s", base, names[i]) >= (int)sizeof(dir))
			continue;
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		e = update_chip(dir, &rs);
		if (e) {
			/* As node_exporter: keep going, report the last error. */
			log_warn("reading failed", "name", names[i], "err", LOG_ERR(e));
			last = e;
		}
	}
	if (rs.n)
		qsort(rs.r, rs.n, sizeof(rs.r[0]), cmp_record);
	for (size_t i = 0; i < rs.n; i++) {
		const struct record *r = &rs.r[i];
		struct expo_label l[3];
		size_t nl = 0;

		if (i == 0 || strcmp(r->m.name, rs.r[i - 1].m.name))
			expo__family(w, r->m.name, r->m.help,
				     r->m.counter ? EXPO_COUNTER : EXPO_GAUGE);
		else if (!strcmp(r->chip, rs.r[i - 1].chip) &&
			 !strcmp(r->sensor, rs.r[i - 1].sensor))
			continue; /* same series twice (e.g. file in both hwmonN and device/) */
		l[nl++] = (struct expo_label){ "chip", r->chip };
		if (!strcmp(r->m.name, "node_hwmon_chip_names")) {
			l[nl++] = (struct expo_label){ "chip_name", r->chip_name };
		} else if (!strcmp(r->m.name, "node_hwmon_sensor_label")) {
			l[nl++] = (struct expo_label){ "label", r->label };
			l[nl++] = (struct expo_label){ "sensor", r->sensor };
		} else {
			l[nl++] = (struct expo_label){ "sensor", r->sensor };
		}
		expo__sample(w, r->m.name, l, nl, r->m.value);
	}
	free(rs.r);
	sysutil__free_list(names, n);
	return last;
}

static struct collector hwmon_collector = {
	.name = "hwmon",
	.default_enabled = true,
	.collect = hwmon_collect,
};
NP_COLLECTOR(hwmon_collector);
