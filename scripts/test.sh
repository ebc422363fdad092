#!/usr/bin/env bash
# One command: install what is missing, build (plain and sanitized), and run every test.
# Needs root: the BPF and end-to-end tests load programs and build network namespaces.
# BUILD_DIR (default build) holds the plain build, ${BUILD_DIR}-asan the sanitized one.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
build=${build%/}
asan=${build}-asan

if [ "$(id -u)" -ne 0 ]; then
	echo "test: must run as root (BPF and network namespaces)" >&2
	exit 1
fi
scripts/setup.sh --test

failed=0
passed=0
step() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
		passed=$((passed + 1))
	else
		echo "=== $name: FAILED" >&2
		failed=$((failed + 1))
	fi
}

step "build" env BUILD_DIR="$build" scripts/build.sh
step "build (asan+ubsan)" env BUILD_DIR="$asan" BUILD_TYPE=Debug scripts/build.sh -DNODEPATH_SANITIZE=ON
[ "$failed" -eq 0 ] || { echo "0 passed, $failed failed"; exit 1; }

step "unit tests" "$build/unit_tests"
step "unit tests (asan+ubsan)" "$asan/unit_tests"
[ -x "$build/bpf_tests" ] && step "bpf tests" "$build/bpf_tests"
for t in tests/e2e/*.test.sh; do
	[ -e "$t" ] || continue
	step "e2e $(basename "$t")" bash "$t" "$build/nodepath"
done

# Two Debian 12 kernels under qemu (oldest 6.1: clsact; newest 6.12: tcx); the full matrix,
# amd64 and arm64, is `tests/kernels/run-matrix.sh --all` (docs/kernels.md).
step "kernel matrix (6.1, 6.12)" tests/kernels/run-matrix.sh --ci --agent-amd64 "$build/nodepath"

# The sources as clang-format writes them with the committed .clang-format (drift fails the run).
step "format (scripts/check-format.sh)" scripts/check-format.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
