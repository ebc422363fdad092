#!/usr/bin/env bash
# Builds the nodepath container image with podman, offline, from deploy/Containerfile.
#
#   deploy/build-image.sh [--binary PATH] [--tag NAME:TAG] [--save FILE.tar]
#
# Without --binary it builds a release agent into build-image/ first. The image is FROM scratch:
# this script stages rootfs/ with the binary and, if the binary is dynamically linked, every
# shared object ldd resolves plus the loader, copied (symlinks resolved) to the same paths.
# A fully static agent (-DNODEPATH_STATIC=ON) is not possible with Debian 12's packages: its
# libmicrohttpd pulls GnuTLS, which needs p11-kit, and Debian ships no libp11-kit.a.
# Prints the image name and its size in bytes on the last line.
set -euo pipefail

binary=
tag=
save=
while [ $# -gt 0 ]; do
	case $1 in
	--binary) binary=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	--save) save=$2; shift 2 ;;
	*) echo "build-image: unknown argument $1" >&2; exit 2 ;;
	esac
done

[ -z "$binary" ] || binary=$(readlink -f "$binary")
[ -z "$save" ] || save=$(realpath -m "$save")
cd "$(dirname "$0")/.."

for tool in podman ldd strip; do
	command -v "$tool" >/dev/null || { echo "build-image: $tool not found (scripts/setup.sh --test installs podman)" >&2; exit 1; }
done

version=$(sed -n 's/^project(nodepath VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || version=dev
tag=${tag:-localhost/nodepath:$version}

if [ -z "$binary" ]; then
	BUILD_DIR=build-image BUILD_TYPE=Release scripts/build.sh -DNODEPATH_TESTS=OFF
	binary=build-image/nodepath
fi
[ -x "$binary" ] || { echo "build-image: $binary is not an executable" >&2; exit 1; }

ctx=$(mktemp -d /tmp/nodepath-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/bin"
install -m 0755 "$binary" "$ctx/rootfs/bin/nodepath"
# Host debug info stays out of the image; BPF objects live in .rodata (skeletons), untouched.
strip --strip-unneeded "$ctx/rootfs/bin/nodepath"

# ldd prints "libx.so.1 => /path/libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)";
# a static binary makes it say "not a dynamic executable" (and exit 1).
libs=$(ldd "$binary" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' || true)
for lib in $libs; do
	mkdir -p "$ctx/rootfs$(dirname "$lib")"
	cp -L "$lib" "$ctx/rootfs$lib"
done
cp deploy/Containerfile "$ctx/Containerfile"

podman build --quiet --network=none --pull=never --build-arg VERSION="$version" \
	-f "$ctx/Containerfile" -t "$tag" "$ctx" >/dev/null
if [ -n "$save" ]; then
	rm -f "$save"
	podman save --quiet --format docker-archive -o "$save" "$tag"
fi
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "build-image: $tag $(echo "$libs" | grep -c . || true) shared objects, $size bytes"
