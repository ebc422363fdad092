#!/usr/bin/env bash
# Pod table cost at node scale (see bench/pods_table.c).
# Usage: bench/pods_table.sh [N files]
#        bench/pods_table.sh --startup [--rev GIT_REV] N...
#            start-up to a complete table for each N; --rev builds the table code of that
#            revision instead of the working tree (to measure "before")
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
src=src bin=bench/out/pods_table tmp= startup=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
if [ "${1:-}" = --startup ]; then
	startup=1
	shift
	if [ "${1:-}" = --rev ]; then
		tmp=$(mktemp -d /tmp/np-bench-src-XXXXXX)
		git archive "$2" src include | tar -x -C "$tmp"
		src=$tmp/src bin=$tmp/pods_table
		shift 2
	fi
fi
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$src" -Iinclude bench/pods_table.c "$src"/pods.c \
	"$src"/cni_cache.c "$src"/fsutil.c "$src"/log.c "$src"/expo.c -ljson-c -lpthread -lm \
	-o "$bin"
if [ -z "$startup" ]; then
	"$bin" tests/fixtures/cni/valid_single "${1:-500}" 2>/dev/null
	exit
fi
for n in "$@"; do
	"$bin" tests/fixtures/cni/valid_single "$n" startup 2>/dev/null
done
