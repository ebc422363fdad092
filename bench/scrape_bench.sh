#!/usr/bin/env bash
# Benchmark (not a test): nodepath vs Debian's prometheus-node-exporter 1.5 on the same machine,
# same collectors, in a network namespace this script creates. Median/p99 scrape latency over N
# scrapes (default 200), response size plain/gzip, peak RSS (VmHWM), CPU per scrape.
# usage: bench/scrape_bench.sh [path/to/nodepath] [N]
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
N=${2:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
NE=$(command -v prometheus-node-exporter)
NS=npbench-$$-$RANDOM
TMP=$(mktemp -d /tmp/npbench.XXXXXX)
TF=$TMP/textfile
mkdir "$TF"
NE_PID= NP_PID=
cleanup() {
	set +e # every step must run even if an earlier one fails
	for pid in $NE_PID $NP_PID; do
		kill "$pid" 2>/dev/null
	done
	for pid in $NE_PID $NP_PID; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
printf '# TYPE bench_textfile gauge\nbench_textfile 1\n' >"$TF/bench.prom"

wait_up() {
	for _ in $(seq 100); do
		ip netns exec "$NS" curl -fs -o "$TMP/$2" "http://127.0.0.1:$1/metrics" && return 0
		sleep 0.1
	done
	echo "exporter on :$1 did not come up" >&2
	return 1
}

# Same collectors: those both programs run by default (node_scrape_collector_success in both).
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19201 --no-collector.systemd \
	--collector.netdev.device-exclude= --collector.textfile.directory="$TF" --log.level=error &
NE_PID=$!
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19202 --no-collector.netpath \
	--collector.textfile.directory="$TF" --log.level=error &
NP_PID=$!
wait_up 19201 ne.prom
wait_up 19202 np.prom
common=$(comm -12 <(grep -o 'node_scrape_collector_success{collector="[a-z_]*"' "$TMP/ne.prom" |
	cut -d'"' -f2 | sort) <(grep -o 'node_scrape_collector_success{collector="[a-z_]*"' \
	"$TMP/np.prom" | cut -d'"' -f2 | sort))
kill "$NE_PID" "$NP_PID"
wait "$NE_PID" "$NP_PID" 2>/dev/null || true
NE_PID= NP_PID=

sel=()
for c in $common; do sel+=("--collector.$c"); done
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19201 --collector.disable-defaults \
	"${sel[@]}" --collector.netdev.device-exclude= --collector.textfile.directory="$TF" \
	--log.level=error &
NE_PID=$!
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19202 --collector.disable-defaults \
	"${sel[@]}" --collector.textfile.directory="$TF" --log.level=error &
NP_PID=$!
wait_up 19201 ne.prom
wait_up 19202 np.prom

echo "collectors ($(echo $common | wc -w)): $(echo $common)"
echo "machine: $(nproc) CPUs, kernel $(uname -r); node_exporter $("$NE" --version 2>&1 | head -1 | awk '{print $3}'); nodepath $("$NODEPATH" --version 2>&1 | head -1)"
ip netns exec "$NS" python3 "$HERE/scrape_bench.py" "$N" \
	"node_exporter=127.0.0.1:19201:$NE_PID" "nodepath=127.0.0.1:19202:$NP_PID"
