#!/usr/bin/env bash
# Pod table cost at node scale (see bench/pods_table.c). Usage: bench/pods_table.sh [N files]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
cc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -Iinclude bench/pods_table.c src/pods.c src/cni_cache.c \
	src/fsutil.c src/log.c src/expo.c -ljson-c -lpthread -lm -o bench/out/pods_table
bench/out/pods_table tests/fixtures/cni/valid_single "${1:-500}" 2>/dev/null
