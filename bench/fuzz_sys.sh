#!/usr/bin/env bash
# Fuzzes the diskstats, udev, mdstat, mounts, /proc/self/stat and text-format parsers with
# libFuzzer + ASan + UBSan for SECONDS (default 60), seeded from tests/fixtures. Fails on any
# crash or sanitizer report. Needs clang and libclang-rt-14-dev. Single job (shared machine).
#   bench/fuzz_sys.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
work=$(mktemp -d /tmp/np-fuzz-sys.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp tests/fixtures/proc/diskstats tests/fixtures/proc/mdstat tests/fixtures/proc/1/mounts \
	tests/fixtures/textfile/*.prom tests/fixtures/variants/* tests/fixtures/root/run/udev/data/* \
	"$work/corpus/"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 \
	-D_GNU_SOURCE -Isrc -Iinclude -DNODEPATH_VERSION='"fuzz"' -o "$work/fuzz" bench/fuzz_sys.c \
	src/collectors/diskstats.c src/collectors/filesystem.c src/collectors/mdadm.c \
	src/collectors/textfile.c src/collectors/process.c src/collectors/sysutil.c src/fsutil.c \
	src/log.c src/expo.c -lm -lpthread
rc=0
mkdir -p tests/fuzz/out # crashing inputs are kept there (ignored by git)
"$work/fuzz" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 \
	-artifact_prefix=tests/fuzz/out/sys- "$work/corpus" \
	>"$work/log" 2>&1 || rc=$?
grep -E 'Done|stat::number_of_executed_units|ERROR|SUMMARY|runtime error' "$work/log" || true
[ "$rc" -eq 0 ] || { tail -30 "$work/log"; echo "fuzz_sys: FAILED (libFuzzer exit $rc)"; exit 1; }
echo "fuzz_sys: no findings"
