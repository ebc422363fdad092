// SPDX-License-Identifier: Apache-2.0
/* Pod identity: the cniCacheV1 parser on realistic fixtures and hostile input, the pod table
 * (rescan, log-once, stale files, limits), the inotify watcher (latency, deletions, a directory
 * that appears late) and the nodepath_pod_info emitter. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "expo.h"
#include "fsutil.h"
#include "pods.h"

#define CNI_FIX NP_FIXTURES "/cni/"
/* containerd's loopback attachment of the valid_single pod */
#define LO_FIX "cni-loopback-5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b-lo"

static char *fixture(const char *name, size_t *len)
{
	char path[PATH_MAX], *buf = NULL;
	int err;

	snprintf(path, sizeof(path), CNI_FIX "%s", name);
	err = fs__read_file(path, 1 << 22, &buf, len);
	cr_assert_eq(err, 0, "fixture %s: %s", name, strerror(-err));
	return buf;
}

static enum pod_parse_err parse_fixture(const char *name, struct pod_info *pi)
{
	size_t len;
	char *buf = fixture(name, &len);
	enum pod_parse_err e = pod_cache__parse(buf, len, pi);

	free(buf);
	return e;
}

static enum pod_parse_err parse_str(const char *s, struct pod_info *pi)
{
	return pod_cache__parse(s, strlen(s), pi);
}

/* --- parser ---------------------------------------------------------------------------- */

Test(cni_parse, valid_single_containerd_flannel)
{
	struct pod_info pi;

	cr_assert_eq(parse_fixture("valid_single", &pi), POD_PARSE_OK);
	cr_expect_str_eq(pi.namespace, "shop");
	cr_expect_str_eq(pi.pod, "cart-7d9f8c6b5-x2k4q");
	cr_expect_str_eq(pi.uid, "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
	cr_expect_str_eq(pi.container_id,
			 "5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b");
	/* The bridge (cni0) is listed first and has no sandbox either: not the pod's. */
	cr_expect_str_eq(pi.interface, "veth3a8c2f1e");
	cr_expect_str_eq(pi.pod_ifname, "eth0");
	cr_expect_str_eq(pi.network, "cbr0");
	cr_expect_str_eq(pi.pod_ips, "10.244.1.5");
	cr_expect_str_eq(pi.netns, "/var/run/netns/cni-3c1f6a2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b");
}

Test(cni_parse, multus_two_files_two_host_veths)
{
	struct pod_info a, b;

	cr_assert_eq(parse_fixture("multus_eth0", &a), POD_PARSE_OK);
	cr_assert_eq(parse_fixture("multus_net1", &b), POD_PARSE_OK);
	cr_expect_str_eq(a.pod, "ingest-0");
	cr_expect_str_eq(b.pod, "ingest-0");
	cr_expect_str_eq(a.container_id, b.container_id);
	cr_expect_str_eq(a.interface, "veth51d0e7c2");
	cr_expect_str_eq(b.interface, "veth7d21c0aa");
	cr_expect_str_eq(b.pod_ifname, "net1");
	cr_expect_str_eq(b.network, "data-net");
	cr_expect_str_eq(b.pod_ips, "192.168.50.12");
}

Test(cni_parse, ipv6_dual_stack_cni_1_0)
{
	struct pod_info pi;

	cr_assert_eq(parse_fixture("ipv6_dualstack", &pi), POD_PARSE_OK);
	cr_expect_str_eq(pi.namespace, "kube-system");
	cr_expect_str_eq(pi.interface, "veth0c9e41b7");
	/* Canonicalised: the file says fd00:10:244:1:0000::7. */
	cr_expect_str_eq(pi.pod_ips, "10.244.1.7,fd00:10:244:1::7");
}

Test(cni_parse, rejected_fixtures)
{
	struct pod_info pi;

	cr_expect_eq(parse_fixture("corrupt", &pi), POD_PARSE_CORRUPT);
	cr_expect_eq(parse_fixture("truncated", &pi), POD_PARSE_TRUNCATED);
	cr_expect_eq(parse_fixture("foreign_kind_legacy", &pi), POD_PARSE_FOREIGN_KIND);
	cr_expect_eq(parse_fixture("foreign_kind_v2", &pi), POD_PARSE_FOREIGN_KIND);
	cr_expect_eq(parse_fixture("missing_cniargs", &pi), POD_PARSE_MISSING_FIELD);
	cr_expect_eq(parse_fixture("macvlan_no_host_iface", &pi), POD_PARSE_NO_HOST_IFACE);
	/* A rejected file leaves nothing half-filled behind. */
	cr_expect_eq(pi.namespace[0], '\0');
	cr_expect_eq(pi.interface[0], '\0');
}

/* containerd's loopback attachment of a sandbox: a valid file, but no pod entry and no error. */
Test(cni_parse, containerd_loopback_file_is_loopback)
{
	struct pod_info pi;

	cr_expect_eq(parse_fixture(LO_FIX, &pi), POD_PARSE_LOOPBACK);
	cr_expect_eq(pi.pod[0], '\0');
	cr_expect_eq(pi.interface[0], '\0');
	/* Whatever else such a file holds: a loopback attachment never names a pod. */
	cr_expect_eq(
	    parse_str("{\"kind\":\"cniCacheV1\",\"containerId\":\"c\",\"ifName\":\"lo\"}", &pi),
	    POD_PARSE_LOOPBACK);
	cr_expect_str_eq(pod_parse_err__str(POD_PARSE_LOOPBACK), "loopback");
}

Test(cni_parse, every_truncation_of_a_valid_file_is_rejected_cleanly)
{
	size_t len;
	char *buf = fixture("valid_single", &len);

	for (size_t n = 0; n < len; n++) {
		struct pod_info pi;
		enum pod_parse_err e = pod_cache__parse(buf, n, &pi);

		cr_assert(e == POD_PARSE_TRUNCATED, "prefix %zu: %s", n, pod_parse_err__str(e));
	}
	free(buf);
}

Test(cni_parse, oversized)
{
	struct pod_info pi;
	size_t n = POD_CACHE_FILE_MAX + 1;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, ' ', n);
	cr_expect_eq(pod_cache__parse(big, n, &pi), POD_PARSE_OVERSIZED);
	free(big);
}

#define MIN_HEAD                                                                               \
	"{\"kind\":\"cniCacheV1\",\"containerId\":\"c1\",\"ifName\":\"eth0\",\"networkName\":" \
	"\"cbr0\""
#define MIN_ARGS "\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"ns\"],[\"K8S_POD_NAME\",\"p\"]]"
#define MIN_RES                                                                               \
	"\"result\":{\"interfaces\":[{\"name\":\"vethA\"},{\"name\":\"eth0\",\"sandbox\":\"/" \
	"n\"}],"                                                                              \
	"\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":1}]}"

Test(cni_parse, minimal_valid_and_optional_fields)
{
	struct pod_info pi;

	cr_assert_eq(parse_str(MIN_HEAD "," MIN_ARGS "," MIN_RES "}", &pi), POD_PARSE_OK);
	cr_expect_str_eq(pi.uid, "");
	cr_expect_str_eq(pi.netns, "/n"); /* no "netns" (go-cni's cache): the pod's sandbox */
	cr_expect_str_eq(pi.pod_ips, "10.0.0.2");
	/* Trailing whitespace (a newline from an editor) is fine, anything else is not. */
	cr_expect_eq(parse_str(MIN_HEAD "," MIN_ARGS "," MIN_RES "}\n \t", &pi), POD_PARSE_OK);
	cr_expect_eq(parse_str(MIN_HEAD "," MIN_ARGS "," MIN_RES "}x", &pi), POD_PARSE_CORRUPT);
	cr_expect_eq(parse_str(MIN_HEAD "," MIN_ARGS "," MIN_RES "}{}", &pi), POD_PARSE_CORRUPT);
}

Test(cni_parse, hostile_shapes)
{
	static const struct {
		const char *json;
		enum pod_parse_err want;
	} cases[] = {
		{ "", POD_PARSE_TRUNCATED },
		{ "   ", POD_PARSE_TRUNCATED },
		{ "null", POD_PARSE_CORRUPT },
		{ "[]", POD_PARSE_CORRUPT },
		{ "\"cniCacheV1\"", POD_PARSE_CORRUPT },
		{ "{}", POD_PARSE_FOREIGN_KIND },
		{ "{\"kind\":7}", POD_PARSE_CORRUPT },
		{ "{\"kind\":\"cniCacheV1\"}", POD_PARSE_MISSING_FIELD },
		{ "{'kind':'cniCacheV1'}", POD_PARSE_CORRUPT }, /* not strict JSON */
		{ "{\"kind\":\"cniCacheV1\",}", POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_RES "}", POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD ",\"cniArgs\":null," MIN_RES "}", POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD ",\"cniArgs\":{}," MIN_RES "}", POD_PARSE_CORRUPT },
		{ MIN_HEAD ",\"cniArgs\":[[\"K8S_POD_NAME\"]]," MIN_RES "}", POD_PARSE_CORRUPT },
		{ MIN_HEAD ",\"cniArgs\":[[\"K8S_POD_NAME\",1]]," MIN_RES "}", POD_PARSE_CORRUPT },
		{ MIN_HEAD ",\"cniArgs\":[[\"K8S_POD_NAME\",\"p\"]]," MIN_RES "}",
		  POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD
		  ",\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"\"],[\"K8S_POD_NAME\",\"p\"]]," MIN_RES
		  "}",
		  POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD "," MIN_ARGS "}", POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":[]}", POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":{}}", POD_PARSE_NO_HOST_IFACE },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":{\"interfaces\":{}}}", POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":{\"interfaces\":[1]}}", POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":{\"interfaces\":[{}]}}",
		  POD_PARSE_MISSING_FIELD },
		{ MIN_HEAD "," MIN_ARGS ",\"result\":{\"interfaces\":[{\"name\":\"a/b\"}]}}",
		  POD_PARSE_BAD_VALUE },
		{ MIN_HEAD "," MIN_ARGS
			   ",\"result\":{\"interfaces\":[{\"name\":\"veth0123456789abc\"}]}}",
		  POD_PARSE_BAD_VALUE },
		{ MIN_HEAD "," MIN_ARGS
			   ",\"result\":{\"interfaces\":[{\"name\":\"v\",\"sandbox\":3}]}}",
		  POD_PARSE_CORRUPT },
		{ MIN_HEAD
		  "," MIN_ARGS
		  ",\"result\":{\"interfaces\":[{\"name\":\"v\"}],\"ips\":[{\"address\":\"x\"}]}}",
		  POD_PARSE_BAD_VALUE },
		{ MIN_HEAD
		  "," MIN_ARGS
		  ",\"result\":{\"interfaces\":[{\"name\":\"v\"}],\"ips\":[{\"address\":\"1.2.3."
		  "4/8\",\"interface\":\"0\"}]}}",
		  POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_ARGS
			   ",\"result\":{\"interfaces\":[{\"name\":\"v\"}],\"ips\":{}}}",
		  POD_PARSE_CORRUPT },
		{ MIN_HEAD "," MIN_ARGS
			   ",\"result\":{\"interfaces\":[{\"name\":\"v\"}],\"ips\":[7]}}",
		  POD_PARSE_CORRUPT },
		/* Embedded NUL through an escape, and a lone surrogate: not label material. */
		{ "{\"kind\":\"cniCacheV1\",\"containerId\":\"a\\u0000b\",\"ifName\":\"eth0\","
		  "\"networkName\":\"n\"," MIN_ARGS "," MIN_RES "}",
		  POD_PARSE_BAD_VALUE },
		{ "{\"kind\":\"cniCacheV1\",\"containerId\":\"\xff\xfe\"}", POD_PARSE_CORRUPT },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		  "]]]"
		  "]]]]]]]]]]]]]]",
		  POD_PARSE_CORRUPT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pod_info pi;
		enum pod_parse_err e = parse_str(cases[i].json, &pi);

		cr_expect_eq(e, cases[i].want, "case %zu: got %s want %s: %s", i,
			     pod_parse_err__str(e), pod_parse_err__str(cases[i].want),
			     cases[i].json);
	}
}

Test(cni_parse, lone_surrogate_becomes_replacement_character)
{
	struct pod_info pi;

	/* json-c decodes an unpaired \ud800 to U+FFFD, so the label stays valid UTF-8. */
	cr_assert_eq(parse_str(MIN_HEAD ",\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"\\ud800\"],"
					"[\"K8S_POD_NAME\",\"p\"]]," MIN_RES "}",
			       &pi),
		     POD_PARSE_OK);
	cr_expect_str_eq(pi.namespace, "\xef\xbf\xbd");
}

Test(cni_parse, embedded_nul_byte_in_file)
{
	struct pod_info pi;
	char buf[] = MIN_HEAD "," MIN_ARGS "," MIN_RES "}";

	buf[5] = '\0';
	cr_expect_eq(pod_cache__parse(buf, sizeof(buf) - 1, &pi), POD_PARSE_CORRUPT);
}

Test(cni_parse, value_bounds)
{
	char *json = NULL, name[300];
	struct pod_info pi;

	/* 253 characters: the longest Kubernetes pod name fits. */
	memset(name, 'p', 253);
	name[253] = '\0';
	cr_assert(
	    asprintf(
		&json,
		MIN_HEAD
		",\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"ns\"],[\"K8S_POD_NAME\",\"%s\"]]," MIN_RES
		"}",
		name) > 0);
	cr_expect_eq(parse_str(json, &pi), POD_PARSE_OK);
	cr_expect_eq(strlen(pi.pod), 253);
	free(json);
	memset(name, 'p', 299);
	name[299] = '\0';
	cr_assert(
	    asprintf(
		&json,
		MIN_HEAD
		",\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"ns\"],[\"K8S_POD_NAME\",\"%s\"]]," MIN_RES
		"}",
		name) > 0);
	cr_expect_eq(parse_str(json, &pi), POD_PARSE_BAD_VALUE);
	free(json);
}

Test(cni_parse, repeated_args_first_wins_and_gateway_ips_are_not_the_pods)
{
	struct pod_info pi;
	const char *json =
	    MIN_HEAD ",\"cniArgs\":[[\"K8S_POD_NAMESPACE\",\"a\"],[\"K8S_POD_NAME\",\"p\"],"
		     "[\"K8S_POD_NAMESPACE\",\"b\"]],"
		     "\"result\":{\"interfaces\":[{\"name\":\"cni0\"},{\"name\":\"vethB\"},"
		     "{\"name\":\"eth0\",\"sandbox\":\"/n\"}],"
		     "\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":0},"
		     "{\"address\":\"10.0.0.9/24\",\"interface\":2}]}}";

	cr_assert_eq(parse_str(json, &pi), POD_PARSE_OK);
	cr_expect_str_eq(pi.namespace, "a");
	cr_expect_str_eq(pi.interface, "vethB");
	cr_expect_str_eq(pi.pod_ips, "10.0.0.9");
}

/* --- table ----------------------------------------------------------------------------- */

struct tmpdir {
	char path[64];
};

static void tmp_make(struct tmpdir *d)
{
	strcpy(d->path, "/tmp/np-pods-XXXXXX");
	cr_assert_not_null(mkdtemp(d->path));
}

static void tmp_rm(struct tmpdir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	cr_expect_eq(system(cmd), 0);
}

static void put_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Write like flanneld/CRI-O might: temp file then rename (IN_MOVED_TO). */
static void put_file_atomic(const char *dir, const char *name, const char *data, size_t len)
{
	char from[PATH_MAX], to[PATH_MAX];

	put_file(dir, ".tmp-write", data, len);
	snprintf(from, sizeof(from), "%s/.tmp-write", dir);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	cr_assert_eq(rename(from, to), 0);
}

static void copy_fixture(const char *dir, const char *fix, const char *as)
{
	size_t len;
	char *buf = fixture(fix, &len);

	put_file(dir, as ? as : fix, buf, len);
	free(buf);
}

static void rm_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(unlink(path), 0);
}

/* Make the file look written at t seconds past its current mtime, so a rewrite with the same
 * size inside one timestamp tick still looks changed. */
static void bump_mtime(const char *dir, const char *name, int secs)
{
	char path[PATH_MAX];
	struct timespec ts[2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(stat(path, &st), 0);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ts[1].tv_sec += secs;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static const char *const all_fixtures[] = {
	"valid_single",
	"multus_eth0",
	"multus_net1",
	"ipv6_dualstack",
	"corrupt",
	"truncated",
	"foreign_kind_legacy",
	"foreign_kind_v2",
	"missing_cniargs",
	"macvlan_no_host_iface",
	LO_FIX,
};

/* A valid cache file padded past 1 MiB with a capabilityArgs string: only its size is wrong. */
static void put_oversized(const char *dir, const char *name)
{
	size_t len, pad = POD_CACHE_FILE_MAX;
	char *buf = fixture("valid_single", &len), *big;
	const char *key = "\"capabilityArgs\":{";
	char *at = strstr(buf, key);
	size_t head;

	cr_assert_not_null(at);
	head = (size_t)(at - buf) + strlen(key);
	big = malloc(len + pad + 32);
	cr_assert_not_null(big);
	memcpy(big, buf, head);
	memcpy(big + head, "\"pad\":\"", 7);
	memset(big + head + 7, 'x', pad);
	memcpy(big + head + 7 + pad, "\",", 2);
	memcpy(big + head + 9 + pad, buf + head, len - head);
	put_file(dir, name, big, len + pad + 9);
	free(big);
	free(buf);
}

Test(pod_table, rescan_mixed_directory_keeps_every_good_file)
{
	struct tmpdir d;
	struct pod_table *t;
	struct pod_info pi;

	tmp_make(&d);
	for (size_t i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++)
		copy_fixture(d.path, all_fixtures[i], NULL);
	/* Old enough not to look like a write in progress. */
	bump_mtime(d.path, "truncated", -60);
	put_oversized(d.path, "oversized");
	bump_mtime(d.path, "oversized", -60);
	mkdir(strcat(strcpy((char[96]){ 0 }, d.path), "/subdir"), 0755);
	t = pod_table__create(d.path);
	cr_assert_not_null(t);
	cr_assert_eq(pod_table__rescan(t), 0);

	/* 4 good files, 4 veths; 7 skipped: corrupt, truncated, 2 foreign, missing cniArgs,
	 * oversized, macvlan (no veth: not an error, but not an entry either); the loopback
	 * file is neither. */
	cr_expect_eq(pod_table__count(t), 4);
	cr_expect_eq(pod_table__skipped_files(t), 7);
	cr_assert_eq(pod_table__lookup(t, "veth3a8c2f1e", &pi), 0);
	cr_expect_str_eq(pi.pod, "cart-7d9f8c6b5-x2k4q");
	cr_assert_eq(pod_table__lookup(t, "veth51d0e7c2", &pi), 0);
	cr_expect_str_eq(pi.pod_ifname, "eth0");
	cr_assert_eq(pod_table__lookup(t, "veth7d21c0aa", &pi), 0);
	cr_expect_str_eq(pi.pod_ifname, "net1");
	cr_assert_eq(pod_table__lookup(t, "veth0c9e41b7", &pi), 0);
	cr_expect_eq(pod_table__lookup(t, "cni0", &pi), -ENOENT);
	cr_expect_eq(pod_table__lookup(t, "vethdeadbeef", &pi), -ENOENT);
	cr_expect_eq(pod_table__lookup(t, "", &pi), -ENOENT);
	cr_expect_eq(pod_table__lookup(t, "a-name-longer-than-ifnamsiz", &pi), -ENOENT);
	pod_table__destroy(t);
	tmp_rm(&d);
}

/* Every containerd sandbox leaves a cni-loopback-<id>-lo file next to its network's: not an
 * entry, not counted as skipped (so not logged) on the first scan, later rescans or updates. */
Test(pod_table, loopback_files_are_ignored_silently)
{
	struct tmpdir d;
	struct pod_table *t;
	struct pod_info pi;

	tmp_make(&d);
	copy_fixture(d.path, "valid_single", NULL);
	copy_fixture(d.path, LO_FIX, NULL);
	t = pod_table__create(d.path);
	cr_assert_not_null(t);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	cr_assert_eq(pod_table__lookup(t, "veth3a8c2f1e", &pi), 0);
	cr_expect_str_eq(pi.pod, "cart-7d9f8c6b5-x2k4q");
	cr_expect_eq(pod_table__lookup(t, "lo", &pi), -ENOENT);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pod_table__rescan(t), 0);
	bump_mtime(d.path, LO_FIX, 5);
	pod_table__update_file(t, LO_FIX);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	pod_table__destroy(t);
	tmp_rm(&d);
}

/* A file past the size bound that is still young may be a write in progress (a rescan or
 * IN_CREATE racing a multi-page write(2)): not judged until closed, so it is logged once. */
Test(pod_table, young_oversized_file_judged_when_closed)
{
	struct tmpdir d;
	struct pod_table *t;

	tmp_make(&d);
	put_oversized(d.path, "oversized");
	t = pod_table__create(d.path);
	cr_assert_not_null(t);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	cr_expect_eq(pod_table__count(t), 0);
	pod_table__update_file(t, "oversized"); /* IN_CLOSE_WRITE */
	cr_expect_eq(pod_table__skipped_files(t), 1);
	pod_table__update_file(t, "oversized");
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, bad_file_logged_once_until_it_changes)
{
	struct tmpdir d;
	struct pod_table *t;
	uint64_t gen;

	tmp_make(&d);
	copy_fixture(d.path, "valid_single", NULL);
	copy_fixture(d.path, "corrupt", NULL);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	gen = pod_table__generation(t);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pod_table__rescan(t), 0);
	/* Unchanged files are neither re-parsed nor re-logged, and the view is not rebuilt. */
	cr_expect_eq(pod_table__skipped_files(t), 1);
	cr_expect_eq(pod_table__generation(t), gen);
	bump_mtime(d.path, "corrupt", 5);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 2);
	cr_expect_eq(pod_table__count(t), 1);
	/* Repaired in place: picked up, nothing else disturbed. */
	copy_fixture(d.path, "multus_eth0", "corrupt");
	bump_mtime(d.path, "corrupt", 10);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 2);
	cr_expect_eq(pod_table__skipped_files(t), 2);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, file_turning_corrupt_drops_only_its_entry)
{
	struct tmpdir d;
	struct pod_table *t;
	struct pod_info pi;

	tmp_make(&d);
	copy_fixture(d.path, "valid_single", NULL);
	copy_fixture(d.path, "multus_eth0", NULL);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 2);
	/* Seen by a rescan while young: maybe a write in progress, the old entry stays. */
	copy_fixture(d.path, "truncated", "valid_single");
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 2);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	/* Its writer closed it (IN_CLOSE_WRITE): judged at once, logged, its entry goes. */
	pod_table__update_file(t, "valid_single");
	cr_expect_eq(pod_table__skipped_files(t), 1);
	cr_expect_eq(pod_table__count(t), 1);
	cr_expect_eq(pod_table__lookup(t, "veth3a8c2f1e", &pi), -ENOENT);
	cr_expect_eq(pod_table__lookup(t, "veth51d0e7c2", &pi), 0);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, stale_file_for_same_veth_newest_wins)
{
	struct tmpdir d;
	struct pod_table *t;
	struct pod_info pi;
	size_t len;
	char *buf = fixture("valid_single", &len), *at;

	tmp_make(&d);
	put_file(d.path, "cbr0-old-eth0", buf, len);
	bump_mtime(d.path, "cbr0-old-eth0", -100);
	at = strstr(buf, "cart-7d9f8c6b5-x2k4q");
	cr_assert_not_null(at);
	memcpy(at, "cart-7d9f8c6b5-zzzzz", 20);
	put_file(d.path, "cbr0-new-eth0", buf, len);
	free(buf);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	cr_assert_eq(pod_table__lookup(t, "veth3a8c2f1e", &pi), 0);
	cr_expect_str_eq(pi.pod, "cart-7d9f8c6b5-zzzzz");
	/* The new pod's file goes; the stale one still names the veth. */
	rm_file(d.path, "cbr0-new-eth0");
	pod_table__update_file(t, "cbr0-new-eth0");
	cr_assert_eq(pod_table__lookup(t, "veth3a8c2f1e", &pi), 0);
	cr_expect_str_eq(pi.pod, "cart-7d9f8c6b5-x2k4q");
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, directory_missing_then_gone)
{
	struct tmpdir d;
	struct pod_table *t;
	char sub[128];

	tmp_make(&d);
	snprintf(sub, sizeof(sub), "%s/results", d.path);
	t = pod_table__create(sub);
	cr_expect_eq(pod_table__rescan(t), -ENOENT);
	cr_expect_eq(pod_table__count(t), 0);
	/* Complete (pod names are best effort), but not listed: absence proves nothing yet. */
	cr_expect(pod_table__complete(t));
	cr_expect_not(pod_table__listed(t));
	/* Not a directory: the same. */
	put_file(d.path, "results", "x", 1);
	cr_expect_eq(pod_table__rescan(t), -ENOTDIR);
	cr_expect_not(pod_table__listed(t));
	rm_file(d.path, "results");
	cr_assert_eq(mkdir(sub, 0700), 0);
	copy_fixture(sub, "valid_single", NULL);
	cr_expect_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	cr_expect(pod_table__listed(t));
	rm_file(sub, "valid_single");
	cr_assert_eq(rmdir(sub), 0);
	cr_expect_eq(pod_table__rescan(t), -ENOENT);
	cr_expect_eq(pod_table__count(t), 0);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, young_truncated_file_is_in_progress_not_corrupt)
{
	struct tmpdir d;
	struct pod_table *t;

	tmp_make(&d);
	copy_fixture(d.path, "truncated", NULL);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	/* The rest arrives (IN_CLOSE_WRITE): parsed, never logged as truncated. */
	copy_fixture(d.path, "valid_single", "truncated");
	pod_table__update_file(t, "truncated");
	cr_expect_eq(pod_table__skipped_files(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	/* A future mtime (clock skew) is not "young": judged on content at once. */
	copy_fixture(d.path, "truncated", "skewed");
	bump_mtime(d.path, "skewed", 3600);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, empty_young_file_is_in_progress_not_corrupt)
{
	struct tmpdir d;
	struct pod_table *t;

	tmp_make(&d);
	put_file(d.path, "being-written", "", 0);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	/* A file left for later: the directory is not listed in full yet. */
	cr_expect(pod_table__complete(t));
	cr_expect_not(pod_table__listed(t));
	/* An old empty file is a leftover: logged once as truncated. */
	bump_mtime(d.path, "being-written", -60);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	cr_expect(pod_table__listed(t));
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_table, symlinks_fifos_and_directories_are_not_cache_files)
{
	struct tmpdir d;
	struct pod_table *t;
	char target[PATH_MAX], link[PATH_MAX], fifo[PATH_MAX], sub[PATH_MAX];
	struct pod_info pi;

	tmp_make(&d);
	copy_fixture(d.path, "multus_eth0", NULL);
	snprintf(target, sizeof(target), "%s/multus_eth0", d.path);
	snprintf(link, sizeof(link), "%s/cbr0-link-eth0", d.path);
	snprintf(fifo, sizeof(fifo), "%s/cbr0-fifo-eth0", d.path);
	snprintf(sub, sizeof(sub), "%s/cbr0-dir-eth0", d.path);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(mkdir(sub, 0700), 0);
	t = pod_table__create(d.path);
	/* Returns (a FIFO without a writer would block a plain open) and counts only the file. */
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), 1);
	cr_expect_eq(pod_table__skipped_files(t), 0);
	pod_table__update_file(t, "cbr0-fifo-eth0");
	pod_table__update_file(t, "cbr0-link-eth0");
	cr_expect_eq(pod_table__count(t), 1);
	/* A regular file replaced by a symlink loses its entry. */
	cr_assert_eq(unlink(target), 0);
	cr_assert_eq(symlink(link, target), 0);
	pod_table__update_file(t, "multus_eth0");
	cr_expect_eq(pod_table__lookup(t, "veth51d0e7c2", &pi), -ENOENT);
	pod_table__destroy(t);
	tmp_rm(&d);
}

static int collect_ifnames(const struct pod_info *pi, void *ctx)
{
	char *out = ctx;

	strcat(out, pi->interface);
	strcat(out, ";");
	return 0;
}

Test(pod_table, foreach_sorted_by_interface)
{
	struct tmpdir d;
	struct pod_table *t;
	char seen[256] = "";

	tmp_make(&d);
	copy_fixture(d.path, "valid_single", NULL);
	copy_fixture(d.path, "multus_eth0", NULL);
	copy_fixture(d.path, "multus_net1", NULL);
	copy_fixture(d.path, "ipv6_dualstack", NULL);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_assert_eq(pod_table__foreach(t, collect_ifnames, seen), 0);
	cr_expect_str_eq(seen, "veth0c9e41b7;veth3a8c2f1e;veth51d0e7c2;veth7d21c0aa;");
	pod_table__destroy(t);
	tmp_rm(&d);
}

/* --- watcher --------------------------------------------------------------------------- */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds until lookup(ifname) reaches want (0 = present, -ENOENT = gone); -1 after 3 s. */
static double wait_for(struct pod_table *t, const char *ifname, int want)
{
	double start = mono_now();
	struct pod_info pi;

	while (mono_now() - start < 3.0) {
		if (pod_table__lookup(t, ifname, &pi) == want)
			return mono_now() - start;
		usleep(2000);
	}
	return -1;
}

/* Seconds until the watcher's first full read is done; -1 after 10 s. */
static double wait_complete(struct pod_table *t)
{
	double start = mono_now();

	while (mono_now() - start < 10.0) {
		if (pod_table__complete(t))
			return mono_now() - start;
		usleep(2000);
	}
	return -1;
}

Test(pod_watch, labels_follow_files_within_a_second)
{
	struct tmpdir d;
	struct pod_table *t;
	double s;
	size_t len;
	char *buf;

	tmp_make(&d);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__start_watch(t), 0);

	copy_fixture(d.path, "valid_single", "cbr0-5b0d-eth0"); /* IN_CREATE + IN_CLOSE_WRITE */
	s = wait_for(t, "veth3a8c2f1e", 0);
	cr_expect(s >= 0 && s < 1.0, "create: %.3f s", s);

	buf = fixture("multus_eth0", &len);
	put_file_atomic(d.path, "cbr0-9e8d-eth0", buf, len); /* IN_MOVED_TO */
	free(buf);
	s = wait_for(t, "veth51d0e7c2", 0);
	cr_expect(s >= 0 && s < 1.0, "rename in: %.3f s", s);

	rm_file(d.path, "cbr0-5b0d-eth0"); /* IN_DELETE */
	s = wait_for(t, "veth3a8c2f1e", -ENOENT);
	cr_expect(s >= 0 && s < 1.0, "delete: %.3f s", s);

	{
		char from[PATH_MAX], to[PATH_MAX];

		snprintf(from, sizeof(from), "%s/cbr0-9e8d-eth0", d.path);
		snprintf(to, sizeof(to), "/tmp/np-pods-moved-%d", getpid());
		cr_assert_eq(rename(from, to), 0); /* IN_MOVED_FROM */
		s = wait_for(t, "veth51d0e7c2", -ENOENT);
		cr_expect(s >= 0 && s < 1.0, "rename out: %.3f s", s);
		unlink(to);
	}
	/* A corrupt file arriving does not disturb the others. */
	copy_fixture(d.path, "ipv6_dualstack", NULL);
	copy_fixture(d.path, "corrupt", NULL);
	s = wait_for(t, "veth0c9e41b7", 0);
	cr_expect(s >= 0 && s < 1.0, "second create: %.3f s", s);
	cr_expect_eq(pod_table__count(t), 1);

	pod_table__stop_watch(t);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_watch, file_turning_truncated_is_judged_when_closed)
{
	struct tmpdir d;
	struct pod_table *t;
	double s;

	tmp_make(&d);
	copy_fixture(d.path, "valid_single", "cbr0-5b0d-eth0");
	copy_fixture(d.path, "multus_eth0", NULL);
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__start_watch(t), 0);
	cr_assert(wait_complete(t) >= 0, "first read never completed");
	cr_expect_eq(pod_table__count(t), 2);
	/* Rewritten in place and closed while truncated (a disk-full write): the entry goes at
	 * once and the file is logged, although it is young. */
	copy_fixture(d.path, "truncated", "cbr0-5b0d-eth0");
	s = wait_for(t, "veth3a8c2f1e", -ENOENT);
	cr_expect(s >= 0 && s < 1.0, "truncated rewrite: %.3f s", s);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	cr_expect_eq(pod_table__count(t), 1);
	/* Repaired: back. */
	copy_fixture(d.path, "valid_single", "cbr0-5b0d-eth0");
	s = wait_for(t, "veth3a8c2f1e", 0);
	cr_expect(s >= 0 && s < 1.0, "repaired: %.3f s", s);
	cr_expect_eq(pod_table__skipped_files(t), 1);
	pod_table__stop_watch(t);
	pod_table__destroy(t);
	tmp_rm(&d);
}

Test(pod_watch, directory_appears_after_start_and_can_vanish)
{
	struct tmpdir d;
	struct pod_table *t;
	char sub[128];
	double s;

	tmp_make(&d);
	snprintf(sub, sizeof(sub), "%s/results", d.path);
	t = pod_table__create(sub);
	cr_assert_eq(pod_table__start_watch(t), 0);
	usleep(100 * 1000);
	cr_assert_eq(mkdir(sub, 0700), 0);
	copy_fixture(sub, "valid_single", NULL);
	s = wait_for(t, "veth3a8c2f1e", 0);
	cr_expect(s >= 0 && s < 1.0, "late directory: %.3f s", s);

	rm_file(sub, "valid_single");
	cr_assert_eq(rmdir(sub), 0);
	s = wait_for(t, "veth3a8c2f1e", -ENOENT);
	cr_expect(s >= 0 && s < 1.0, "directory removed: %.3f s", s);

	/* And comes back (a node's /var/lib/cni wiped and recreated). */
	cr_assert_eq(mkdir(sub, 0700), 0);
	copy_fixture(sub, "multus_net1", NULL);
	s = wait_for(t, "veth7d21c0aa", 0);
	cr_expect(s >= 0 && s < 1.0, "directory recreated: %.3f s", s);

	pod_table__stop_watch(t);
	pod_table__destroy(t);
	tmp_rm(&d);
}

struct hammer {
	struct pod_table *t;
	volatile int stop;
	unsigned long reads;
};

static int count_cb(const struct pod_info *pi, void *ctx)
{
	(void)pi;
	(*(unsigned long *)ctx)++;
	return 0;
}

static void *reader(void *arg)
{
	struct hammer *h = arg;
	struct pod_info pi;
	unsigned long n = 0;

	while (!h->stop) {
		pod_table__lookup(h->t, "veth3a8c2f1e", &pi);
		pod_table__foreach(h->t, count_cb, &n);
		h->reads++;
	}
	return NULL;
}

#define CHURN_BUDGET_S 30.0

/* Churn: 50 pods come and go while readers scrape; the table ends empty, without leaks
 * (the asan build checks that). */
Test(pod_watch, churn_with_concurrent_readers)
{
	struct tmpdir d;
	struct pod_table *t;
	struct hammer h = { 0 };
	pthread_t thr[2];
	size_t len;
	char *buf = fixture("valid_single", &len);
	double s;

	tmp_make(&d);
	t = pod_table__create(d.path);
	h.t = t;
	cr_assert_eq(pod_table__start_watch(t), 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&thr[i], NULL, reader, &h);
	char *veth = strstr(buf, "veth3a8c2f1e");

	cr_assert_not_null(veth);
	for (int i = 0; i < 50; i++) {
		char name[32], ifname[32];

		snprintf(name, sizeof(name), "cbr0-pod%02d-eth0", i);
		snprintf(ifname, sizeof(ifname), "vethchurn%03d", i);
		memcpy(veth, ifname, 12);
		put_file(d.path, name, buf, len);
	}
	/* The two readers spin on a machine that may have two CPUs and other suites running: the
	 * watcher can wait seconds for a CPU (seen past 3 s under ASan). The budget is for a hang,
	 * not a speed target. */
	s = -1;
	for (double start = mono_now(); mono_now() - start < CHURN_BUDGET_S; usleep(2000)) {
		if (pod_table__count(t) == 50) {
			s = mono_now() - start;
			break;
		}
	}
	cr_expect(s >= 0, "50 pods never appeared (%zu)", pod_table__count(t));
	for (int i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cbr0-pod%02d-eth0", i);
		rm_file(d.path, name);
	}
	s = -1;
	for (double start = mono_now(); mono_now() - start < CHURN_BUDGET_S; usleep(2000)) {
		if (pod_table__count(t) == 0) {
			s = mono_now() - start;
			break;
		}
	}
	cr_expect(s >= 0, "deleted pods remain (%zu)", pod_table__count(t));
	h.stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(thr[i], NULL);
	cr_expect_gt(h.reads, 0);
	pod_table__stop_watch(t);
	pod_table__destroy(t);
	free(buf);
	tmp_rm(&d);
}

/* --- thousands of files: exact results of insert, remove and lookup ---------------------- */

/* Scattered like libcni's random names: files sorted by name are not sorted by interface. */
static void many_veth(char *out, size_t cap, int i)
{
	snprintf(out, cap, "veth%08x", (unsigned)i * 2654435761u);
}

/* valid_single with its veth and pod name replaced (same lengths: the JSON stays valid). */
static void put_pod(const char *dir, const char *name, int i, char tag, long age_s)
{
	size_t len;
	char *buf = fixture("valid_single", &len), *veth, *pod, v[16], p[24];

	veth = strstr(buf, "veth3a8c2f1e");
	pod = strstr(buf, "cart-7d9f8c6b5-x2k4q");
	cr_assert(veth && pod);
	many_veth(v, sizeof(v), i);
	snprintf(p, sizeof(p), "%c%019d", tag, i);
	memcpy(veth, v, 12);
	memcpy(pod, p, 20);
	put_file(dir, name, buf, len);
	if (age_s)
		bump_mtime(dir, name, (int)-age_s);
	free(buf);
}

static void pod_file_name(char *out, size_t cap, int i)
{
	snprintf(out, cap, "cbr0-%08x%056d-eth0", (unsigned)i * 40503u, i);
}

/* lookup of pod i's veth: 0 with pod "<tag><i>", or -ENOENT (tag 0). */
static void expect_pod(struct pod_table *t, int i, char tag)
{
	struct pod_info pi;
	char v[16], p[24];

	many_veth(v, sizeof(v), i);
	if (!tag) {
		cr_expect_eq(pod_table__lookup(t, v, &pi), -ENOENT, "pod %d still there", i);
		return;
	}
	snprintf(p, sizeof(p), "%c%019d", tag, i);
	cr_assert_eq(pod_table__lookup(t, v, &pi), 0, "pod %d missing", i);
	cr_expect_str_eq(pi.pod, p);
	cr_expect_str_eq(pi.interface, v);
}

struct order_check {
	char last[POD_IFNAME_MAX];
	size_t n, unordered;
};

static int check_order(const struct pod_info *pi, void *ctx)
{
	struct order_check *o = ctx;

	if (o->n && strcmp(o->last, pi->interface) >= 0)
		o->unordered++;
	snprintf(o->last, sizeof(o->last), "%s", pi->interface);
	o->n++;
	return 0;
}

#define MANY 3000

Test(pod_table, thousands_of_files_insert_remove_lookup_exact)
{
	struct order_check o = { 0 };
	struct tmpdir d;
	struct pod_table *t;
	char name[128];

	tmp_make(&d);
	for (int i = 0; i < MANY; i++) {
		pod_file_name(name, sizeof(name), i);
		put_pod(d.path, name, i, 'p', 0);
	}
	/* Stale files a failed DEL left: older, naming the veth of every 10th pod. */
	for (int i = 0; i < MANY; i += 10) {
		snprintf(name, sizeof(name), "cbr0-stale%06d-eth0", i);
		put_pod(d.path, name, i, 's', 100);
	}
	/* Hostile ones, old enough not to be writes in progress. */
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "cbr0-corrupt%03d-eth0", i);
		put_file(d.path, name, "{\"kind\":", 8);
		bump_mtime(d.path, name, -100);
		snprintf(name, sizeof(name), "cbr0-empty%03d-eth0", i);
		put_file(d.path, name, "", 0);
		bump_mtime(d.path, name, -100);
	}
	t = pod_table__create(d.path);
	cr_assert_not_null(t);
	cr_expect_not(pod_table__complete(t));
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect(pod_table__complete(t));
	cr_expect_eq(pod_table__count(t), MANY);
	cr_expect_eq(pod_table__skipped_files(t), 100);
	for (int i = 0; i < MANY; i++)
		expect_pod(t, i, 'p');
	pod_table__foreach(t, check_order, &o);
	cr_expect_eq(o.n, MANY);
	cr_expect_eq(o.unordered, 0);

	/* Every 3rd pod goes; where a stale file names its veth (every 30th), that one shows. */
	for (int i = 0; i < MANY; i += 3) {
		pod_file_name(name, sizeof(name), i);
		rm_file(d.path, name);
		pod_table__update_file(t, name);
	}
	cr_expect_eq(pod_table__count(t), MANY - MANY / 3 + MANY / 30);
	for (int i = 0; i < MANY; i++)
		expect_pod(t, i, i % 3 ? 'p' : i % 30 == 0 ? 's' : 0);

	/* The stale files go without events: the rescan's sweep finds them gone. */
	for (int i = 0; i < MANY; i += 10) {
		snprintf(name, sizeof(name), "cbr0-stale%06d-eth0", i);
		rm_file(d.path, name);
	}
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_expect_eq(pod_table__count(t), MANY - MANY / 3);
	for (int i = 0; i < MANY; i++)
		expect_pod(t, i, i % 3 ? 'p' : 0);

	/* And come back as new pods. */
	for (int i = 0; i < MANY; i += 3) {
		pod_file_name(name, sizeof(name), i);
		put_pod(d.path, name, i, 'n', 0);
		pod_table__update_file(t, name);
	}
	cr_expect_eq(pod_table__count(t), MANY);
	for (int i = 0; i < MANY; i++)
		expect_pod(t, i, i % 3 ? 'p' : 'n');
	memset(&o, 0, sizeof(o));
	pod_table__foreach(t, check_order, &o);
	cr_expect_eq(o.n, MANY);
	cr_expect_eq(o.unordered, 0);
	pod_table__destroy(t);
	tmp_rm(&d);
}

/* Files removed and added while the watcher's first read runs: the read never blocks the
 * events, and once it is done they are all applied, exactly. */
Test(pod_watch, removal_and_creation_during_the_initial_read, .timeout = 120)
{
	const int n = 6000, added = 500;
	struct order_check o = { 0 };
	struct tmpdir d;
	struct pod_table *t;
	char name[128];
	bool incomplete_at_first_change;
	double s;

	tmp_make(&d);
	for (int i = 0; i < n; i++) {
		pod_file_name(name, sizeof(name), i);
		put_pod(d.path, name, i, 'p', 0);
	}
	t = pod_table__create(d.path);
	cr_assert_eq(pod_table__start_watch(t), 0);
	/* start_watch returned before the read: nothing of 6,000 files can be in yet. */
	pod_file_name(name, sizeof(name), n - 1);
	rm_file(d.path, name);
	incomplete_at_first_change = !pod_table__complete(t);
	for (int i = 1; i < n - 1; i += 2) {
		pod_file_name(name, sizeof(name), i);
		rm_file(d.path, name);
	}
	for (int i = n; i < n + added; i++) {
		pod_file_name(name, sizeof(name), i);
		put_pod(d.path, name, i, 'p', 0);
	}
	cr_expect(incomplete_at_first_change, "the first read was done before any change");
	s = wait_complete(t);
	cr_assert(s >= 0, "first read never completed");
	s = -1;
	for (double start = mono_now(); mono_now() - start < 20.0; usleep(5000)) {
		if (pod_table__count(t) == (size_t)(n / 2 + added)) {
			s = mono_now() - start;
			break;
		}
	}
	cr_assert(s >= 0, "pods=%zu, want %d", pod_table__count(t), n / 2 + added);
	usleep(300 * 1000); /* nothing late changes it */
	cr_expect_eq(pod_table__count(t), n / 2 + added);
	for (int i = 0; i < n + added; i++)
		expect_pod(t, i, i < n && i % 2 ? 0 : 'p');
	pod_table__foreach(t, check_order, &o);
	cr_expect_eq(o.n, n / 2 + added);
	cr_expect_eq(o.unordered, 0);
	pod_table__stop_watch(t);
	pod_table__destroy(t);
	tmp_rm(&d);
}
