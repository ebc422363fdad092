#!/usr/bin/env bash
# Benchmark (not a test): what counting drops costs under a flood the kernel drops. A sender
# namespace floods small UDP datagrams (bench/drops_flood.c: sendmmsg, one thread per CPU) over a
# veth into a node namespace whose nft input chain drops them. ROUNDS rounds of one SECONDS-long
# flood per mode, the order rotating between rounds: without an agent; with the agent in the node
# namespace (default flags, node device the veth: it counts the drops); with the agent in a third,
# bystander namespace (its kfree_skb program runs for the flood's drops and lets them pass, as
# for any namespace not the node's or a pod's). Measured per run: drops/s from the nft rule's
# counter; with an agent, its np_kfree_skb's run time / runs over the flood (kernel run-time
# statistics, which the agent enables) and the NETFILTER_DROP it exports: equal to the nft
# counter in the node namespace, 0 in the bystander.
# Every namespace, bpffs and process is this run's and removed on every exit path.
# usage: bench/drops_bench.sh [path/to/nodepath] [ROUNDS=5] [SECONDS=10]
#        env THREADS (default nproc), PAYLOAD (UDP payload bytes, default 18: 60-byte frames),
#        MODES (default "without with other")
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROUNDS=${2:-5}
SECS=${3:-10}
THREADS=${THREADS:-$(nproc)}
PAYLOAD=${PAYLOAD:-18}
MODES=${MODES:-without with other}
HERE=$(cd "$(dirname "$0")" && pwd)
TAG=npdb$$x$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
NS_S=$TAG-s
NS_N=$TAG-n
NS_B=$TAG-b
TABLE=${TAG}_drop
PORT=9 # discard: nothing listens, the rule drops before any socket lookup
AGENT_PORT=9100 # inside the agent's namespace only
TMP=$(mktemp -d /tmp/npdropbench.XXXXXX)
AGENT_PID='' AGENT_NS='' BPF_N='' BPF_B=''
cleanup() {
	set +e # every step must run even if an earlier one fails
	if [ -n "$AGENT_PID" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_N" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	for m in $BPF_N $BPF_B; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "drops_bench: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root"
for tool in ip nft curl cc python3 bpftool; do
	command -v "$tool" >/dev/null || die "$tool missing"
done
[ -x "$NODEPATH" ] || die "no agent binary $NODEPATH"

cc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -pthread "$HERE/drops_flood.c" \
	-o "$TMP/drops_flood"

mkns() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set lo up
}
mkns "$NS_S"
mkns "$NS_N"
mkns "$NS_B"
# The bystander's node device: one end of a veth pair of its own, nothing crosses it.
ip -n "$NS_B" link add eth0 type veth peer name p0
ip -n "$NS_B" link set p0 up
ip -n "$NS_B" link set eth0 up
# Created inside the sender namespace, peer moved straight to the node's: never in the root one.
ip -n "$NS_S" link add s0 address 02:00:0a:c9:00:01 type veth peer name eth0 \
	address 02:00:0a:c9:00:02 netns "$NS_N"
ip -n "$NS_S" addr add 10.201.0.1/30 dev s0
ip -n "$NS_N" addr add 10.201.0.2/30 dev eth0
ip -n "$NS_S" link set s0 up
ip -n "$NS_N" link set eth0 up
# No ARP during the flood: permanent neighbours both ways.
ip -n "$NS_S" neigh replace 10.201.0.2 lladdr 02:00:0a:c9:00:02 dev s0 nud permanent
ip -n "$NS_N" neigh replace 10.201.0.1 lladdr 02:00:0a:c9:00:01 dev eth0 nud permanent
ip netns exec "$NS_N" nft -f - <<NFT
table inet $TABLE {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $PORT counter drop
	}
}
NFT
mkdir "$TMP/bpf-n" "$TMP/bpf-b"
mount -t bpf bpf "$TMP/bpf-n"
BPF_N=$TMP/bpf-n
mount -t bpf bpf "$TMP/bpf-b"
BPF_B=$TMP/bpf-b

nft_count() {
	ip netns exec "$NS_N" nft list table inet "$TABLE" |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
scrape() {
	ip netns exec "$AGENT_NS" curl -fsS "http://127.0.0.1:$AGENT_PORT/metrics"
}
# metric FILE NAME MATCH: sum of the samples of NAME whose labels contain MATCH
metric() {
	awk -v name="$2" -v m="$3" '
		index($0, name "{") == 1 && index($0, m) { s += $NF }
		END { printf "%.0f\n", s }' "$1"
}
# progs FILE: "program runs seconds" per BPF program the agent reports
progs() {
	python3 - "$1" <<'PY'
import re, sys
runs, secs = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r'nodepath_bpf_program_(runs|run_seconds)_total\{program="([^"]+)"\} (\S+)', line)
    if m:
        (runs if m.group(1) == "runs" else secs)[m.group(2)] = float(m.group(3))
for p in sorted(runs):
    print(p, int(runs[p]), repr(secs.get(p, 0.0)))
PY
}
# kfree_id BPFFS: id of the np_kfree_skb using the np_drop_stats pinned in BPFFS (the agent does
# not export this program's run time itself)
kfree_id() {
	local map
	map=$(bpftool -j map show pinned "$1/np_drop_stats" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
	bpftool -j prog show | python3 -c '
import json, sys
ids = [p["id"] for p in json.load(sys.stdin)
       if p.get("name") == "np_kfree_skb" and int(sys.argv[1]) in p.get("map_ids", [])]
assert len(ids) == 1, ids
print(ids[0])' "$map"
}
kfree_stat() { # ID: "run_cnt run_time_ns"
	bpftool -j prog show id "$1" |
		python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["run_cnt"], p["run_time_ns"])'
}
foreign_kfree() { # np_kfree_skb programs loaded on the machine, ours excluded by the caller
	bpftool prog show 2>/dev/null | grep -c ' name np_kfree_skb ' || true
}

# start_agent NS BPFFS: the agent in NS with its own pins, ready when its drop counters are
# loaded and its own namespace is registered
start_agent() {
	AGENT_NS=$1
	ip netns exec "$1" "$NODEPATH" --web.listen-address="127.0.0.1:$AGENT_PORT" \
		--bpf.pin-path="$2" --collector.netpath.node-device=eth0 --log.level=warn \
		</dev/null >>"$TMP/agent.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 500); do
		kill -0 "$AGENT_PID" 2>/dev/null || { tail -20 "$TMP/agent.log" >&2; die "agent exited"; }
		if scrape >"$TMP/ready.prom" 2>/dev/null &&
			grep -q '^nodepath_drops_state{state="loaded"} 1' "$TMP/ready.prom" &&
			grep -q '^nodepath_drop_namespaces{kind="node"} 1' "$TMP/ready.prom"; then
			return 0
		fi
		sleep 0.02
	done
	tail -20 "$TMP/agent.log" >&2
	die "agent not ready (drops loaded, node namespace registered) after 10 s"
}
stop_agent() {
	kill "$AGENT_PID"
	wait "$AGENT_PID" || true
	AGENT_PID=
}

# run_one ROUND MODE: one flood; appends a line to $TMP/runs and the agent's programs to
# $TMP/progs. MODE: without (no agent), with (agent in the node namespace: it counts the drops),
# other (agent in a bystander namespace: its kfree_skb program runs for the flood's drops and
# lets them pass uncounted, as for every namespace not the node's or a pod's)
run_one() {
	local round=$1 mode=$2 c0 c1 out sent secs load0 load1 foreign nd=0 kr=0 ks=0 backlog=0
	local kid k0 k1 k0r k0t k1r k1t bpf
	case $mode in
	with) bpf=$BPF_N; start_agent "$NS_N" "$bpf" ;;
	other) bpf=$BPF_B; start_agent "$NS_B" "$bpf" ;;
	esac
	if [ "$mode" != without ]; then
		kid=$(kfree_id "$bpf")
		scrape >"$TMP/before.prom"
		k0=$(kfree_stat "$kid")
	fi
	foreign=$(foreign_kfree)
	[ "$mode" = without ] || foreign=$((foreign - 1))
	load0=$(cut -d' ' -f1 /proc/loadavg)
	c0=$(nft_count)
	out=$(ip netns exec "$NS_S" "$TMP/drops_flood" 10.201.0.2 "$PORT" "$SECS" "$PAYLOAD" \
		"$THREADS")
	c1=$(nft_count)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	sent=$(awk '{print $2}' <<<"$out")
	secs=$(awk '{print $6}' <<<"$out")
	if [ "$mode" != without ]; then
		k1=$(kfree_stat "$kid")
		scrape >"$TMP/after.prom"
		nd=$(($(metric "$TMP/after.prom" nodepath_drops_total 'reason="NETFILTER_DROP"') -
			$(metric "$TMP/before.prom" nodepath_drops_total 'reason="NETFILTER_DROP"')))
		backlog=$(($(metric "$TMP/after.prom" nodepath_drops_total 'reason="CPU_BACKLOG"') -
			$(metric "$TMP/before.prom" nodepath_drops_total 'reason="CPU_BACKLOG"')))
		LC_ALL=C join <(progs "$TMP/before.prom") <(progs "$TMP/after.prom") |
			awk -v round="$round" -v mode="$mode" '{ r = $4 - $2; s = $5 - $3;
				if (r) printf "%s %s %s %d %.1f\n", round, mode, $1, r, s * 1e9 / r }' \
				>>"$TMP/progs"
		read -r k0r k0t <<<"$k0"
		read -r k1r k1t <<<"$k1"
		kr=$((k1r - k0r))
		ks=$(awk -v r="$kr" -v t="$((k1t - k0t))" 'BEGIN { printf "%.1f", r ? t / r : 0 }')
		echo "$round $mode np_kfree_skb $kr $ks" >>"$TMP/progs"
		stop_agent
	fi
	echo "$round $mode $sent $((c1 - c0)) $secs $nd $backlog $kr $ks $foreign $load0 $load1" |
		tee -a "$TMP/runs"
}

echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "flood: $THREADS sender threads, UDP payload $PAYLOAD bytes, $SECS s per run, $ROUNDS rounds of: $MODES; nodepath $("$NODEPATH" --version 2>&1 | head -1)"
# A short flood first: the rule must see it, or nothing below means anything.
c0=$(nft_count)
ip netns exec "$NS_S" "$TMP/drops_flood" 10.201.0.2 "$PORT" 0.2 "$PAYLOAD" 1 >/dev/null
[ "$(nft_count)" -gt "$c0" ] || die "the nft rule saw none of the warm-up flood"

echo "round mode sent nft_drops seconds agent_netfilter_drop agent_cpu_backlog kfree_runs kfree_ns_per_run foreign_kfree_progs load_before load_after"
: >"$TMP/runs"
: >"$TMP/progs"
read -ra modes <<<"$MODES"
for round in $(seq "$ROUNDS"); do
	# The order rotates between rounds so a drift in machine load hits every mode alike.
	for i in $(seq 0 $((${#modes[@]} - 1))); do
		run_one "$round" "${modes[$(((i + round - 1) % ${#modes[@]}))]}"
	done
done
echo "programs while an agent ran (round mode program runs ns_per_run):"
cat "$TMP/progs"

python3 - "$TMP/runs" "$TMP/progs" <<'PY'
import statistics as st, sys
runs = [l.split() for l in open(sys.argv[1])]
rounds = sorted({r[0] for r in runs}, key=int)
modes = [m for m in ("without", "with", "other") if any(r[1] == m for r in runs)]
rate = {(r[0], r[1]): int(r[3]) / float(r[4]) for r in runs}
fmt = lambda xs, f="%.0f": " ".join(f % x for x in xs)
for m in modes:
    xs = [rate[(k, m)] for k in rounds]
    print("drops/s %-7s median %.0f (%s)" % (m, st.median(xs), fmt(xs)))
for m in modes[1:] if modes[0] == "without" else []:
    xs = [rate[(k, m)] / rate[(k, "without")] for k in rounds]
    print("paired ratio %s/without: median %.3f (%s)" % (m, st.median(xs), fmt(xs, "%.3f")))
prog = {}
for l in open(sys.argv[2]):
    k, m, name, n, ns = l.split()
    prog.setdefault((m, name), []).append((k, int(n), float(ns)))
for (m, name), v in sorted(prog.items()):
    print("%s %s: ns per run median %.1f (%s); runs per flood median %d" % (m, name,
          st.median(x[2] for x in v), fmt((x[2] for x in v), "%.1f"),
          st.median(x[1] for x in v)))
ok = True
for m, want in (("with", "the nft counter"), ("other", "0")):
    rs = [r for r in runs if r[1] == m]
    if not rs:
        continue
    kfree = {x[0]: x[1] for x in prog.get((m, "np_kfree_skb"), [])}
    print("%s: np_kfree_skb runs per nft drop (every kfree_skb on the machine) median %.3f" % (
          m, st.median(kfree[r[0]] / int(r[3]) for r in rs)))
    good = all(int(r[5]) == (int(r[3]) if m == "with" else 0) for r in rs)
    ok = ok and good
    print("%s: agent's NETFILTER_DROP == %s in every run: %s (agent/nft %s)" % (
          m, want, "yes" if good else "NO", " ".join("%s/%s" % (r[5], r[3]) for r in rs)))
print("load average (1 min) over the runs: %s - %s" % (min(float(r[10]) for r in runs),
      max(float(r[11]) for r in runs)))
sys.exit(0 if ok else 1)
PY
