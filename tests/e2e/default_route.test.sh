#!/usr/bin/env bash
# The shipped default: the DaemonSet names no node device, so the agent hooks the device(s) of the
# default route at layer node. In node n1 of the testbed (testbed.sh), with the agent run without
# --collector.netpath.node-device: no default route hooks nothing; a default route via eth0 hooks
# eth0; deleting and re-adding it keeps eth0 hooked through the gap (no packet lost, no re-attach);
# moving it to a second NIC (nic1, a veth to a gateway namespace of this test) hooks nic1 and
# detaches eth0. Exact counts against the expected sizes and the kernel's own counters.
#
#   bash tests/e2e/default_route.test.sh build/nodepath        (root; exit 0 = pass)
#
# Sizes at tc: pod-to-pod across nodes leaves eth0 as a VXLAN frame of payload+92 bytes; a
# datagram from the node to the gateway leaves nic1 as payload+42. Both equal the kernel counters.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/testbed.sh
source tests/e2e/testbed.sh
# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for tool in ip curl "$TB_PY"; do
	command -v "$tool" >/dev/null || die "missing $tool"
done

tb_trap
tb_up || die "testbed failed"
echo "testbed $TB_TAG"
SNAP=$TB_RUN/snap
mkdir -p "$SNAP"
LOG=$(tb_agent_log n1)
IF=nodepath_interface

# A second uplink for n1: nic1 192.168.251.1/24, a veth whose peer is eth0 of a gateway namespace
# (192.168.251.254, a UDP sink), permanent neighbours both ways so nothing else is sent.
NIC1_MAC=02:00:c0:a8:fb:01
GW_MAC=02:00:c0:a8:fb:fe
GW_IP=192.168.251.254
tb__mkns gw || die "gateway namespace"
tb__ip n1 link add nic1 address "$NIC1_MAC" type veth peer name eth0 address "$GW_MAC" \
	netns "$(tb_ns gw)" || die "nic1"
tb__ip n1 addr add 192.168.251.1/24 dev nic1 || die "nic1 address"
tb__ip n1 link set nic1 up || die "nic1 up"
tb__ip gw addr add "$GW_IP/24" dev eth0 || die "gateway address"
tb__ip gw link set eth0 up || die "gateway up"
tb__ip n1 neigh replace "$GW_IP" lladdr "$GW_MAC" dev nic1 nud permanent || die "neighbour"
tb__ip gw neigh replace 192.168.251.1 lladdr "$NIC1_MAC" dev eth0 nud permanent || die "neighbour"
tb__start_sink gw || die "gateway sink"

# snap NAME: n1's metrics and kernel counters
snap() {
	tb_scrape n1 >"$SNAP/$1.prom" || bad "scrape $1 failed"
	tb_sysstats n1 >"$SNAP/$1.sys"
}
# mdelta A B DEV DIR packets|bytes: delta of DEV's layer-node counter; "missing" unless the
# series is in both snapshots
mdelta() {
	local sel="device=\"$3\",layer=\"node\"" a b
	a=$(tb_metric "$SNAP/$1.prom" "${IF}_$4_$5_total" "$sel") || { echo "missing in $1"; return; }
	b=$(tb_metric "$SNAP/$2.prom" "${IF}_$4_$5_total" "$sel") || { echo "missing in $2"; return; }
	echo $((b - a))
}
kdelta() { # A B DEV rx_packets|...
	local a b
	a=$(tb_sysstat "$SNAP/$1.sys" "$3" "$4") || { echo "missing in $1"; return; }
	b=$(tb_sysstat "$SNAP/$2.sys" "$3" "$4") || { echo "missing in $2"; return; }
	echo $((b - a))
}
# expect_node A B DEV RXP RXB TXP TXB: exact layer-node deltas of DEV, equal to the kernel's
expect_node() {
	local a=$1 b=$2 d=$3
	check "$d receive packets" "$(mdelta "$a" "$b" "$d" receive packets)" "$4"
	check "$d receive bytes" "$(mdelta "$a" "$b" "$d" receive bytes)" "$5"
	check "$d transmit packets" "$(mdelta "$a" "$b" "$d" transmit packets)" "$6"
	check "$d transmit bytes" "$(mdelta "$a" "$b" "$d" transmit bytes)" "$7"
	check "$d receive packets = kernel" "$(kdelta "$a" "$b" "$d" rx_packets)" "$4"
	check "$d receive bytes = kernel" "$(kdelta "$a" "$b" "$d" rx_bytes)" "$5"
	check "$d transmit packets = kernel" "$(kdelta "$a" "$b" "$d" tx_packets)" "$6"
	check "$d transmit bytes = kernel" "$(kdelta "$a" "$b" "$d" tx_bytes)" "$7"
}

attached() { # LAYER: "missing" when there is no such series (an expected 0 must be a real 0)
	tb_scrape n1 | tb_metric /dev/stdin nodepath_bpf_attached_interfaces "layer=\"$1\"" ||
		echo missing
}
attached_is() { [ "$(attached "$1")" = "$2" ]; }
node_series() { # DEV: how many samples name DEV at layer node
	local out
	out=$(tb_scrape n1) || { echo "scrape failed"; return; }
	grep -c "device=\"$1\",layer=\"node\"" <<<"$out" || true
}
our_tcx() { # DEV DIR: nodepath programs in DEV's tcx chain
	local id
	for id in $(tb_tcx_progs n1 "$1" "$2"); do tb_prog_name "$id"; done | grep -c '^np_' || true
}
hooked() { # DEV N: N of ours on both directions
	[ "$(our_tcx "$1" ingress)" = "$2" ] && [ "$(our_tcx "$1" egress)" = "$2" ]
}
logged() { grep -c -- "$1" "$LOG" || true; }

# =============================================================================================
section "no default route: nothing at layer node"
# debug: the agent says when it keeps the node devices through a moment without a default route
TB_NODE_DEVICE= tb_start_agent n1 "$BIN" --log.level=debug || die "agent did not start"
wait_until 5 attached_is pod 2 || bad "pod veths not attached"
check "attached at layer node" "$(attached node)" 0
check "bridge and overlay still hooked by name" "$(attached bridge) $(attached overlay)" "1 1"
check "no eth0 series" "$(node_series eth0)" 0
check "eth0 not hooked" "$(our_tcx eth0 ingress) $(our_tcx eth0 egress)" "0 0"

section "default route via eth0: eth0 hooked at layer node"
tb__ip n1 route add default via "$(tb_node_ip n2)" dev eth0 || die "default route"
wait_until 5 attached_is node 1 || bad "eth0 not attached within 5 s of the default route"
check "eth0 attached at layer node, once" "$(logged 'msg="attached" device=eth0 .*layer=node')" 1
check "eth0 hooked both ways" "$(our_tcx eth0 ingress) $(our_tcx eth0 egress)" "1 1"
snap a0
tb_send_udp n1a n2b 20 500
snap a1
expect_node a0 a1 eth0 0 0 20 $((20 * 592))

section "default route deleted: eth0 kept through the gap, nothing lost"
tb__ip n1 route del default || die "delete default route"
wait_until 5 grep -q 'no default route right now; keeping the node devices' "$LOG" ||
	bad "the agent did not see the default route go"
check "still attached at layer node" "$(attached node)" 1
check "eth0 still hooked" "$(our_tcx eth0 ingress) $(our_tcx eth0 egress)" "1 1"
tb_send_udp n1a n2b 15 300 # the underlay is a connected route: no default route needed
snap g1
expect_node a1 g1 eth0 0 0 15 $((15 * 392))

section "default route re-added: the same hook counts on"
tb__ip n1 route add default via "$(tb_node_ip n2)" dev eth0 || die "re-add default route"
tb_send_udp n1b n2a 10 100
snap g2
expect_node g1 g2 eth0 0 0 10 $((10 * 192))
expect_node a0 g2 eth0 0 0 45 $((20 * 592 + 15 * 392 + 10 * 192))

section "default route moved to nic1: nic1 at layer node, eth0 detached"
tb__ip n1 route replace default via "$GW_IP" dev nic1 || die "move default route"
wait_until 5 grep -q 'msg="detached" device=eth0 ' "$LOG" || bad "eth0 not detached within 5 s"
wait_until 5 grep -q 'msg="attached" device=nic1 .*layer=node' "$LOG" ||
	bad "nic1 not attached within 5 s"
check "attached at layer node" "$(attached node)" 1
check "eth0 attached once over the whole run (no re-attach in the gap)" \
	"$(logged 'msg="attached" device=eth0 .*layer=node')" 1
check "eth0 detached once" "$(logged 'msg="detached" device=eth0 ')" 1
check "nic1 attached once" "$(logged 'msg="attached" device=nic1 .*layer=node')" 1
check "no eth0 series" "$(node_series eth0)" 0
check "nic1 series: 6 families" "$(node_series nic1)" 6
check_cmd "eth0 unhooked (tcx links released)" wait_until 2 hooked eth0 0
check "nic1 hooked both ways" "$(our_tcx nic1 ingress) $(our_tcx nic1 egress)" "1 1"
snap m0
tb_send_udp n1 "$GW_IP" 12 200
tb_send_udp n1a n2b 10 100 # leaves through eth0, no longer counted
snap m1
expect_node m0 m1 nic1 0 0 12 $((12 * 242))
check "eth0 still carried the cross-node batch (kernel)" "$(kdelta m0 m1 eth0 tx_packets)" 10
check "no eth0 series after the batch" "$(grep -c 'device="eth0",layer=' "$SNAP/m1.prom")" 0

section "done"
tb_stop_agent n1 TERM
check "agent exit status after SIGTERM" "$?" 0
check "nic1 left hooked both ways after SIGTERM (counting for the next agent)" \
	"$(our_tcx nic1 ingress) $(our_tcx nic1 egress)" "1 1"
if grep -E 'level=error' "$LOG"; then bad "agent logged errors"; else ok; fi
tb_down
for ns in $(ip netns list | awk '{ print $1 }'); do
	case $ns in "$TB_TAG"-*) bad "namespace $ns left behind" ;; esac
done
[ -e "$TB_RUN" ] && bad "$TB_RUN left behind"
check_summary
