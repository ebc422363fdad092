#!/usr/bin/env bash
# Benchmark (not a test): HTTP endpoint throughput and latency under wrk, nodepath next to
# Debian's prometheus-node-exporter 1.5 in the same run, same collectors (those both run by
# default; node_exporter's systemd collector off, nodepath without netpath), inside a network
# namespace this script creates. For each connection count: wrk on /metrics for D seconds,
# node_exporter then nodepath (optionally a second nodepath binary, e.g. main), then each
# exporter's RSS. Connections stay below --web.max-requests (40 in both), so every request is
# a scrape, and below nodepath's 64-per-address limit.
# usage: bench/endpoint_wrk.sh [build/nodepath] [seconds=10] [other-nodepath-binary]
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
D=${2:-10}
OTHER=${3:+$(realpath "$3")}
NE=$(command -v prometheus-node-exporter)
command -v wrk >/dev/null || { echo "wrk missing (scripts/setup.sh --test)" >&2; exit 1; }
NS=npwrk-$$-$RANDOM
TMP=$(mktemp -d /tmp/npwrk.XXXXXX)
PIDS=()
cleanup() {
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

wait_up() {
	for _ in $(seq 100); do
		ip netns exec "$NS" curl -fs -o "$TMP/$2" "http://127.0.0.1:$1/metrics" && return 0
		sleep 0.1
	done
	echo "exporter on :$1 did not come up" >&2
	return 1
}
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19301 --no-collector.systemd \
	--log.level=error &
PIDS+=($!)
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19302 --no-collector.netpath \
	--log.level=error &
PIDS+=($!)
wait_up 19301 ne.prom
wait_up 19302 np.prom
common=$(comm -12 <(grep -o 'node_scrape_collector_success{collector="[a-z_]*"' "$TMP/ne.prom" |
	cut -d'"' -f2 | sort) <(grep -o 'node_scrape_collector_success{collector="[a-z_]*"' \
	"$TMP/np.prom" | cut -d'"' -f2 | sort))
for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
PIDS=()
sel=()
for c in $common; do sel+=("--collector.$c"); done

declare -A PID
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19301 --collector.disable-defaults \
	"${sel[@]}" --log.level=error 2>/dev/null &
PID[node_exporter]=$!
PIDS+=($!)
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19302 \
	--collector.disable-defaults "${sel[@]}" --log.level=error &
PID[nodepath]=$!
PIDS+=($!)
names=(node_exporter nodepath)
declare -A PORT=([node_exporter]=19301 [nodepath]=19302)
if [ -n "$OTHER" ]; then
	ip netns exec "$NS" "$OTHER" --web.listen-address=127.0.0.1:19303 \
		--collector.disable-defaults "${sel[@]}" --log.level=error &
	PID[nodepath_other]=$!
	PIDS+=($!)
	PORT[nodepath_other]=19303
	names+=(nodepath_other)
fi
for n in "${names[@]}"; do wait_up "${PORT[$n]}" "$n.prom"; done

echo "collectors ($(echo $common | wc -w)): $(echo $common)"
echo "machine: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg);" \
	"node_exporter $("$NE" --version 2>&1 | head -1 | awk '{print $3}'); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
echo
echo "| exporter | connections | 200s/s | mean ms | p50 ms | p99 ms | errors | CPU ms/scrape | RSS after MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ms() { # wrk latency field -> ms
	awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); n = v + 0;
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
		printf "%.2f", n }'
}
for c in 1 8 32; do
	for n in "${names[@]}"; do
		t0=$(cpu_ticks "${PID[$n]}")
		out=$(ip netns exec "$NS" wrk -t "$([ "$c" -lt 2 ] && echo 1 || echo 2)" -c "$c" -d "${D}s" \
			--latency "http://127.0.0.1:${PORT[$n]}/metrics" 2>&1)
		# Only answered scrapes count: 503s (beyond --web.max-requests) are fast and empty.
		rps=$(awk -v d="$D" '/requests in/ { n = $1 } /Non-2xx/ { bad = $NF }
			END { printf "%.0f", (n - bad) / d }' <<<"$out")
		mean=$(ms "$(awk '/^    Latency/ { print $2 }' <<<"$out")")
		p50=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
		p99=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
		errs=$(awk '/Socket errors|Non-2xx/ { print }' <<<"$out" | tr '\n' ' ')
		cpu=$(awk -v a="$t0" -v b="$(cpu_ticks "${PID[$n]}")" -v hz="$(getconf CLK_TCK)" \
			-v r="$rps" -v d="$D" 'BEGIN { printf "%.2f", r ? (b - a) * 1000 / hz / (r * d) : 0 }')
		rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${PID[$n]}/status")
		echo "| $n | $c | $rps | $mean | $p50 | $p99 | ${errs:-0} | $cpu | $rss |"
	done
done
sleep 6
echo
for n in "${names[@]}"; do
	echo "$n: RSS 6 s after the last run $(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${PID[$n]}/status") MiB, peak (VmHWM) $(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/${PID[$n]}/status") MiB"
done
