#!/usr/bin/env bash
# Benchmark (not a test): what nodepath's tc programs cost against no program and against an empty
# one. Builds the two-node flannel testbed of tests/e2e/testbed.sh (its own namespaces, removed on
# every exit path) and runs ROUNDS rounds of three modes, the order rotating per round, on the same
# 20 hooks (eth0, cni0, flannel.1 and the two pod veths of each node, both directions):
#   none      no program
#   empty     one empty program per hook (r0 = TC_ACT_UNSPEC; exit), attached as nodepath attaches
#             (tcx at the head of the chain, else clsact) by bench/datapath/dpbench.c
#   nodepath  the agent (each BIN given, in turn) in each node namespace, with subnet.env so pod
#             traffic is classified
# Each mode floods PAYLOAD-byte UDP datagrams (60-byte frames by default) for SECONDS, from pod n1a
# to n1b (same node) and from n1a to n2a (cross node, VXLAN). Measured per flood: the programs'
# run time / run count on the hooks the flood crosses (kernel run-time statistics, held on by
# dpbench and by the agent through BPF_ENABLE_STATS, no global sysctl), and the datagrams the
# receiving pod's UDP layer delivered, per second and per second of the sender's CPU time (which
# includes the softirq work of the whole path run in its context: on a shared machine the share
# of CPU the sender gets varies far more between floods than the cost of a packet does). Ratios are paired within a round; the table gives
# their median and range over the rounds. Raw samples go to OUT (default a temporary file).
# usage: bench/datapath/datapath_bench.sh [ROUNDS=5] [SECONDS=4] BIN [BIN...]
#        (two BINs: before/after builds, both measured in the same rounds against the same empty
#        program; modes named nodepath, nodepath2, ...)
#        env THREADS (sender threads, default 1), PAYLOAD (default 18), OUT (raw samples file)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=${1:-5}
SECS=${2:-4}
shift 2 || true
[ $# -ge 1 ] || set -- "$ROOT/build/nodepath"
BINS=()
for b in "$@"; do BINS+=("$(realpath "$b")"); done
THREADS=${THREADS:-1}
PAYLOAD=${PAYLOAD:-18}
PORT=5201

# shellcheck source=tests/e2e/lib_pods.sh
. "$ROOT/tests/e2e/lib_pods.sh"
TB_TAG=npdp$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
tb_trap

die() {
	echo "datapath_bench: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root"
for tool in ip cc python3 bpftool; do command -v "$tool" >/dev/null || die "$tool missing"; done
for b in "${BINS[@]}"; do [ -x "$b" ] || die "no agent binary $b"; done

tb_up || die "testbed failed"
OUT=${OUT:-$TB_RUN/samples.tsv}
: >"$OUT"
DPB=$TB_RUN/dpbench
cc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -pthread "$HERE/dpbench.c" -o "$DPB" -lbpf
for n in $TB_NODES; do lp_write_subnet_env "$n"; done

# The testbed's Python sinks cannot keep up with a flood: C sinks (recvmmsg) instead.
for p in n1b n2a; do
	tb__kill_pidfile "$TB_RUN/pids/sink-$p" KILL
	ip netns exec "$(tb_ns "$p")" "$DPB" sink "$PORT" "$TB_RUN/sink" >"$TB_RUN/sink-$p.out" &
	echo $! >"$TB_RUN/pids/dpsink-$p"
	disown $!
done
for t in $(seq 200); do
	grep -qs ready "$TB_RUN/sink-n1b.out" && grep -qs ready "$TB_RUN/sink-n2a.out" && break
	sleep 0.02
done

node_devs() { echo "eth0 cni0 flannel.1 $(for p in $(tb_pods "$1"); do tb_pod_veth "$p"; done)"; }

# hook_progs NODE DEV DIR: ids of the programs on that hook (tcx chain, else clsact filters)
hook_progs() {
	local ids
	ids=$(tb_tcx_progs "$1" "$2" "$3" 2>/dev/null || true)
	[ -n "$ids" ] || ids=$(tb_tc_filters "$1" "$2" "$3" | grep -o ' id [0-9]*' | awk '{ print $2 }')
	echo $ids
}

# The hooks each flood crosses: "node dev dir class"
hooks_same() {
	echo "n1 $(tb_pod_veth n1a) ingress host-veth-ingress"
	echo "n1 $(tb_pod_veth n1b) egress host-veth-egress"
}
hooks_cross() {
	echo "n1 $(tb_pod_veth n1a) ingress host-veth-ingress"
	echo "n1 cni0 ingress cni0-ingress"
	echo "n1 flannel.1 egress flannel.1-egress"
	echo "n1 eth0 egress node-dev-egress"
	echo "n2 eth0 ingress node-dev-ingress"
	echo "n2 flannel.1 ingress flannel.1-ingress"
	echo "n2 cni0 egress cni0-egress"
	echo "n2 $(tb_pod_veth n2a) egress host-veth-egress"
}

# prog_stats FILE: "id run_time_ns run_cnt" of every loaded program
prog_stats() {
	bpftool prog show --json | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["id"], p.get("run_time_ns", 0), p.get("run_cnt", 0))' >"$1"
}

udp_in() { # POD: Udp InDatagrams RcvbufErrors of the pod's namespace
	tb_exec "$1" awk '/^Udp:/ { if (h) { print $2, $5; exit } h = 1 }' /proc/net/snmp
}

EMPTY_PID=''
mode_up() { # MODE
	case $1 in
	none) ;;
	empty)
		rm -f "$TB_RUN"/empty-*.out
		for n in $TB_NODES; do
			# shellcheck disable=SC2046
			ip netns exec "$(tb_ns "$n")" "$DPB" empty "$TB_RUN/empty" $(node_devs "$n") \
				>"$TB_RUN/empty-$n.out" &
			echo $! >"$TB_RUN/pids/dpempty-$n"
			disown $!
		done
		for t in $(seq 500); do
			grep -qs ready "$TB_RUN/empty-n1.out" && grep -qs ready "$TB_RUN/empty-n2.out" &&
				return 0
			sleep 0.02
		done
		die "empty programs not attached"
		;;
	nodepath*)
		local i=${1#nodepath} bin
		bin=${BINS[$((${i:-1} - 1))]}
		for n in $TB_NODES; do
			: >"$(tb_agent_log "$n")"
			lp_start_agent "$n" "$bin" || die "agent failed on $n"
		done
		# pod traffic is classified once the agent has applied the path-class prefixes
		for t in $(seq 250); do
			grep -q 'path classes updated' "$(tb_agent_log n1)" &&
				grep -q 'path classes updated' "$(tb_agent_log n2)" && break
			sleep 0.02
		done
		;;
	esac
}

mode_down() {
	case $1 in
	none) ;;
	empty) for n in $TB_NODES; do tb__kill_pidfile "$TB_RUN/pids/dpempty-$n" TERM; done ;;
	nodepath*)
		# A stopped agent leaves its pinned tcx links counting (so a restart loses no packet):
		# unpin them so the next mode's hooks hold only its own programs.
		for n in $TB_NODES; do
			tb_stop_agent "$n" TERM || die "agent on $n failed"
			rm -f "$(tb_bpf_dir "$n")"/links/*
		done
		;;
	esac
}

# flood ROUND MODE PHASE DSTPOD: one measured flood; appends its samples to OUT
flood() {
	local r=$1 m=$2 ph=$3 dst=$4 hooks line node dev dir cls ids in0 in1 sent
	hooks=$(hooks_"$ph")
	: >"$TB_RUN/hookids"
	if [ "$m" != none ]; then
		while read -r node dev dir cls; do
			ids=$(hook_progs "$node" "$dev" "$dir")
			[ "$(wc -w <<<"$ids")" = 1 ] || die "$m: $node $dev $dir holds programs '$ids'"
			echo "$ids $cls $node/$dev/$dir" >>"$TB_RUN/hookids"
		done <<<"$hooks"
		prog_stats "$TB_RUN/st0"
	fi
	in0=$(udp_in "$dst")
	line=$(tb_exec n1a "$DPB" send "$(tb_pod_ip "$dst")" "$PORT" "$SECS" "$PAYLOAD" "$THREADS")
	sleep 0.2 # the last datagrams reach the socket
	in1=$(udp_in "$dst")
	[ "$m" = none ] || prog_stats "$TB_RUN/st1"
	sent=$(awk '{ print $2 }' <<<"$line")
	python3 - "$r" "$m" "$ph" "$in0" "$in1" "$line" "$TB_RUN/hookids" "$TB_RUN/st0" "$TB_RUN/st1" \
		"$m" >>"$OUT" <<'PY'
import sys
r, m, ph, in0, in1, line, hookf, st0f, st1f, mode = sys.argv[1:11]
i0, e0 = map(int, in0.split()); i1, e1 = map(int, in1.split())
f = line.split(); secs = float(f[3])
cpu = float(f[5])
print(f"{r}\t{m}\t{ph}\ttput\t{(i1 - i0) / secs:.0f}\t{f[1]}\t{e1 - e0}\t{(i1 - i0) / cpu:.0f}")
if mode != "none":
    def load(p):
        return {l.split()[0]: list(map(int, l.split()[1:])) for l in open(p)}
    s0, s1 = load(st0f), load(st1f)
    for l in open(hookf):
        pid, cls, where = l.split()
        dt = s1[pid][0] - s0[pid][0]; dc = s1[pid][1] - s0[pid][1]
        print(f"{r}\t{m}\t{ph}\thook\t{cls}\t{dt}\t{dc}\t{where}")
PY
}

MODES=(none empty)
for i in "${!BINS[@]}"; do
	if [ "$i" = 0 ]; then MODES+=(nodepath); else MODES+=("nodepath$((i + 1))"); fi
done
echo "datapath_bench: $ROUNDS rounds x modes ${MODES[*]} x 2 floods of ${SECS}s; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$ROUNDS"); do
	nm=${#MODES[@]}
	for k in $(seq 0 $((nm - 1))); do
		m=${MODES[$(((k + r - 1) % nm))]}
		mode_up "$m"
		flood "$r" "$m" same n1b
		flood "$r" "$m" cross n2a
		mode_down "$m"
	done
	echo "datapath_bench: round $r done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
python3 "$HERE/report.py" "$OUT" "${MODES[@]}"
echo "raw samples: $OUT (removed with the testbed unless OUT was set)" >&2
