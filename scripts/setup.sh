#!/usr/bin/env bash
# Installs the Debian 12 packages nodepath needs, only those missing. Run as root.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite needs
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
      libmicrohttpd-dev libjson-c-dev libyaml-dev libgnutls28-dev libcrypt-dev libseccomp-dev iproute2 ca-certificates)
if [ "${1:-}" = "--test" ]; then
	pkgs+=(libcriterion-dev prometheus prometheus-node-exporter curl python3 iputils-ping
	       socat nftables procps podman runc wrk openssl)
	# deploy tests: kubectl (Debian: kubernetes-client; keep another kubectl package if present)
	# and node/npm for the manifest schema validators
	command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
	command -v npm >/dev/null || pkgs+=(nodejs npm)
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
