#!/usr/bin/env bash
# Builds the nodepath container image with podman, offline, from deploy/Containerfile.
#
#   deploy/build-image.sh [--binary PATH] [--tag NAME:TAG] [--save FILE.tar]
#   deploy/build-image.sh --multiarch [--binary-amd64 PATH] [--binary-arm64 PATH] [--tag NAME:TAG]
#                         [--save FILE.tar]
#
# Without a binary it builds a release agent first: build-image/ (amd64, native) and, for
# --multiarch, build-image-arm64/ (cross-built with cmake/aarch64-linux-gnu.cmake; needs
# scripts/setup.sh --arm64). The image is FROM scratch: this script stages rootfs/ with the
# binary and, if it is dynamically linked, every shared object it needs (readelf NEEDED,
# recursively, from the target architecture's multiarch directories) plus the loader, at the
# paths the loader searches.
# --multiarch builds one image per architecture (NAME:TAG-amd64, NAME:TAG-arm64, each with its
# platform set) and puts both under one manifest list NAME:TAG; --save then writes an
# oci-archive holding the list and both images (a docker-archive cannot hold a list).
# A fully static agent (-DNODEPATH_STATIC=ON) is not possible with Debian 12's packages: its
# libmicrohttpd pulls GnuTLS, which needs p11-kit, and Debian ships no libp11-kit.a.
# Prints the image name and its size in bytes on the last line (per architecture).
set -euo pipefail

binary=
binary_arm64=
tag=
save=
multi=0
while [ $# -gt 0 ]; do
	case $1 in
	--binary | --binary-amd64) binary=$2; shift 2 ;;
	--binary-arm64) binary_arm64=$2; shift 2 ;;
	--multiarch) multi=1; shift ;;
	--tag) tag=$2; shift 2 ;;
	--save) save=$2; shift 2 ;;
	*) echo "build-image: unknown argument $1" >&2; exit 2 ;;
	esac
done

[ -z "$binary" ] || binary=$(readlink -f "$binary")
[ -z "$binary_arm64" ] || binary_arm64=$(readlink -f "$binary_arm64")
[ -z "$save" ] || save=$(realpath -m "$save")
cd "$(dirname "$0")/.."

for tool in podman readelf strip; do
	command -v "$tool" >/dev/null || { echo "build-image: $tool not found (scripts/setup.sh --test installs podman)" >&2; exit 1; }
done

version=$(sed -n 's/^project(nodepath VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || version=dev
tag=${tag:-localhost/nodepath:$version}

ctx=$(mktemp -d /tmp/nodepath-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT

triplet() { case $1 in amd64) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac; }

# stage_libs ARCH ROOTFS FILE: FILE's interpreter and shared objects (recursively) from this
# machine's multiarch directories for ARCH, copied with symlinks resolved to the same paths
stage_libs() {
	local arch=$1 root=$2 file=$3 t interp lib d found
	t=$(triplet "$arch")
	interp=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
		mkdir -p "$root$(dirname "$interp")"
		cp -L "$interp" "$root$interp"
	fi
	for lib in $(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for d in "/lib/$t" "/usr/lib/$t"; do
			if [ -e "$d/$lib" ]; then found=$d/$lib; break; fi
		done
		[ -n "$found" ] || { echo "build-image: $lib ($arch) not found in /lib/$t or /usr/lib/$t" >&2; exit 1; }
		[ -e "$root$found" ] && continue
		mkdir -p "$root$(dirname "$found")"
		cp -L "$found" "$root$found"
		stage_libs "$arch" "$root" "$root$found"
	done
}

# build_one ARCH BINARY TAG: the image for one architecture
build_one() {
	local arch=$1 bin=$2 t=$3 dir=$ctx/$1 strip=strip n
	[ -x "$bin" ] || { echo "build-image: $bin is not an executable" >&2; exit 1; }
	[ "$arch" = arm64 ] && strip=aarch64-linux-gnu-strip
	mkdir -p "$dir/rootfs/bin"
	install -m 0755 "$bin" "$dir/rootfs/bin/nodepath"
	# Host debug info stays out of the image; BPF objects live in .rodata (skeletons), untouched.
	"$strip" --strip-unneeded "$dir/rootfs/bin/nodepath"
	stage_libs "$arch" "$dir/rootfs" "$bin"
	cp deploy/Containerfile "$dir/Containerfile"
	podman build --quiet --network=none --pull=never --platform "linux/$arch" \
		--build-arg VERSION="$version" -f "$dir/Containerfile" -t "$t" "$dir" >/dev/null
	n=$(find "$dir/rootfs" -name '*.so*' | grep -c . || true)
	echo "build-image: $t ($arch) $n shared objects, $(podman image inspect --format '{{.Size}}' "$t") bytes"
}

if [ -z "$binary" ]; then
	BUILD_DIR=build-image BUILD_TYPE=Release scripts/build.sh -DNODEPATH_TESTS=OFF
	binary=build-image/nodepath
fi
if [ "$multi" -eq 0 ]; then
	build_one amd64 "$binary" "$tag"
	if [ -n "$save" ]; then
		rm -f "$save"
		podman save --quiet --format docker-archive -o "$save" "$tag"
	fi
	exit 0
fi

if [ -z "$binary_arm64" ]; then
	BUILD_DIR=build-image-arm64 BUILD_TYPE=Release scripts/build.sh -DNODEPATH_TESTS=OFF \
		-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
	binary_arm64=build-image-arm64/nodepath
fi
build_one amd64 "$binary" "$tag-amd64"
build_one arm64 "$binary_arm64" "$tag-arm64"
# one name for every node: the runtime picks the image of its own architecture from the list
podman manifest rm "$tag" >/dev/null 2>&1 || podman rmi "$tag" >/dev/null 2>&1 || true
podman manifest create "$tag" >/dev/null
for arch in amd64 arm64; do
	podman manifest add --arch "$arch" --os linux "$tag" "containers-storage:$tag-$arch" >/dev/null
done
if [ -n "$save" ]; then
	rm -f "$save"
	podman manifest push --quiet --all "$tag" "oci-archive:$save:$tag"
fi
echo "build-image: $tag manifest list: $(podman manifest inspect "$tag" |
	sed -n 's/.*"architecture": "\(.*\)".*/\1/p' | tr '\n' ' ')"
