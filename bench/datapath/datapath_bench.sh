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
# Modes run seconds apart, and the CPU share drifts over such times by more than the agent's cost,
# so each nodepath mode also, with its agents up, runs PAIRS pairs of PSECS floods per path: one
# flood of a pair with a program returning TC_ACT_OK at the head of every hook's tcx chain (it ends
# the chain, so the hook costs one empty program while the agent keeps running), the other without,
# back to back and in alternating order. Their per-pair ratio resolves a difference of a few per
# cent that the per-round ratios cannot.
# usage: bench/datapath/datapath_bench.sh [ROUNDS=5] [SECONDS=4] BIN [BIN...]
#        (two BINs: before/after builds, both measured in the same rounds against the same empty
#        program; modes named nodepath, nodepath2, ...)
#        env THREADS (sender threads, default 1), PAYLOAD (default 18), OUT (raw samples file),
#        PAIRS (paired floods per path and round, default 10; 0 skips them), PSECS (seconds per
#        paired flood, default 1), STATS (default 1; 0: the kernel's run-time statistics stay off,
#        the agents run with --no-bpf.enable-stats, and there are no ns/call, only throughput:
#        with them on, the kernel reads the clock twice around every program run; split: the
#        agents run with --no-bpf.enable-stats, as the shipped systemd unit runs nodepath and as
#        the base DaemonSet must, lacking CAP_SYS_ADMIN; the modes' floods hold the statistics
#        on for ns/call, the paired floods run without them)
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
STATS=${STATS:-1}
AGENT_ARGS=()
case $STATS in
1) ;;
0)
	export DPBENCH_NO_STATS=1
	AGENT_ARGS=(--no-bpf.enable-stats)
	;;
split) AGENT_ARGS=(--no-bpf.enable-stats) ;;
*)
	echo "datapath_bench: STATS is 1, 0 or split, not '$STATS'" >&2
	exit 1
	;;
esac
PAIRS=${PAIRS:-10}
PSECS=${PSECS:-1}
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

# dp_up KIND (empty or skip): dpbench KIND on every hook of both nodes, returns once attached
dp_up() {
	local env=()
	# STATS=split: the paired floods, which run with the skip programs, go without statistics
	[ "$1" != skip ] || [ "$STATS" != split ] || env=(DPBENCH_NO_STATS=1)
	rm -f "$TB_RUN/$1"-*.out
	for n in $TB_NODES; do
		# shellcheck disable=SC2046
		ip netns exec "$(tb_ns "$n")" env "${env[@]}" "$DPB" "$1" "$TB_RUN/$1" $(node_devs "$n") \
			>"$TB_RUN/$1-$n.out" &
		echo $! >"$TB_RUN/pids/dp$1-$n"
		disown $!
	done
	for t in $(seq 500); do
		grep -qs ready "$TB_RUN/$1-n1.out" && grep -qs ready "$TB_RUN/$1-n2.out" && return 0
		sleep 0.02
	done
	die "$1 programs not attached"
}
dp_down() { for n in $TB_NODES; do tb__kill_pidfile "$TB_RUN/pids/dp$1-$n" TERM; done; }

# hold_stats up|down (STATS=split): the kernel's run-time statistics on around a nodepath mode's
# floods, whose agents do not turn them on
hold_stats() {
	if [ "$1" = down ]; then
		tb__kill_pidfile "$TB_RUN/pids/dpstats" TERM
		return 0
	fi
	rm -f "$TB_RUN/stats.out" # the previous holder's "ready"
	"$DPB" stats "$TB_RUN/stats" >"$TB_RUN/stats.out" &
	echo $! >"$TB_RUN/pids/dpstats"
	disown $!
	for t in $(seq 500); do
		grep -qs ready "$TB_RUN/stats.out" && return 0
		sleep 0.02
	done
	die "run-time statistics not enabled"
}

# runs_grew A B: ids of the programs whose run count grew between two prog_stats files (it grows
# only while statistics are on; programs unloaded meanwhile are not in B)
runs_grew() { awk 'NR == FNR { c[$1] = $3; next } ($1 in c) && $3 > c[$1] { print $1 }' "$1" "$2"; }

mode_up() { # MODE
	case $1 in
	none) ;;
	empty) dp_up empty ;;
	nodepath*)
		local i=${1#nodepath} bin
		bin=${BINS[$((${i:-1} - 1))]}
		for n in $TB_NODES; do
			: >"$(tb_agent_log "$n")"
			lp_start_agent "$n" "$bin" "${AGENT_ARGS[@]}" || die "agent failed on $n"
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
	empty) dp_down empty ;;
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

# one_prog MODE PHASE: each hook the phase's flood crosses holds exactly one program; writes
# "id class node/dev/dir" lines to $TB_RUN/hookids
one_prog() {
	local node dev dir cls ids
	: >"$TB_RUN/hookids"
	while read -r node dev dir cls; do
		ids=$(hook_progs "$node" "$dev" "$dir")
		[ "$(wc -w <<<"$ids")" = 1 ] || die "$1: $node $dev $dir holds programs '$ids'"
		echo "$ids $cls $node/$dev/$dir" >>"$TB_RUN/hookids"
	done <<<"$(hooks_"$2")"
}

# udp_flood DSTPOD SECONDS: one flood from n1a; prints "pps sent rcvbuf_errors per_cpu_s
# block_median block_p90" (tab-separated): datagrams the receiving pod's UDP layer delivered per
# second and per second of the sender's CPU time, then the median and 90th percentile over the
# flood's 20 ms blocks of datagrams sent per CPU-second of the sender (dpbench send)
udp_flood() {
	local in0 in1 line
	in0=$(udp_in "$1")
	line=$(tb_exec n1a "$DPB" send "$(tb_pod_ip "$1")" "$PORT" "$2" "$PAYLOAD" "$THREADS")
	sleep 0.2 # the last datagrams reach the socket
	in1=$(udp_in "$1")
	python3 - "$in0" "$in1" "$line" <<'PY'
import sys
in0, in1, line = sys.argv[1:4]
i0, e0 = map(int, in0.split()); i1, e1 = map(int, in1.split())
f = line.split(); secs = float(f[3])
cpu = float(f[5])
print(f"{(i1 - i0) / secs:.0f}\t{f[1]}\t{e1 - e0}\t{(i1 - i0) / cpu:.0f}\t{f[9]}\t{f[11]}")
PY
}

# flood ROUND MODE PHASE DSTPOD: one measured flood; appends its samples to OUT
flood() {
	local r=$1 m=$2 ph=$3 dst=$4 res
	if [ "$m" != none ]; then
		one_prog "$m" "$ph"
		prog_stats "$TB_RUN/st0"
	fi
	res=$(udp_flood "$dst" "$SECS")
	printf '%s\t%s\t%s\ttput\t%s\n' "$r" "$m" "$ph" "$res" >>"$OUT"
	[ "$m" != none ] || return 0
	prog_stats "$TB_RUN/st1"
	python3 - "$r" "$m" "$ph" "$TB_RUN/hookids" "$TB_RUN/st0" "$TB_RUN/st1" >>"$OUT" <<'PY'
import sys
r, m, ph, hookf, st0f, st1f = sys.argv[1:7]
def load(p):
    return {l.split()[0]: list(map(int, l.split()[1:])) for l in open(p)}
s0, s1 = load(st0f), load(st1f)
for l in open(hookf):
    pid, cls, where = l.split()
    dt = s1[pid][0] - s0[pid][0]; dc = s1[pid][1] - s0[pid][1]
    print(f"{r}\t{m}\t{ph}\thook\t{cls}\t{dt}\t{dc}\t{where}")
PY
}

# skip_first PHASE: each hook the phase's flood crosses holds the skip program, then the agent's
skip_first() {
	local node dev dir cls ids want
	while read -r node dev dir cls; do
		ids=$(hook_progs "$node" "$dev" "$dir")
		want=$(awk -v d="$dev" -v r="$dir" '$1 == d && $2 == r { print $3 }' \
			"$TB_RUN/skip-$node.out")
		[ "$(wc -w <<<"$ids")" = 2 ] && [ "${ids%% *}" = "$want" ] ||
			die "skip: $node $dev $dir holds programs '$ids', skip program '$want'"
	done <<<"$(hooks_"$1")"
}

# paired ROUND MODE: with the agents up, PAIRS pairs of PSECS floods per phase, one flood of each
# pair with the skip programs at the head of every hook's chain (the agent's programs then do not
# run: the empty mode's cost), one without, the order alternating so that a drift of the CPU
# share over a pair favours neither; appends "ptput skip|run PAIR" samples to OUT
paired() {
	local r=$1 m=$2 ph dst p v order res n dev dir ids grew
	prog_stats "$TB_RUN/runs0"
	for ph in same cross; do
		dst=n1b
		[ "$ph" = same ] || dst=n2a
		for p in $(seq "$PAIRS"); do
			order="skip run"
			[ $((p % 2)) = 1 ] || order="run skip"
			for v in $order; do
				[ "$v" = run ] || dp_up skip
				res=$(udp_flood "$dst" "$PSECS")
				# Nothing changes the hooks during a flood: checked after it, so that the
				# two floods of a pair run close together.
				if [ "$v" = skip ]; then
					skip_first "$ph"
					dp_down skip
				else
					one_prog "$m" "$ph"
				fi
				printf '%s\t%s\t%s\tptput\t%s\t%s\t%s\n' "$r" "$m" "$ph" "$v" "$p" "$res" \
					>>"$OUT"
			done
		done
	done
	if [ "$STATS" != 1 ]; then
		prog_stats "$TB_RUN/runs1"
		grew=$(runs_grew "$TB_RUN/runs0" "$TB_RUN/runs1")
		[ -z "$grew" ] ||
			die "run-time statistics were on during the paired floods (programs $grew counted runs: kernel.bpf_stats_enabled, or another process holding them?)"
	fi
	# the last skip programs are gone: every hook holds the agent's program alone
	for n in $TB_NODES; do
		for dev in $(node_devs "$n"); do
			for dir in ingress egress; do
				ids=$(hook_progs "$n" "$dev" "$dir")
				[ "$(wc -w <<<"$ids")" = 1 ] || die "$m: $n $dev $dir holds programs '$ids'"
			done
		done
	done
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
		split=
		[ "$STATS" != split ] || [[ $m != nodepath* ]] || split=1
		[ -z "$split" ] || hold_stats up
		flood "$r" "$m" same n1b
		flood "$r" "$m" cross n2a
		[ -z "$split" ] || hold_stats down
		[[ $m != nodepath* ]] || paired "$r" "$m"
		mode_down "$m"
	done
	echo "datapath_bench: round $r done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
python3 "$HERE/report.py" "$OUT" "${MODES[@]}"
if [ "$STATS" = split ]; then
	echo
	echo "STATS=split: ns per call from the modes' floods, run-time statistics held on; the paired floods without them, the agents run with --no-bpf.enable-stats (as the shipped systemd unit; the base DaemonSet lacks CAP_SYS_ADMIN to turn them on)"
fi
echo "raw samples: $OUT (removed with the testbed unless OUT was set)" >&2
