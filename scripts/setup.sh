#!/usr/bin/env bash
# Installs the Debian 12 packages nodepath needs, only those missing. Run as root.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite needs
#   scripts/setup.sh --arm64  also the arm64 cross build and arm64 kernel matrix (adds the arm64
#                             dpkg architecture: Debian's arm64 libraries through multiarch);
#                             combines with --test
set -euo pipefail

# the libraries the agent links (CMakeLists.txt's pkg-config modules), for each architecture built
libs=(libbpf-dev libelf-dev zlib1g-dev libmicrohttpd-dev libjson-c-dev libyaml-dev libgnutls28-dev
      libcrypt-dev libseccomp-dev libpcre2-dev)
pkgs=(build-essential cmake pkg-config clang llvm bpftool "${libs[@]}" help2man iproute2
      ca-certificates)
want_test=0
want_arm64=0
for arg in "$@"; do
	case $arg in
	--test) want_test=1 ;;
	--arm64) want_arm64=1 ;;
	*) echo "setup: unknown argument $arg" >&2; exit 2 ;;
	esac
done
if [ "$want_test" -eq 1 ]; then
	pkgs+=(clang-format libcriterion-dev prometheus prometheus-node-exporter curl python3 iputils-ping
	       socat nftables procps podman runc wrk openssl)
	# the btrfs collector test formats and mounts a two-device filesystem on loop devices
	pkgs+=(btrfs-progs util-linux)
	# real pod networking in the testbed: the CNI plugins and containerd's CNI library (Go,
	# built offline in GOPATH mode by the tests)
	pkgs+=(containernetworking-plugins golang-go golang-github-containerd-go-cni-dev)
	# deploy tests: kubectl (Debian: kubernetes-client; keep another kubectl package if present)
	# and node/npm for the manifest schema validators
	command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
	command -v npm >/dev/null || pkgs+=(nodejs npm)
	# tests/e2e/operator.test.sh reads the Prometheus configuration it generates
	pkgs+=(python3-yaml)
	# kernel matrix (tests/kernels/): qemu, initramfs tools; busybox and the guests' iproute2
	# are downloaded per architecture, never installed (busybox-static:arm64 would replace
	# this machine's /bin/busybox)
	pkgs+=(qemu-system-x86 cpio xz-utils)
fi
if [ "$want_arm64" -eq 1 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ "$(id -u)" -eq 0 ] || { echo "setup: dpkg --add-architecture arm64 needs root" >&2; exit 1; }
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
	pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio xz-utils
	       "${libs[@]/%/:arm64}")
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages (${missing[*]}); run as root" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Debian's service packages try to start daemons; nodepath's tests start their own.
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d.nodepath
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		install -m 0755 /usr/sbin/policy-rc.d.nodepath /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	rm -f /usr/sbin/policy-rc.d.nodepath
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
