#!/usr/bin/env bash
# Benchmark (not a test): time per scrape of the textfile collector alone with 10,000, 40,000 and
# 80,000 families (one gauge sample each, files of 10,000 families, as node_exporter users split
# them), over HTTP from the real agent in a network namespace this script creates. Prints the
# median and the slowest of N scrapes (default 5), the agent's CPU time per scrape (user+system
# from /proc, which a loaded machine inflates less than wall time) and the families served,
# which must be exact.
# usage: bench/textfile_bench.sh [path/to/nodepath] [N] [family counts...]
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
N=${2:-5}
shift 2 2>/dev/null || shift $#
COUNTS=("$@")
[ "${#COUNTS[@]}" -gt 0 ] || COUNTS=(10000 40000 80000)
NS=nptfbench-$$-$RANDOM
TMP=$(mktemp -d /tmp/nptfbench.XXXXXX)
NP_PID=
cleanup() {
	set +e # every step must run even if an earlier one fails
	[ -n "$NP_PID" ] && kill "$NP_PID" 2>/dev/null && wait "$NP_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
PORT=19311

for fams in "${COUNTS[@]}"; do
	TF=$TMP/tf-$fams
	mkdir "$TF"
	python3 - "$TF" "$fams" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
for f in range(0, n, 10000):
    with open(f"{d}/part{f // 10000:03d}.prom", "w") as out:
        for i in range(f, min(n, f + 10000)):
            out.write(f"# HELP bench_family_{i:06d} Family {i}.\n"
                      f"# TYPE bench_family_{i:06d} gauge\n"
                      f'bench_family_{i:06d}{{shard="{i % 7}"}} {i}\n')
PY
	ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:$PORT \
		--collector.disable-defaults --collector.textfile --web.disable-exporter-metrics \
		--collector.textfile.directory="$TF" --log.level=error &
	NP_PID=$!
	for _ in $(seq 100); do
		ip netns exec "$NS" curl -fs -o /dev/null "http://127.0.0.1:$PORT/-/healthy" && break
		sleep 0.1
	done
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$NP_PID/stat")
	times=()
	for _ in $(seq "$N"); do
		t=$(ip netns exec "$NS" curl -fs -o "$TMP/out.prom" -w '%{time_total}' \
			--max-time 600 "http://127.0.0.1:$PORT/metrics")
		times+=("$t")
	done
	cpu1=$(awk '{ print $14 + $15 }' "/proc/$NP_PID/stat")
	cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f", (b - a) / hz / n }')
	served=$(grep -c '^bench_family_' "$TMP/out.prom" || true)
	typed=$(grep -c '^# TYPE bench_family_' "$TMP/out.prom" || true)
	kill "$NP_PID"
	wait "$NP_PID" 2>/dev/null || true
	NP_PID=
	printf '%s\n' "${times[@]}" | sort -n | awk -v f="$fams" -v s="$served" -v ty="$typed" \
		-v n="$N" -v c="$cpu" '{ t[NR] = $1 } END {
			printf "families=%d scrapes=%d median_s=%.3f max_s=%.3f cpu_s_per_scrape=%s " \
				"served_series=%d served_families=%d\n",
			f, n, t[int((NR + 1) / 2)], t[NR], c, s, ty }'
	[ "$served" = "$fams" ] && [ "$typed" = "$fams" ] || {
		echo "textfile_bench: $fams families written, $typed served" >&2
		exit 1
	}
	rm -rf "$TF"
	PORT=$((PORT + 1))
done
