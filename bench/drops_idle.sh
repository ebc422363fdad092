#!/usr/bin/env bash
# Idle CPU of the agent with many stale CNI cache files (their netns paths do not exist, as
# after failed DELs): utime+stime over a window, from /proc/PID/stat, once the agent is ready
# and has settled. The agent runs in a network namespace of its own, drops counting on.
# Usage (root): bench/drops_idle.sh BINARY [FILES=10000] [SECONDS=30] [RUNS=1]
set -euo pipefail
BIN=$(readlink -f "${1:?usage: $0 BINARY [FILES] [SECONDS] [RUNS]}")
FILES=${2:-10000} SECS=${3:-30} RUNS=${4:-1}
cd "$(dirname "$0")/.."
NS=np-dropidle-$$
TMP=$(mktemp -d /tmp/np-dropidle.XXXXXX)
PID='' BPF_MOUNTED=''
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -z "$BPF_MOUNTED" ] || umount "$TMP/bpf" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkdir "$TMP/bpf" "$TMP/cni"
mount -t bpf bpf "$TMP/bpf"
BPF_MOUNTED=1
python3 - "$TMP/cni" "$FILES" tests/fixtures/cni/valid_single <<'PY'
import sys, uuid
cache, n, fix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
valid = open(fix).read()
for i in range(n):
    cid = "%064x" % (i * 0x9E3779B97F4A7C15 % (1 << 256))
    d = (valid.replace("veth3a8c2f1e", "veth%08x" % (i * 2654435761 % (1 << 32)))
         .replace("cni-3c1f6a2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b", "cni-%s" % uuid.uuid4())
         .replace("cart-7d9f8c6b5-x2k4q", "stale-%05d" % i)
         .replace("5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b", cid))
    with open("%s/cbr0-%s-eth0" % (cache, cid), "w") as f:
        f.write(d)
PY
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
threads() { # "tid comm ticks" of each thread (comm has no spaces: the agent names its threads)
	for t in /proc/"$PID"/task/*; do
		awk -v t="${t##*/}" '{ print t, $2, $14 + $15 }' "$t/stat" 2>/dev/null || true
	done
}
hz=$(getconf CLK_TCK)
for run in $(seq "$RUNS"); do
	port=$((20000 + RANDOM % 20000))
	ip netns exec "$NS" "$BIN" --web.listen-address=127.0.0.1:$port --path.cni-cache="$TMP/cni" \
		--bpf.pin-path="$TMP/bpf/p$run" --path.flannel-subnet="$TMP/no-subnet.env" \
		--collector.netpath.node-device=lo 2>"$TMP/log" &
	PID=$!
	for _ in $(seq 600); do
		code=$(ip netns exec "$NS" curl -s -o /dev/null --max-time 5 -w '%{http_code}' \
			"http://127.0.0.1:$port/-/ready" || true)
		[ "$code" = 200 ] && break
		sleep 0.5
	done
	[ "$code" = 200 ] || { tail "$TMP/log" >&2; exit 1; }
	sleep 5 # the first ticks after the table is read
	t0=$(ticks)
	threads >"$TMP/th0"
	sleep "$SECS"
	t1=$(ticks)
	threads >"$TMP/th1"
	awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$SECS" -v f="$FILES" -v r="$run" 'BEGIN {
		printf "run %d: %d stale files: %.1f ms CPU per second idle (%d ticks in %d s)\n",
		       r, f, 1000 * d / hz / s, d, s }'
	# per thread, busiest first
	awk 'NR == FNR { a[$1] = $3; next } { d = $3 - a[$1]; if (d) print "  " $2 ": " d " ticks" }' \
		"$TMP/th0" "$TMP/th1" | sort -t: -k2 -rn
	kill "$PID"
	wait "$PID" || true
	PID=
done
