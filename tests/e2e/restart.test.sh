#!/usr/bin/env bash
# Agent restarts under traffic, in the two-node testbed (testbed.sh), tcx mode: the pinned tcx
# links go on counting while no agent runs, and the next agent takes them over without a gap.
# A steady flood (one datagram per ms) from pod n1a to pod n2a runs while n1's agent is stopped
# (SIGTERM, then kill -9) and started again: the pod's counters grow by exactly what was sent
# (equal to the kernel's counters of its host veth), every hook holds exactly one nodepath
# program (the new agent's), pins of pods deleted while no agent ran are removed, pods created
# meanwhile are hooked, and the agent holds no descriptor per pod.
#
#   bash tests/e2e/restart.test.sh build/nodepath        (root; exit 0 = pass)
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/testbed.sh
source tests/e2e/testbed.sh
# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for tool in ip bpftool curl "$TB_PY"; do command -v "$tool" >/dev/null || die "missing $tool"; done

PAYLOAD=100 # frame at tc: 142 bytes

tb_trap
tb_up || die "testbed failed"
SNAP=$TB_RUN/snap
mkdir -p "$SNAP"
LINKS=$(tb_bpf_dir n1)/links

start() { tb_start_agent "$1" "$BIN" "${@:2}" || die "agent on $1 did not start"; }
attached_is() { # NODE LAYER N
	[ "$(tb_scrape "$1" | tb_metric /dev/stdin nodepath_bpf_attached_interfaces "layer=\"$2\"")" = "$3" ]
}
snap() { tb_scrape n1 >"$SNAP/$1.prom" && tb_sysstats n1 >"$SNAP/$1.sys" || bad "snapshot $1"; }
mdelta() { # A B FAMILY SELECTOR
	local a b
	a=$(tb_metric "$SNAP/$1.prom" "$3" "$4") || a=missing
	b=$(tb_metric "$SNAP/$2.prom" "$3" "$4") || b=missing
	[[ $a =~ ^[0-9] && $b =~ ^[0-9] ]] || { echo "missing ($a -> $b)"; return; }
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.17g\n", b - a }'
}
kdelta() { # A B DEV FIELD
	echo $(($(tb_sysstat "$SNAP/$2.sys" "$3" "$4") - $(tb_sysstat "$SNAP/$1.sys" "$3" "$4")))
}
# ours NODE DEV DIR: nodepath programs in the tcx chain of the hook
ours() {
	local id
	for id in $(tb_tcx_progs "$1" "$2" "$3"); do tb_prog_name "$id"; done | grep -c '^np_' || true
}
hooked_devs() { echo eth0 cni0 flannel.1 $(for p in $(tb_pods n1); do tb_pod_veth "$p"; done); }
# expect_one_each: every hooked device of n1 has exactly one nodepath program per direction
expect_one_each() {
	local d dir
	for d in $(hooked_devs); do
		for dir in ingress egress; do
			check "$1: $d $dir nodepath tcx programs" "$(ours n1 "$d" "$dir")" 1
		done
	done
}
pins() { ls -A "$LINKS" 2>/dev/null | wc -l; }
link_fds() { # PID: bpf link descriptors the process holds
	local n=0 f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "anon_inode:bpf_link" ] && n=$((n + 1))
	done
	echo "$n"
}

# flood SRC DST: datagrams paced one per millisecond in the background (pid in FLOOD_PID) until
# $TB_RUN/flood.stop exists; then the number sent is written to $TB_RUN/flood.sent
flood() {
	rm -f "$TB_RUN/flood.stop" "$TB_RUN/flood.sent"
	ip netns exec "$(tb_ns "$1")" "$TB_PY" -c '
import os, socket, sys, time
dst, size, stop, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
buf = b"r" * size
t0 = time.monotonic()
n = 0
while not (n % 100 == 0 and os.path.exists(stop)):
    if s.sendto(buf, (dst, 5201)) != size:
        sys.exit("short send")
    n += 1
    delay = t0 + n * 0.001 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
with open(out, "w") as f:
    f.write("%d\n" % n)
' "$(tb_pod_ip "$2")" "$PAYLOAD" "$TB_RUN/flood.stop" "$TB_RUN/flood.sent" </dev/null &
	FLOOD_PID=$!
}

# restart_under_flood NAME SIGNAL: a flood n1a -> n2a running before n1's agent is stopped with
# SIGNAL, while none runs, and after the next one took over; exact counts across it
restart_under_flood() {
	local name=$1 sig=$2 rc=0 veth counted N
	veth=$(tb_pod_veth n1a)
	snap "$name.0"
	flood n1a n2a
	sleep 0.3
	tb_stop_agent n1 "$sig" || rc=$?
	case $sig in TERM) check "$name: exit status" "$rc" 0 ;; KILL) check "$name: exit status" "$rc" 137 ;; esac
	check "$name: hooks left counting while no agent runs ($veth ingress)" "$(ours n1 "$veth" ingress)" 1
	sleep 0.5
	start n1
	wait_until 10 attached_is n1 pod "$(tb_pods n1 | wc -l)" || bad "$name: pods not re-attached"
	sleep 0.5 # traffic after the take-over too
	touch "$TB_RUN/flood.stop"
	wait "$FLOOD_PID" || bad "$name: sender failed"
	N=$(cat "$TB_RUN/flood.sent" 2>/dev/null || echo 0)
	check_eval "$name: over a second of traffic across the restart ($N datagrams)" "[ $N -gt 1000 ]"
	snap "$name.1"
	counted=$(mdelta "$name.0" "$name.1" nodepath_pod_transmit_packets_total "interface=\"$veth\"")
	echo "$name: packets counted across the restart: $counted of $N sent"
	check "$name: pod n1a transmit packets" "$counted" "$N"
	check "$name: pod n1a transmit bytes" \
		"$(mdelta "$name.0" "$name.1" nodepath_pod_transmit_bytes_total "interface=\"$veth\"")" \
		$((N * (PAYLOAD + 42)))
	check "$name: pod n1a transmit packets = kernel (host veth rx)" "$counted" "$(kdelta "$name.0" "$name.1" "$veth" rx_packets)"
	check "$name: cni0 receive packets" \
		"$(mdelta "$name.0" "$name.1" nodepath_interface_receive_packets_total 'device="cni0"')" "$N"
	check "$name: flannel.1 transmit packets" \
		"$(mdelta "$name.0" "$name.1" nodepath_interface_transmit_packets_total 'device="flannel.1"')" "$N"
	check "$name: eth0 transmit packets = kernel" \
		"$(mdelta "$name.0" "$name.1" nodepath_interface_transmit_packets_total 'device="eth0"')" \
		"$(kdelta "$name.0" "$name.1" eth0 tx_packets)"
	expect_one_each "$name"
}

# =============================================================================================
section "agent starts in tcx mode; links pinned, no descriptor per pod"
start n1
start n2
wait_until 10 attached_is n1 pod 2 || bad "n1: pods not attached"
wait_until 10 attached_is n2 pod 2 || bad "n2: pods not attached"
check "pinned tcx links (5 devices x 2 directions)" "$(pins)" 10
FDS=$(link_fds "$(tb_agent_pid n1)")
tb_add_pod n1 n1c || die "add pod"
tb_add_pod n1 n1d || die "add pod"
wait_until 5 attached_is n1 pod 4 || bad "n1: new pods not attached"
check "pinned tcx links with 2 more pods" "$(pins)" 14
check "bpf link descriptors held do not grow with pods" "$(link_fds "$(tb_agent_pid n1)")" "$FDS"
echo "bpf link descriptors held by the agent: $FDS (the drop program's), for 4 pods"
expect_one_each start

section "restart under traffic: SIGTERM"
restart_under_flood term TERM

section "restart under traffic: kill -9"
restart_under_flood kill KILL

section "changes while no agent runs: a pod deleted, a pod created"
tb_stop_agent n1 TERM
GONE=$(tb_pod_veth n1d)
tb_del_pod n1d
tb_add_pod n1 n1e || die "add pod"
check "pins left of the deleted pod's veth (dead links)" "$(ls -A "$LINKS" | grep -c "_${GONE}_" || true)" 2
start n1
wait_until 10 attached_is n1 pod 4 || bad "n1: pods not attached after changes"
check "pins of the deleted pod's veth removed at start" "$(ls -A "$LINKS" | grep -c "_${GONE}_" || true)" 0
check "pinned tcx links: 3 devices + 4 pods" "$(pins)" 14
expect_one_each changes
grep -q 'pinned tcx links of an earlier agent" found=12 removed_gone=2' "$(tb_agent_log n1)" && ok ||
	bad "log: adoption summary (found=12 removed_gone=2) missing"
snap e0
tb_send_udp n1e n2b 30 200
snap e1
check "pod created while no agent ran: transmit packets" \
	"$(mdelta e0 e1 nodepath_pod_transmit_packets_total "interface=\"$(tb_pod_veth n1e)\"")" 30

section "node-cleanup.sh removes the links: nothing counts afterwards"
tb_stop_agent n1 TERM
check_cmd "node-cleanup.sh" tb_exec n1 deploy/node-cleanup.sh --pin-path "$(tb_bpf_dir n1)"
for d in $(hooked_devs); do
	wait_until 2 test "$(ours n1 "$d" ingress)$(ours n1 "$d" egress)" = 00 || true
	check "after node-cleanup.sh: $d nodepath tcx programs" "$(ours n1 "$d" ingress)$(ours n1 "$d" egress)" 00
done
check_cmd "pin path removed" test ! -e "$(tb_bpf_dir n1)/links"

section "done"
for n in $TB_NODES; do
	if grep -E 'level=error' "$(tb_agent_log "$n")"; then bad "agent $n logged errors"; else ok; fi
done
check_summary
