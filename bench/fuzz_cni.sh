#!/usr/bin/env bash
# Fuzzes the cniCacheV1 parser (src/cni_cache.c) with libFuzzer + ASan + UBSan.
#   bench/fuzz_cni.sh [RUNS]        RUNS executions (default 1000000), seeded from the committed
#                                   corpus and the fixtures; fails on a crash or broken invariant
#                                   or if fewer than RUNS executions ran.
#   UPDATE_CORPUS=1 bench/fuzz_cni.sh   also merge new coverage into tests/fuzz/corpus/<target>
#                                   (libFuzzer -merge=1 keeps the smallest inputs per feature).
#   FUZZ_TARGET=subnet_env bench/fuzz_cni.sh   the subnet.env/CIDR parsers (src/netinfo.c).
#   FUZZ_TARGET=textfile bench/fuzz_cni.sh     the textfile collector: parse, merge, write, with
#                                   the text-format rules as the oracle (bench/fuzz_textfile.md).
# Needs clang and libclang-rt-14-dev (Debian 12). Single job: the CI machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
build=${BUILD_DIR:-build-fuzz}
target=${FUZZ_TARGET:-cni_cache}
corpus=tests/fuzz/corpus/$target
[ -d "$corpus" ] || { echo "fuzz: no corpus $corpus" >&2; exit 2; }
mkdir -p tests/fuzz/out bench/out

cmake -S . -B "$build" -DNODEPATH_FUZZ=ON -DNODEPATH_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz >/dev/null

work=$(mktemp -d /tmp/np-fuzz-cni.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$corpus"/* "$work"/ 2>/dev/null || true
if [ "$target" = cni_cache ]; then
	for f in tests/fixtures/cni/*; do
		case "$f" in *.py) continue ;; esac
		cp "$f" "$work/fixture-$(basename "$f")"
	done
fi

log=bench/out/fuzz_$target.log
start=$(date +%s)
"$build/fuzz_$target" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
	-dict="tests/fuzz/$target.dict" -print_final_stats=1 \
	-artifact_prefix=tests/fuzz/out/ "$work" >"$log" 2>&1 || {
	tail -40 "$log" >&2
	echo "fuzz_$target: FAILED (crash input under tests/fuzz/out/)" >&2
	exit 1
}
secs=$(($(date +%s) - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
echo "fuzz_$target: ${execs:-0} executions in ${secs}s, coverage ${cov:-?} edges, ${ft:-?} features, no crash"
if [ "${execs:-0}" -lt "$runs" ]; then
	echo "fuzz_$target: only ${execs:-0} executions, wanted $runs" >&2
	exit 1
fi

if [ "${UPDATE_CORPUS:-0}" = 1 ]; then
	"$build/fuzz_$target" -merge=1 -max_len=8192 "$corpus" "$work" >>"$log" 2>&1
	echo "fuzz_$target: corpus now $(find "$corpus" -type f | wc -l) files," \
		"$(find "$corpus" -type f -exec cat {} + | wc -c) bytes"
fi
