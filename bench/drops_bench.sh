#!/usr/bin/env bash
# Benchmark (not a test): what counting drops costs under a flood the kernel drops. A sender
# namespace floods small UDP datagrams (bench/drops_flood.c, sendmmsg, one thread per CPU) over a
# veth into a node namespace whose nft input chain drops them. PAIRS pairs of runs of SECONDS
# each, one without and one with the agent running in the node namespace (default flags, node
# device the veth; the order alternates between pairs). Measured per run: drops/s from the nft
# rule's counter, and with the agent the NETFILTER_DROP count it exports (must equal the nft
# counter exactly) and each BPF program's ns per run from the kernel's run-time statistics.
# Both namespaces, the bpffs and every process are this run's and removed on every exit path.
# usage: bench/drops_bench.sh [path/to/nodepath] [PAIRS=5] [SECONDS=10]
#        env THREADS (default nproc), PAYLOAD (UDP payload bytes, default 18: 60-byte frames)
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
PAIRS=${2:-5}
SECS=${3:-10}
THREADS=${THREADS:-$(nproc)}
PAYLOAD=${PAYLOAD:-18}
HERE=$(cd "$(dirname "$0")" && pwd)
TAG=npdb$$x$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
NS_S=$TAG-s
NS_N=$TAG-n
TABLE=${TAG}_drop
PORT=9 # discard: nothing listens, the rule drops before any socket lookup
AGENT_PORT=9100 # inside the node namespace only
TMP=$(mktemp -d /tmp/npdropbench.XXXXXX)
AGENT_PID= FLOOD_PID= BPFFS=
cleanup() {
	set +e # every step must run even if an earlier one fails
	for pid in $FLOOD_PID $AGENT_PID; do
		kill "$pid" 2>/dev/null
	done
	for pid in $FLOOD_PID $AGENT_PID; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_N" 2>/dev/null
	[ -z "$BPFFS" ] || umount "$BPFFS" 2>/dev/null || umount -l "$BPFFS" 2>/dev/null
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
BPFFS=$TMP/bpf
mkdir "$BPFFS"
mount -t bpf bpf "$BPFFS"

nft_count() {
	ip netns exec "$NS_N" nft list table inet "$TABLE" |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
scrape() {
	ip netns exec "$NS_N" curl -fsS "http://127.0.0.1:$AGENT_PORT/metrics"
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
# kfree_id: id of this run's agent's np_kfree_skb (the one using the np_drop_stats pinned here)
kfree_id() {
	local map
	map=$(bpftool -j map show pinned "$BPFFS/np_drop_stats" |
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

start_agent() {
	ip netns exec "$NS_N" "$NODEPATH" --web.listen-address="127.0.0.1:$AGENT_PORT" \
		--bpf.pin-path="$BPFFS" --collector.netpath.node-device=eth0 --log.level=warn \
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

# run_one PAIR MODE(without|with): one flood; appends a line to $TMP/runs
run_one() {
	local pair=$1 mode=$2 c0 c1 out sent secs load0 load1 foreign nd=0 kr=0 ks=0 backlog=0
	local kid k0 k1 k0r k0t k1r k1t
	if [ "$mode" = with ]; then
		start_agent
		kid=$(kfree_id)
		scrape >"$TMP/before.prom"
		k0=$(kfree_stat "$kid")
	fi
	foreign=$(foreign_kfree)
	[ "$mode" = with ] && foreign=$((foreign - 1))
	load0=$(cut -d' ' -f1 /proc/loadavg)
	c0=$(nft_count)
	out=$(ip netns exec "$NS_S" "$TMP/drops_flood" 10.201.0.2 "$PORT" "$SECS" "$PAYLOAD" \
		"$THREADS")
	c1=$(nft_count)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	sent=$(awk '{print $2}' <<<"$out")
	secs=$(awk '{print $6}' <<<"$out")
	if [ "$mode" = with ]; then
		k1=$(kfree_stat "$kid")
		scrape >"$TMP/after.prom"
		nd=$(($(metric "$TMP/after.prom" nodepath_drops_total 'reason="NETFILTER_DROP"') -
			$(metric "$TMP/before.prom" nodepath_drops_total 'reason="NETFILTER_DROP"')))
		backlog=$(($(metric "$TMP/after.prom" nodepath_drops_total 'reason="CPU_BACKLOG"') -
			$(metric "$TMP/before.prom" nodepath_drops_total 'reason="CPU_BACKLOG"')))
		LC_ALL=C join <(progs "$TMP/before.prom") <(progs "$TMP/after.prom") |
			awk -v pair="$pair" '{ r = $4 - $2; s = $5 - $3;
				printf "%s %s %d %.1f\n", pair, $1, r, r ? s * 1e9 / r : 0 }' \
				>>"$TMP/progs"
		read -r k0r k0t <<<"$k0"
		read -r k1r k1t <<<"$k1"
		kr=$((k1r - k0r))
		ks=$(awk -v r="$kr" -v t="$((k1t - k0t))" 'BEGIN { printf "%.1f", r ? t / r : 0 }')
		echo "$pair np_kfree_skb $kr $ks" >>"$TMP/progs"
		stop_agent
	fi
	echo "$pair $mode $sent $((c1 - c0)) $secs $nd $backlog $kr $ks $foreign $load0 $load1" |
		tee -a "$TMP/runs"
}

echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "flood: $THREADS sender threads, UDP payload $PAYLOAD bytes, $SECS s per run, $PAIRS pairs; nodepath $("$NODEPATH" --version 2>&1 | head -1)"
# A short flood first: the rule must see it, or nothing below means anything.
c0=$(nft_count)
ip netns exec "$NS_S" "$TMP/drops_flood" 10.201.0.2 "$PORT" 0.2 "$PAYLOAD" 1 >/dev/null
[ "$(nft_count)" -gt "$c0" ] || die "the nft rule saw none of the warm-up flood"

echo "pair mode sent nft_drops seconds agent_netfilter_drop agent_cpu_backlog kfree_runs kfree_ns_per_run foreign_kfree_progs load_before load_after"
: >"$TMP/runs"
: >"$TMP/progs"
for pair in $(seq "$PAIRS"); do
	if [ $((pair % 2)) = 1 ]; then
		run_one "$pair" without
		run_one "$pair" with
	else
		run_one "$pair" with
		run_one "$pair" without
	fi
done
echo "per program with the agent (pair program runs ns_per_run):"
cat "$TMP/progs"

python3 - "$TMP/runs" "$TMP/progs" <<'PY'
import statistics as st, sys
runs = [l.split() for l in open(sys.argv[1])]
rate = {}
exact = []
for r in runs:
    pair, mode, sent, nft, secs, nd = r[0], r[1], int(r[2]), int(r[3]), float(r[4]), int(r[5])
    rate[(pair, mode)] = nft / secs
    if mode == "with":
        exact.append((nd, nft))
pairs = sorted({r[0] for r in runs}, key=int)
wo = [rate[(p, "without")] for p in pairs]
wi = [rate[(p, "with")] for p in pairs]
ratios = [rate[(p, "with")] / rate[(p, "without")] for p in pairs]
print("drops/s without agent: median %.0f (%s)" % (st.median(wo), " ".join("%.0f" % x for x in wo)))
print("drops/s with agent:    median %.0f (%s)" % (st.median(wi), " ".join("%.0f" % x for x in wi)))
print("paired ratio with/without: median %.3f (%s)" % (st.median(ratios),
      " ".join("%.3f" % x for x in ratios)))
prog = {}
for l in open(sys.argv[2]):
    pair, name, n, ns = l.split()
    prog.setdefault(name, []).append((int(n), float(ns)))
kfree_runs = dict((l.split()[0], int(l.split()[2])) for l in open(sys.argv[2])
                  if l.split()[1] == "np_kfree_skb")
for name, v in sorted(prog.items()):
    if not any(x[0] for x in v):
        continue  # not on the flood's path
    print("%s: ns per run median %.1f (%s); runs per flood median %d" % (name,
          st.median(x[1] for x in v), " ".join("%.1f" % x[1] for x in v),
          st.median(x[0] for x in v)))
per_drop = [kfree_runs[r[0]] / int(r[3]) for r in runs if r[1] == "with" and int(r[3])]
if per_drop:
    print("np_kfree_skb runs per nft drop (every kfree_skb on the machine): median %.3f" %
          st.median(per_drop))
ok = all(a == b for a, b in exact)
print("agent NETFILTER_DROP == nft counter in every run with the agent: %s (%s)" % (
      "yes" if ok else "NO", " ".join("%d/%d" % e for e in exact)))
sys.exit(0 if ok else 1)
PY
