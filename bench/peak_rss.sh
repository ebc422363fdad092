#!/usr/bin/env bash
# Benchmark (not a test): start-up peak RSS (VmHWM) of one or more nodepath binaries, started in
# turn (A B A B ...) in one node namespace of the e2e testbed without pods (eth0, cni0,
# flannel.1, bpffs, flanneld's subnet.env), default flags. Each start waits until the agent
# serves, then 2 s, reads VmHWM and VmRSS from /proc/<pid>/status, stops it (SIGTERM). The pins
# stay between starts, as on a node whose agent restarts. The node goes on every exit path.
# usage: bench/peak_rss.sh BINARY... (root); ROUNDS=3 starts of each; LOG_OUT=FILE keeps a copy of
# the agents' log (the testbed's goes with it)
set -euo pipefail
ROUNDS=${ROUNDS:-3}
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
BINS=()
for b in "$@"; do BINS+=("$(realpath "$b")"); done
HERE=$(cd "$(dirname "$0")" && pwd)
export TB_NODES=n1 TB_UP_PODS=""
# shellcheck source=tests/e2e/lib_pods.sh
. "$HERE/../tests/e2e/lib_pods.sh"
tb_trap
tb_up
lp_write_subnet_env n1
LOG=$(tb_agent_log n1)

echo "machine: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | binary | VmHWM MiB | VmRSS MiB | drop counters |"
echo "|---|---|---|---|---|"
for r in $(seq "$ROUNDS"); do
	for b in "${BINS[@]}"; do
		before=$(grep -c 'drop counters loaded' "$LOG" 2>/dev/null || true)
		lp_start_agent n1 "$b"
		sleep 2
		pid=$(tb_agent_pid n1)
		hwm=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
		rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
		after=$(grep -c 'drop counters loaded' "$LOG" || true)
		drops=failed
		[ "$after" -gt "${before:-0}" ] && drops=loaded
		tb_stop_agent n1
		echo "| $r | $b | $hwm | $rss | $drops |"
	done
done
[ -z "${LOG_OUT:-}" ] || cp "$LOG" "$LOG_OUT"
