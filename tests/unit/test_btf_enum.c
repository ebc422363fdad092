// SPDX-License-Identifier: Apache-2.0
/* The bounded BTF enum reader and the drop reason table built on it: valid BTF made by libbpf
 * (every kind before the enum, records larger than the read window, ENUM64), hand-made corrupt
 * blobs (bad magic, version, lengths, truncation, vlen past the section, names outside the
 * strings, unknown kinds), and the running kernel's /sys/kernel/btf/vmlinux compared entry by
 * entry with libbpf's full parse of it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "btf_enum.h"
#include "loader_drops.h"

/* A file holding exactly len bytes of blob. */
static int blob_fd(const void *blob, size_t len)
{
	int fd = memfd_create("btf", MFD_CLOEXEC);

	cr_assert(fd >= 0, "memfd_create: %s", strerror(errno));
	cr_assert(write(fd, blob, len) == (ssize_t)len);
	return fd;
}

static int btf_fd(struct btf *btf)
{
	__u32 len = 0;
	const void *raw = btf__raw_data(btf, &len);

	cr_assert(raw && len > 0);
	return blob_fd(raw, len);
}

struct seen {
	char names[8][64];
	int64_t values[8];
	int n, stop_at;
};

static int record(const char *name, int64_t value, void *ctx)
{
	struct seen *s = ctx;

	if (s->stop_at && s->n == s->stop_at)
		return -ECANCELED;
	cr_assert(s->n < 8);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	s->values[s->n++] = value;
	return 0;
}

/* --- valid BTF ----------------------------------------------------------------------------- */

/* A made-up kernel: sparse values, the two non-drop names, an unknown value, no enum at all. */
Test(drop_reasons, read_strips_prefixes_and_prints_unknown_numbers)
{
	struct btf *btf = btf__new_empty();
	struct drop_reasons *r = NULL;
	const char *why = NULL;
	char buf[16];
	int fd;

	cr_assert(btf);
	cr_assert(btf__add_int(btf, "int", 4, BTF_INT_SIGNED) > 0);
	fd = btf_fd(btf);
	cr_expect_eq(drop_reasons__read(fd, &r, &why), -ENOENT);
	cr_expect_null(r);
	cr_expect_str_eq(why, "kernel has no enum skb_drop_reason (needs >= 5.17)");
	close(fd);
	cr_assert(btf__add_enum(btf, "skb_drop_reason", 4) > 0);
	cr_assert(btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0) == 0);
	cr_assert(btf__add_enum_value(btf, "SKB_CONSUMED", 1) == 0);
	cr_assert(btf__add_enum_value(btf, "SKB_DROP_REASON_NO_SOCKET", 7) == 0);
	cr_assert(btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2) == 0);
	cr_assert(btf__add_enum_value(btf, "OTHER_NAME", 40) == 0);
	fd = btf_fd(btf);
	cr_assert(drop_reasons__read(fd, &r, &why) == 0 && r, "%s", why);
	cr_expect_null(why);
	cr_expect_eq(drop_reasons__count(r), 5);
	cr_expect_str_eq(drop_reasons__name(r, 0, buf, sizeof(buf)), "NOT_DROPPED_YET");
	cr_expect_str_eq(drop_reasons__name(r, 1, buf, sizeof(buf)), "CONSUMED");
	cr_expect_str_eq(drop_reasons__name(r, 2, buf, sizeof(buf)), "NOT_SPECIFIED");
	cr_expect_str_eq(drop_reasons__name(r, 7, buf, sizeof(buf)), "NO_SOCKET");
	cr_expect_str_eq(drop_reasons__name(r, 40, buf, sizeof(buf)), "OTHER_NAME");
	cr_expect_str_eq(drop_reasons__name(r, 3, buf, sizeof(buf)), "3");
	cr_expect_str_eq(drop_reasons__name(NULL, 7, buf, sizeof(buf)), "7");
	drop_reasons__free(r);
	close(fd);
	btf__free(btf);
}

/* Every kind before the enum, a struct whose record (120 KB) is larger than the read window, a
 * namesake of another kind, and the enum last: each record must be sized right to get there. */
Test(btf_enum, finds_the_enum_after_every_kind_and_records_larger_than_the_window)
{
	struct btf *btf = btf__new_empty();
	struct seen s = { 0 };
	const char *why = NULL;
	int i32, st, fp, var, fd;
	char name[32];

	cr_assert(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	cr_assert(i32 > 0);
	cr_assert(btf__add_ptr(btf, i32) > 0);
	cr_assert(btf__add_array(btf, i32, i32, 4) > 0);
	st = btf__add_struct(btf, "skb_drop_reason", 40000); /* a namesake struct: not it */
	cr_assert(st > 0);
	for (int m = 0; m < 10000; m++) {
		snprintf(name, sizeof(name), "m%d", m);
		cr_assert(btf__add_field(btf, name, i32, m * 32, 0) == 0);
	}
	cr_assert(btf__add_union(btf, "u", 4) > 0);
	cr_assert(btf__add_field(btf, "a", i32, 0, 0) == 0);
	cr_assert(btf__add_enum(btf, "other", 4) > 0);
	cr_assert(btf__add_enum_value(btf, "OTHER_A", 5) == 0);
	cr_assert(btf__add_fwd(btf, "fwd", BTF_FWD_STRUCT) > 0);
	cr_assert(btf__add_typedef(btf, "td", i32) > 0);
	cr_assert(btf__add_volatile(btf, i32) > 0);
	cr_assert(btf__add_const(btf, i32) > 0);
	cr_assert(btf__add_restrict(btf, i32) > 0);
	fp = btf__add_func_proto(btf, i32);
	cr_assert(fp > 0);
	cr_assert(btf__add_func_param(btf, "x", i32) == 0);
	cr_assert(btf__add_func_param(btf, "y", i32) == 0);
	cr_assert(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, fp) > 0);
	var = btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, i32);
	cr_assert(var > 0);
	cr_assert(btf__add_datasec(btf, ".data", 4) > 0);
	cr_assert(btf__add_datasec_var_info(btf, var, 0, 4) == 0);
	cr_assert(btf__add_float(btf, "float", 4) > 0);
	cr_assert(btf__add_decl_tag(btf, "tag", var, -1) > 0);
	cr_assert(btf__add_type_tag(btf, "ttag", i32) > 0);
	cr_assert(btf__add_enum64(btf, "e64", 8, false) > 0);
	cr_assert(btf__add_enum64_value(btf, "E64_BIG", 0x123456789ull) == 0);
	cr_assert(btf__add_enum(btf, "skb_drop_reason", 4) > 0);
	cr_assert(btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0) == 0);
	cr_assert(btf__add_enum_value(btf, "SKB_DROP_REASON_NEG", -3) == 0);
	fd = btf_fd(btf);
	cr_assert(btf_enum__read(fd, "skb_drop_reason", record, &s, &why) == 0, "%s", why);
	cr_assert_eq(s.n, 2);
	cr_expect_str_eq(s.names[0], "SKB_NOT_DROPPED_YET");
	cr_expect_eq(s.values[0], 0);
	cr_expect_str_eq(s.names[1], "SKB_DROP_REASON_NEG");
	cr_expect_eq(s.values[1], -3, "signed enum value %lld", (long long)s.values[1]);
	memset(&s, 0, sizeof(s));
	cr_assert(btf_enum__read(fd, "e64", record, &s, &why) == 0, "%s", why);
	cr_assert_eq(s.n, 1);
	cr_expect_eq(s.values[0], 0x123456789ll);
	memset(&s, 0, sizeof(s));
	cr_expect_eq(btf_enum__read(fd, "skb_drop_reaso", record, &s, &why), -ENOENT);
	cr_expect_eq(btf_enum__read(fd, "skb_drop_reasons", record, &s, &why), -ENOENT);
	cr_expect_str_eq(why, "no such enum in the BTF");
	cr_expect_eq(s.n, 0);
	close(fd);
	btf__free(btf);
}

Test(btf_enum, enum64_and_unsigned_values_and_a_stop_from_the_caller)
{
	struct btf *btf = btf__new_empty();
	struct drop_reasons *r = NULL;
	struct seen s = { .stop_at = 1 };
	const char *why = NULL;
	uint32_t v = 0;
	char buf[24];
	int fd;

	cr_assert(btf);
	cr_assert(btf__add_enum64(btf, "skb_drop_reason", 8, false) > 0);
	cr_assert(btf__add_enum64_value(btf, "SKB_CONSUMED", 1) == 0);
	cr_assert(btf__add_enum64_value(btf, "SKB_DROP_REASON_MAX_U32", UINT32_MAX) == 0);
	cr_assert(btf__add_enum64_value(btf, "SKB_DROP_REASON_TOO_BIG", 1ull << 32) == 0);
	fd = btf_fd(btf);
	cr_assert(drop_reasons__read(fd, &r, &why) == 0, "%s", why);
	cr_expect_eq(drop_reasons__count(r), 2, "a value past u32 cannot be a tracepoint reason");
	cr_expect(drop_reasons__value(r, "MAX_U32", &v) == 0 && v == UINT32_MAX);
	cr_expect_str_eq(drop_reasons__name(r, 1, buf, sizeof(buf)), "CONSUMED");
	drop_reasons__free(r);
	cr_expect_eq(btf_enum__read(fd, "skb_drop_reason", record, &s, &why), -ECANCELED);
	cr_expect_eq(s.n, 1);
	close(fd);
	btf__free(btf);
}

/* --- corrupt BTF -------------------------------------------------------------------------- */

/* A valid blob by hand: header, one INT "int", ENUM "skb_drop_reason" {A = 1, B = 2}. */
struct blob {
	struct btf_header h;
	uint32_t types[3 + 1 + 3 + 2 * 2];
	char strs[64];
};

static const char STRS[] = "\0int\0skb_drop_reason\0A\0B";

static size_t make_blob(struct blob *b)
{
	uint32_t *t = b->types;

	memset(b, 0, sizeof(*b));
	b->h.magic = BTF_MAGIC;
	b->h.version = BTF_VERSION;
	b->h.hdr_len = sizeof(b->h);
	b->h.type_off = 0;
	b->h.type_len = sizeof(b->types);
	b->h.str_off = sizeof(b->types);
	b->h.str_len = sizeof(STRS);
	memcpy(b->strs, STRS, sizeof(STRS));
	/* INT "int": name 1, kind 1, size 4, then its encoding word */
	t[0] = 1, t[1] = BTF_KIND_INT << 24, t[2] = 4, t[3] = 32;
	/* ENUM "skb_drop_reason" (name 5), vlen 2, size 4: {A(21) = 1}, {B(23) = 2} */
	t[4] = 5, t[5] = (BTF_KIND_ENUM << 24) | 2, t[6] = 4;
	t[7] = 21, t[8] = 1, t[9] = 23, t[10] = 2;
	return sizeof(b->h) + sizeof(b->types) + sizeof(STRS);
}

static int read_blob(const struct blob *b, size_t len, const char **why, struct seen *s)
{
	int fd = blob_fd(b, len), err;

	memset(s, 0, sizeof(*s));
	err = btf_enum__read(fd, "skb_drop_reason", record, s, why);
	close(fd);
	return err;
}

Test(btf_enum, the_hand_made_blob_is_valid)
{
	struct blob b;
	struct seen s;
	const char *why = NULL;
	size_t len = make_blob(&b);

	cr_assert_eq(read_blob(&b, len, &why, &s), 0, "%s", why);
	cr_assert_eq(s.n, 2);
	cr_expect_str_eq(s.names[0], "A");
	cr_expect_eq(s.values[0], 1);
	cr_expect_str_eq(s.names[1], "B");
	cr_expect_eq(s.values[1], 2);
}

static void expect_bad(const struct blob *b, size_t len, const char *want_why)
{
	const char *why = NULL;
	struct seen s;

	cr_expect_eq(read_blob(b, len, &why, &s), -EBADMSG, "want -EBADMSG (%s)", want_why);
	cr_expect_str_eq(why ? why : "(null)", want_why);
}

Test(btf_enum, corrupt_headers_are_refused_with_a_reason)
{
	struct blob b;
	size_t len = make_blob(&b);

	expect_bad(&b, 0, "BTF file shorter than a BTF header");
	expect_bad(&b, sizeof(b.h) - 1, "BTF file shorter than a BTF header");
	b.h.magic = 0x9FeB; /* the other byte order */
	expect_bad(&b, len, "not BTF (bad magic, or another byte order)");
	make_blob(&b);
	b.h.version = 2;
	expect_bad(&b, len, "unsupported BTF version");
	make_blob(&b);
	b.h.hdr_len = 8;
	expect_bad(&b, len, "BTF header length outside the file");
	b.h.hdr_len = 0xffffffffu;
	expect_bad(&b, len, "BTF header length outside the file");
	make_blob(&b);
	b.h.type_len = 0xfffffff0u; /* type_off + type_len wraps 32 bits */
	b.h.type_off = 0x20;
	expect_bad(&b, len, "BTF section outside the file");
	make_blob(&b);
	b.h.str_len += 1;
	expect_bad(&b, len, "BTF section outside the file");
	make_blob(&b);
	expect_bad(&b, len - 1, "BTF section outside the file"); /* the file cut short */
	make_blob(&b);
	b.h.str_len = 0;
	expect_bad(&b, len, "BTF without strings");
}

Test(btf_enum, corrupt_type_records_are_refused_with_a_reason)
{
	struct blob b;
	size_t len = make_blob(&b);

	/* vlen 65535: the enum's entries run past the type section */
	b.types[5] = (BTF_KIND_ENUM << 24) | 0xffff;
	expect_bad(&b, len, "BTF type record past the type section");
	make_blob(&b);
	b.h.type_len = 4 * 9; /* the section ends inside the enum's entries */
	expect_bad(&b, len, "BTF type record past the type section");
	make_blob(&b);
	b.h.type_len = 4 * 6; /* ... inside the enum's struct btf_type */
	expect_bad(&b, len, "BTF type record past the type section");
	make_blob(&b);
	b.types[1] = 25u << 24; /* a kind this reader does not know */
	expect_bad(&b, len, "unknown BTF kind");
	make_blob(&b);
	b.types[4] = 4000; /* the enum's name outside the strings */
	expect_bad(&b, len, "BTF name offset outside the string section");
	make_blob(&b);
	b.types[9] = b.h.str_len; /* an enumerator's name just past the strings */
	expect_bad(&b, len, "BTF name offset outside the string section");
	make_blob(&b);
	b.h.str_len -= 1; /* the last name, "B", loses its NUL */
	expect_bad(&b, len, "BTF name unterminated or too long");
}

Test(btf_enum, an_enum_name_cut_by_the_end_of_the_strings_is_no_match)
{
	struct blob b;
	struct seen s;
	const char *why = NULL;
	size_t len = make_blob(&b);

	b.types[4] = 21; /* the enum named "A" */
	cr_expect_eq(read_blob(&b, len, &why, &s), -ENOENT);
	cr_expect_str_eq(why, "no such enum in the BTF");
}

/* --- the running kernel --------------------------------------------------------------------- */

Test(drop_reasons, the_kernel_table_equals_libbpf_parse_of_vmlinux)
{
	struct btf *btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	struct drop_reasons *r = NULL;
	const struct btf_type *t;
	const struct btf_enum *e;
	const char *why = NULL;
	size_t checked = 0;
	int id;

	cr_assert(!libbpf_get_error(btf), "libbpf cannot parse /sys/kernel/btf/vmlinux");
	cr_assert(drop_reasons__load(&r, &why) == 0, "drop_reasons__load: %s", why);
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	cr_assert(id > 0, "the kernel has no enum skb_drop_reason");
	t = btf__type_by_id(btf, (__u32)id);
	e = btf_enum(t);
	cr_assert_gt(btf_vlen(t), 50);
	cr_expect_eq(drop_reasons__count(r), btf_vlen(t));
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);
		const char *want = name;
		uint32_t v = 0;
		char buf[16];

		if (strncmp(want, "SKB_DROP_REASON_", 16) == 0)
			want += 16;
		else if (strncmp(want, "SKB_", 4) == 0)
			want += 4;
		cr_expect(drop_reasons__value(r, want, &v) == 0 && v == (uint32_t)e[i].val,
			  "%s: %u, libbpf %d", name, v, e[i].val);
		cr_expect_str_eq(drop_reasons__name(r, (uint32_t)e[i].val, buf, sizeof(buf)), want);
		checked++;
	}
	cr_expect_eq(checked, drop_reasons__count(r));
	drop_reasons__free(r);
	btf__free(btf);
}
