#!/usr/bin/env python3
"""Cuts the kernel's BTF blob out of an uncompressed kernel image (arm64 Image), so that
`bpftool btf dump file BLOB format c` can make a vmlinux.h for an architecture this machine
does not run. Usage: vmlinux/extract-btf.py IMAGE OUT.btf

The blob starts with struct btf_header (magic 0xeB9F little-endian, version 1, hdr_len 24) and
ends at hdr_len + str_off + str_len; the largest well-formed candidate is the kernel's."""
import struct
import sys


def candidates(img):
    at = img.find(b"\x9f\xeb\x01\x00")
    while at >= 0:
        if at + 24 <= len(img):
            _, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
                "<HBBIIIII", img, at)
            size = hdr_len + str_off + str_len
            if (hdr_len == 24 and type_off == 0 and str_off == type_len and
                    at + size <= len(img) and str_len > 0):
                yield at, size
        at = img.find(b"\x9f\xeb\x01\x00", at + 1)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-btf.py IMAGE OUT.btf")
    with open(sys.argv[1], "rb") as f:
        img = f.read()
    found = sorted(candidates(img), key=lambda c: c[1])
    if not found:
        sys.exit("no BTF header in %s (compressed image?)" % sys.argv[1])
    at, size = found[-1]
    with open(sys.argv[2], "wb") as f:
        f.write(img[at:at + size])
    print("BTF at offset %d, %d bytes" % (at, size))


if __name__ == "__main__":
    main()
