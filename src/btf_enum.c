// SPDX-License-Identifier: Apache-2.0
/* A bounded reader of raw BTF (see btf_enum.h): walks the type section through a fixed window,
 * sizing each record from its kind and vlen as linux/btf.h lays them out, and reads names one at
 * a time from the string section. Memory use is the window, whatever the file's size. */
#include "btf_enum.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#define WINDOW_SIZE (64 * 1024)
#define NAME_MAX_LEN 256 /* the kernel's names are at most KSYM_NAME_LEN (128, 512 since 6.1) */

struct reader {
	int fd;
	uint64_t type_start, type_len; /* file offsets */
	uint64_t str_start, str_len;
	unsigned char win[WINDOW_SIZE];
	uint64_t win_pos; /* offset in the type section of win[0] */
	size_t win_len;
	const char *why;
};

static int read_exact(struct reader *r, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(r->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r->why = "cannot read the BTF file";
			return -errno;
		}
		if (n == 0) {
			r->why = "BTF file shorter than its header says";
			return -EBADMSG;
		}
		done += (size_t)n;
	}
	return 0;
}

/* len bytes at pos of the type section, through the window; the caller checked the bounds. */
static int type_bytes(struct reader *r, uint64_t pos, size_t len, const void **out)
{
	int err;

	if (pos < r->win_pos || pos + len > r->win_pos + r->win_len) {
		uint64_t left = r->type_len - pos;

		r->win_pos = pos;
		r->win_len = left < WINDOW_SIZE ? (size_t)left : WINDOW_SIZE;
		err = read_exact(r, r->win, r->win_len, r->type_start + pos);
		if (err) {
			r->win_len = 0;
			return err;
		}
	}
	*out = r->win + (pos - r->win_pos);
	return 0;
}

/* The NUL-terminated string at off of the string section into buf (cap bytes with the NUL). */
static int string_at(struct reader *r, uint32_t off, char *buf, size_t cap)
{
	uint64_t left;
	size_t len;
	int err;

	if (off >= r->str_len) {
		r->why = "BTF name offset outside the string section";
		return -EBADMSG;
	}
	left = r->str_len - off;
	len = left < cap ? (size_t)left : cap;
	err = read_exact(r, buf, len, r->str_start + off);
	if (err)
		return err;
	if (!memchr(buf, '\0', len)) {
		r->why = "BTF name unterminated or too long";
		return -EBADMSG;
	}
	return 0;
}

/* Bytes that follow a struct btf_type of this kind; -1 for a kind this reader does not know
 * (a newer BTF: its record size is unknown, so nothing after it can be found). */
static int64_t record_extra(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
		return sizeof(uint32_t);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (int64_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (int64_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (int64_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (int64_t)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return (int64_t)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

static int read_header(struct reader *r)
{
	struct btf_header h;
	uint64_t body, size;
	struct stat st;
	int err;

	if (fstat(r->fd, &st)) {
		r->why = "cannot stat the BTF file";
		return -errno;
	}
	size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (size < sizeof(h)) {
		r->why = "BTF file shorter than a BTF header";
		return -EBADMSG;
	}
	err = read_exact(r, &h, sizeof(h), 0);
	if (err)
		return err;
	if (h.magic != BTF_MAGIC) {
		r->why = "not BTF (bad magic, or another byte order)";
		return -EBADMSG;
	}
	if (h.version != BTF_VERSION) {
		r->why = "unsupported BTF version";
		return -EBADMSG;
	}
	if (h.hdr_len < sizeof(h) || h.hdr_len > size) {
		r->why = "BTF header length outside the file";
		return -EBADMSG;
	}
	body = size - h.hdr_len;
	if ((uint64_t)h.type_off + h.type_len > body || (uint64_t)h.str_off + h.str_len > body) {
		r->why = "BTF section outside the file";
		return -EBADMSG;
	}
	if (h.str_len == 0) {
		r->why = "BTF without strings";
		return -EBADMSG;
	}
	r->type_start = (uint64_t)h.hdr_len + h.type_off;
	r->type_len = h.type_len;
	r->str_start = (uint64_t)h.hdr_len + h.str_off;
	r->str_len = h.str_len;
	return 0;
}

/* Whether the string at off is exactly name. */
static int name_is(struct reader *r, uint32_t off, const char *name, bool *equal)
{
	char buf[NAME_MAX_LEN];
	size_t want = strlen(name) + 1;
	uint64_t left;
	int err;

	*equal = false;
	if (off >= r->str_len) {
		r->why = "BTF name offset outside the string section";
		return -EBADMSG;
	}
	left = r->str_len - off;
	if (left < want)
		return 0; /* too short to hold name and its NUL */
	err = read_exact(r, buf, want, r->str_start + off);
	if (err)
		return err;
	*equal = memcmp(buf, name, want) == 0;
	return 0;
}

static int walk_enumerators(struct reader *r, uint64_t pos, uint32_t info, btf_enum_cb cb,
			    void *ctx)
{
	const uint32_t kind = BTF_INFO_KIND(info), vlen = BTF_INFO_VLEN(info);
	const bool is_signed = BTF_INFO_KFLAG(info); /* kind_flag 1: signed, 0: unsigned */
	const size_t rec =
	    kind == BTF_KIND_ENUM ? sizeof(struct btf_enum) : sizeof(struct btf_enum64);
	char name[NAME_MAX_LEN];
	int err;

	for (uint32_t i = 0; i < vlen; i++, pos += rec) {
		const void *p = NULL;
		uint32_t name_off;
		int64_t value;

		err = type_bytes(r, pos, rec, &p);
		if (err)
			return err;
		if (kind == BTF_KIND_ENUM) {
			struct btf_enum e;

			memcpy(&e, p, sizeof(e));
			name_off = e.name_off;
			value = is_signed ? (int64_t)e.val : (int64_t)(uint32_t)e.val;
		} else {
			struct btf_enum64 e;

			memcpy(&e, p, sizeof(e));
			name_off = e.name_off;
			value = (int64_t)(((uint64_t)e.val_hi32 << 32) | e.val_lo32);
		}
		err = string_at(r, name_off, name, sizeof(name));
		if (err)
			return err;
		err = cb(name, value, ctx);
		if (err) {
			r->why = "stopped by the caller";
			return err;
		}
	}
	return 0;
}

static int find_enum(struct reader *r, const char *name, btf_enum_cb cb, void *ctx)
{
	uint64_t pos = 0;
	int err;

	while (pos < r->type_len) {
		const void *p = NULL;
		struct btf_type t;
		uint32_t kind;
		int64_t extra;
		bool equal = false;

		if (r->type_len - pos < sizeof(t)) {
			r->why = "BTF type record past the type section";
			return -EBADMSG;
		}
		err = type_bytes(r, pos, sizeof(t), &p);
		if (err)
			return err;
		memcpy(&t, p, sizeof(t));
		kind = BTF_INFO_KIND(t.info);
		extra = record_extra(kind, BTF_INFO_VLEN(t.info));
		if (extra < 0) {
			r->why = "unknown BTF kind";
			return -EBADMSG;
		}
		if ((uint64_t)extra > r->type_len - pos - sizeof(t)) {
			r->why = "BTF type record past the type section";
			return -EBADMSG;
		}
		if ((kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) && t.name_off) {
			err = name_is(r, t.name_off, name, &equal);
			if (err)
				return err;
		}
		if (equal)
			return walk_enumerators(r, pos + sizeof(t), t.info, cb, ctx);
		pos += sizeof(t) + (uint64_t)extra;
	}
	r->why = "no such enum in the BTF";
	return -ENOENT;
}

int btf_enum__read(int fd, const char *name, btf_enum_cb cb, void *ctx, const char **why)
{
	struct reader *r = calloc(1, sizeof(*r)); /* 64 KiB: too much for a thread's stack */
	int err;

	if (why)
		*why = NULL;
	if (!r) {
		if (why)
			*why = "out of memory";
		return -ENOMEM;
	}
	r->fd = fd;
	err = read_header(r);
	if (!err)
		err = find_enum(r, name, cb, ctx);
	if (why && err)
		*why = r->why;
	free(r);
	return err;
}
