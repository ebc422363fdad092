/* pods__emit_info_if: nodepath_pod_info only for the entries the caller keeps (the netpath
 * collector keeps interfaces that exist, so a stale cache file names no pod). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expo.h"
#include "pods.h"

static void copy_fixture(const char *dir, const char *name)
{
	char src[512], dst[512], buf[8192];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), NP_FIXTURES "/cni/%s", name);
	snprintf(dst, sizeof(dst), "%s/cbr0-%s-eth0", dir, name);
	in = fopen(src, "rb");
	cr_assert_not_null(in, "%s", src);
	out = fopen(dst, "wb");
	cr_assert_not_null(out, "%s", dst);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		cr_assert_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

static bool keep_veth3a8c2f1e(const struct pod_info *pi, void *ctx)
{
	(*(int *)ctx)++;
	return strcmp(pi->interface, "veth3a8c2f1e") == 0;
}

static bool keep_none(const struct pod_info *pi, void *ctx)
{
	(void)pi;
	(void)ctx;
	return false;
}

Test(pods_emit_if, keeps_only_accepted_entries)
{
	char dir[] = "/tmp/np-emit-if-XXXXXX";
	char path[600];
	struct pod_table *t;
	struct expo_writer w;
	int calls = 0;

	cr_assert_not_null(mkdtemp(dir));
	copy_fixture(dir, "valid_single");   /* veth3a8c2f1e, shop/cart-7d9f8c6b5-x2k4q */
	copy_fixture(dir, "ipv6_dualstack"); /* veth0c9e41b7, kube-system/coredns-... */
	t = pod_table__create(dir);
	cr_assert_not_null(t);
	cr_assert_eq(pod_table__rescan(t), 0);
	cr_assert_eq(pod_table__count(t), 2);

	expo__init(&w);
	pods__emit_info_if(&w, t, keep_veth3a8c2f1e, &calls);
	cr_assert_eq(w.err, 0);
	cr_expect_eq(calls, 2);
	cr_assert_not_null(w.buf);
	cr_expect_not_null(strstr(w.buf, "# TYPE nodepath_pod_info gauge\n"), "%s", w.buf);
	cr_expect_not_null(strstr(w.buf, "pod=\"cart-7d9f8c6b5-x2k4q\""), "%s", w.buf);
	cr_expect_null(strstr(w.buf, "coredns"), "%s", w.buf);
	expo__fini(&w);

	/* Nothing kept: not even the family header. */
	expo__init(&w);
	pods__emit_info_if(&w, t, keep_none, NULL);
	cr_expect_eq(w.len, 0);
	expo__fini(&w);

	/* NULL keep: everything, as pods__emit_info. */
	expo__init(&w);
	pods__emit_info_if(&w, t, NULL, NULL);
	cr_assert_not_null(w.buf);
	cr_expect_not_null(strstr(w.buf, "coredns"), "%s", w.buf);
	cr_expect_not_null(strstr(w.buf, "cart-7d9f8c6b5-x2k4q"), "%s", w.buf);
	expo__fini(&w);

	pod_table__destroy(t);
	snprintf(path, sizeof(path), "%s/cbr0-valid_single-eth0", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cbr0-ipv6_dualstack-eth0", dir);
	unlink(path);
	rmdir(dir);
}
