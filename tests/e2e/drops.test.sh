#!/usr/bin/env bash
# Where packets die, end to end: the agent in both node namespaces of the two-node flannel testbed
# (pods made by the real CNI plugins through go-cni, so the agent finds each pod's network
# namespace from the netns path of libcni's cache file), known drops and
# exact counter deltas, each drop count also compared with the kernel's own counter:
#   1  an nft rule in n1's forward chain drops N datagrams n1a -> n2b: N NETFILTER_DROP at cni0
#      (layer bridge) on n1 (= the rule's counter), none on n2; N drops made in namespaces that
#      are neither a node nor a pod (nft output drop with no device yet, closed ports over a veth
#      and over lo) appear on neither agent
#   2  N datagrams to a closed port in pod n1b: N NO_SOCKET in n1b's nodepath_pod_drops_total
#      (= Udp NoPorts in n1b)
#   3  the flannel MTU mistake: pod n1m with eth0 and host veth at MTU 1500 sends N DF datagrams of
#      1460 bytes (IP_PMTUDISC_PROBE) to n2a across flannel.1 at 1450: N PKT_TOO_BIG on n1 where
#      the kernel drops them, in ip_forward with skb->dev = cni0 (tracefs skb:kfree_skb shows the
#      stack br_handle_frame_finish -> ip_rcv -> ip_forward), so device "cni0", layer "bridge"
#      (= Ip FragFails of n1)
#   4  cross-node traffic both ways: VXLAN transmit on eth0 = flannel.1 transmit packets, bytes
#      +50 each, receive the same on the other node (and both = the kernel's device counters)
#   5  two pods with IPv6 turned on: their DAD/RS/MLD chatter is link_local, never external
#      (link_local = every packet their eth0 counted), and N datagrams between their fe80::
#      addresses are exactly N link_local each way
#   6  N datagrams consumed by an open socket (same node and cross node) change no drop series
#   7  n1's agent restarts: every drop series of phases 1-3 is carried over exactly, and N more
#      closed-port datagrams count N on top
# Every phase also checks that nothing else was counted as a drop on either agent. The scrape
# itself is one real drop in the node's namespace: the agent's HTTP server (libmicrohttpd) closes
# the connection first, and when curl's FIN arrives the kernel destroys that socket with a segment
# still queued (tracefs: tcp_fin -> inet_csk_destroy_sock -> sk_stream_kill_queues, QUEUE_PURGE;
# no device, so layer "other", device ""). Exactly one per scrape, counted by the next one; a
# snapshot scrapes each agent once.
#
# Usage: bash tests/e2e/drops.test.sh build/nodepath   (root; exit 0 = pass)
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/lib_pods.sh
. tests/e2e/lib_pods.sh
# shellcheck source=tests/e2e/lib/check.sh
. tests/e2e/lib/check.sh

N=40          # datagrams per drop batch
DROP_PORT=5203
CLOSED_PORT=5299
V6_PORT=5206

check_gt() { # DESC GOT MIN: GOT > MIN
	if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 > b + 0) }'; then ok "$1"; else bad "$1: got '$2', want > $3"; fi
}
note() { echo "    $*"; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary $BIN (build first)"
for c in ip bridge nft curl "$TB_PY"; do
	command -v "$c" >/dev/null || die "$c not found (scripts/setup.sh --test)"
done
for c in bridge host-local loopback portmap; do
	[ -x "$TB_CNI_PLUGINS/$c" ] || die "CNI plugin $c missing (scripts/setup.sh --test)"
done
tb_cni_build "$(dirname "$BIN")" || die "building npcni"

tb_trap
drops_exit() {
	local f n
	for n in $TB_NODES; do tb_stop_agent "$n" TERM 2>/dev/null; done
	if [ "$CHECK_FAILED" -ne 0 ] || [ "${DONE:-0}" -ne 1 ]; then
		for f in "$TB_RUN"/log/agent-*.log; do
			[ -e "$f" ] || continue
			echo "--- last lines of $f:" >&2
			tail -n 20 "$f" >&2
		done
	fi
	tb_down 2>/dev/null
}
trap drops_exit EXIT

# --- the testbed -----------------------------------------------------------------------------
TB_UP_PODS= tb_up || die "testbed"
W=$TB_RUN/drops
mkdir -p "$W" || die "mkdir"
echo "testbed $TB_TAG"
tb_add_cni_pod n1 n1a shop web-0 || die "CNI ADD n1a"
tb_add_cni_pod n1 n1b shop cart-0 || die "CNI ADD n1b"
tb_add_cni_pod n2 n2a shop db-0 || die "CNI ADD n2a"
tb_add_cni_pod n2 n2b data ingest-0 || die "CNI ADD n2b"
# The classic flannel mistake: a pod whose veth pair kept MTU 1500 behind a 1450 overlay.
tb_add_cni_pod n1 n1m shop mtu-1500-0 || die "CNI ADD n1m"
tb__ip n1m link set eth0 mtu 1500 || die "MTU of n1m"
tb__ip n1 link set "$(tb_pod_veth n1m)" mtu 1500 || die "MTU of n1m's host veth"
# Two pods that get IPv6 in phase 5 (created silent like every testbed pod).
tb_add_cni_pod n1 v6a ipv6 talk-a || die "CNI ADD v6a"
tb_add_cni_pod n1 v6b ipv6 talk-b || die "CNI ADD v6b"
for n in $TB_NODES; do lp_write_subnet_env "$n" || die "subnet.env $n"; done
for p in $(tb_pods); do
	grep -qF "/netns/$(tb_ns "$p")\"" "$(lp_cache_file "$p")" ||
		die "cache file of $p does not name its network namespace"
done

tb_exec n1 nft -f - <<NFT || die "nft rule on n1"
table inet np_e2e_drops {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip saddr $(tb_pod_ip n1a) ip daddr $(tb_pod_ip n2b) udp dport $DROP_PORT counter drop
	}
}
NFT

# Namespaces that are neither a node nor a pod: fa -- veth -- fb, and an nft output rule in fa.
tb__mkns fa || die "namespace fa"
tb__mkns fb || die "namespace fb"
tb__ip fa link add eth0 type veth peer name eth0 netns "$(tb_ns fb)" || die "veth fa-fb"
tb__ip fa addr add 192.0.2.1/24 dev eth0 || die "addr fa"
tb__ip fb addr add 192.0.2.2/24 dev eth0 || die "addr fb"
tb__ip fa link set eth0 up || die "up fa"
tb__ip fb link set eth0 up || die "up fb"
tb__ip fa neigh replace 192.0.2.2 lladdr "$(tb_exec fb cat /sys/class/net/eth0/address)" \
	dev eth0 nud permanent || die "neigh fa"
tb_exec fa nft -f - <<NFT || die "nft rule in fa"
table inet np_e2e_foreign {
	chain output {
		type filter hook output priority 0; policy accept;
		udp dport $DROP_PORT counter drop
	}
}
NFT

for n in $TB_NODES; do lp_start_agent "$n" "$BIN" || die "agent $n"; done

# --- helpers ---------------------------------------------------------------------------------
# snap NAME: both agents' metrics in $W/NAME-NODE.prom
snap() {
	local n
	for n in $TB_NODES; do
		tb_scrape "$n" >"$W/$1-$n.prom" || die "scrape $n"
	done
}
# m NAME NODE FAMILY [SELECTOR]: a sample sum from a snapshot, 0 when absent
m() { tb_metric0 "$W/$1-$2.prom" "$3" "${4:-}"; }
# d A B NODE FAMILY [SELECTOR]: growth between two snapshots
d() { lp_delta "$W/$1-$3.prom" "$W/$2-$3.prom" "$4" "${5:-}"; }
# The drop each scrape causes (see the header), and the drops but that one.
OWN='layer="other",device="",reason="QUEUE_PURGE"'
others() { # A B NODE
	awk -v a="$(d "$1" "$2" "$3" nodepath_drops_total)" \
		-v b="$(d "$1" "$2" "$3" nodepath_drops_total "$OWN")" 'BEGIN { printf "%.17g\n", a - b }'
}
# changed A B NODE: the drop series that grew between two snapshots, with their growth
changed() {
	awk '/^nodepath_(pod_)?drops_total\{/ {
		if (FILENAME == ARGV[1]) { a[$1] = $2; next }
		if ($2 != a[$1]) printf "      %s +%s\n", $1, $2 - a[$1] }' "$W/$1-$3.prom" "$W/$2-$3.prom"
}
# quiet A B EXPECT_N1 EXPECT_N1_PODS: nothing but the expected drops on either agent
quiet() {
	local n want wantp f0=$CHECK_FAILED
	for n in $TB_NODES; do
		want=0 wantp=0
		[ "$n" = n1 ] && want=$3 wantp=$4
		check "$2: $n: node drops (but the scrape's own)" "$(others "$1" "$2" "$n")" "$want"
		check "$2: $n: the scrape's own drop" "$(d "$1" "$2" "$n" nodepath_drops_total "$OWN")" 1
		check "$2: $n: pod drops" "$(d "$1" "$2" "$n" nodepath_pod_drops_total)" "$wantp"
		[ "$CHECK_FAILED" = "$f0" ] || { echo "    drop series of $n that grew from $1 to $2:"; changed "$1" "$2" "$n"; }
		f0=$CHECK_FAILED
	done
}
# snmp NS Ip|Udp FIELD: a /proc/net/snmp counter of a testbed namespace
snmp() {
	tb_exec "$1" awk -v t="$2:" -v f="$3" '
		$1 == t && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == t && h { print $c[f]; exit }' /proc/net/snmp
}
snmp6() { # NS FIELD: a /proc/net/snmp6 counter of a testbed namespace
	tb_exec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}
nft_packets() { # NS TABLE: packets of the table's only counter
	tb_exec "$1" nft list table inet "$2" | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
sysstat() { # NS DEV FIELD
	tb_exec "$1" cat "/sys/class/net/$2/statistics/$3"
}
# udp_to NS IP PORT COUNT PAYLOAD [probe|eperm]: datagrams from any namespace, paced; probe: DF
# without path MTU (IP_PMTUDISC_PROBE); eperm: every send must fail with EPERM (an nft output
# rule dropped it)
udp_to() {
	tb_exec "$1" "$TB_PY" -c '
import socket, sys, time
dst, port, n, size, probe = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
if probe == "probe":
    s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER = IP_PMTUDISC_PROBE: DF, no PMTU
buf = b"d" * size
for i in range(n):
    if probe == "eperm":
        try:
            s.sendto(buf, (dst, port))
            sys.exit("sent although an output rule drops it")
        except PermissionError:
            pass
    elif s.sendto(buf, (dst, port)) != size:
        sys.exit("short send")
    if i % 16 == 15:
        time.sleep(0.002)
' "$2" "$3" "$4" "$5" "${6:-}"
}

# --- the drop part runs and knows our namespaces -------------------------------------------
section "agents: drop state and watched namespaces"
npods() { tb_pods "$1" | wc -l; }
for n in $TB_NODES; do
	want_pods=$(npods "$n")
	got=""
	t_end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$t_end" ]; do
		tb_scrape "$n" >"$W/ns-$n.prom" 2>/dev/null || true
		got="$(tb_metric0 "$W/ns-$n.prom" nodepath_drop_namespaces 'kind="node"') $(tb_metric0 "$W/ns-$n.prom" nodepath_drop_namespaces 'kind="pod"')"
		[ "$got" = "1 $want_pods" ] && break
		sleep 0.02
	done
	check "$n: drop namespaces node, pod" "$got" "1 $want_pods"
	check "$n: nodepath_drops_state loaded" \
		"$(tb_metric0 "$W/ns-$n.prom" nodepath_drops_state 'state="loaded"')" 1
	check "$n: nodepath_drops_state failed" \
		"$(tb_metric0 "$W/ns-$n.prom" nodepath_drops_state 'state="failed"')" 0
	note "$n watches $got (node, pod) namespaces for drops"
	for p in $(tb_pods "$n"); do
		lp_wait_names "$n" "$p" >/dev/null || bad "$n: pod $p not named"
	done
done

# --- 1: nft forward drop, and namespaces nobody watches ------------------------------------
section "1: nft forward-chain drop n1a -> n2b"
snap s0
nft0=$(nft_packets n1 np_e2e_drops)
tb_send_udp n1a n2b "$N" 300 "$DROP_PORT" || bad "send n1a -> n2b"
lp_settle
snap s1
sel='layer="bridge",device="cni0",reason="NETFILTER_DROP"'
check "nft counter on n1" "$(($(nft_packets n1 np_e2e_drops) - nft0))" "$N"
check "n1 NETFILTER_DROP at cni0 (bridge)" "$(d s0 s1 n1 nodepath_drops_total "$sel")" "$N"
check "n2 NETFILTER_DROP" "$(d s0 s1 n2 nodepath_drops_total 'reason="NETFILTER_DROP"')" 0
quiet s0 s1 "$N" 0
note "n1 NETFILTER_DROP{$sel} +$(d s0 s1 n1 nodepath_drops_total "$sel"), nft counter +$N"

section "1b: drops in namespaces that are neither node nor pod"
noports_fa0=$(snmp fa Udp NoPorts)
noports_fb0=$(snmp fb Udp NoPorts)
nftfa0=$(nft_packets fa np_e2e_foreign)
udp_to fa 192.0.2.2 "$DROP_PORT" "$N" 100 eperm || bad "send fa nft" # dropped at output, no device yet
udp_to fa 192.0.2.2 "$CLOSED_PORT" "$N" 100 || bad "send fa -> fb" # NO_SOCKET at fb's eth0
udp_to fa 127.0.0.1 "$CLOSED_PORT" "$N" 100 || bad "send fa lo"    # NO_SOCKET at fa's lo
lp_settle
snap s2
check "fa nft counter" "$(($(nft_packets fa np_e2e_foreign) - nftfa0))" "$N"
check "fb Udp NoPorts" "$(($(snmp fb Udp NoPorts) - noports_fb0))" "$N"
check "fa Udp NoPorts" "$(($(snmp fa Udp NoPorts) - noports_fa0))" "$N"
quiet s1 s2 0 0
for n in $TB_NODES; do
	check "$n: NETFILTER_DROP from foreign namespaces" \
		"$(d s1 s2 "$n" nodepath_drops_total 'reason="NETFILTER_DROP"')" 0
	check "$n: drops at lo (fa's NO_SOCKET at its lo)" \
		"$(d s1 s2 "$n" nodepath_drops_total 'device="lo"')" 0
done

# --- 2: closed port in a pod ---------------------------------------------------------------
section "2: closed port in pod n1b"
noports0=$(snmp n1b Udp NoPorts)
tb_send_udp n2a n1b "$N" 100 "$CLOSED_PORT" || bad "send n2a -> n1b"
lp_settle
snap s3
psel="namespace=\"shop\",pod=\"cart-0\",reason=\"NO_SOCKET\""
check "n1b Udp NoPorts" "$(($(snmp n1b Udp NoPorts) - noports0))" "$N"
check "n1b NO_SOCKET in nodepath_pod_drops_total" "$(d s2 s3 n1 nodepath_pod_drops_total "$psel")" "$N"
quiet s2 s3 0 "$N"
note "$(grep "^nodepath_pod_drops_total{.*pod=\"cart-0\"" "$W/s3-n1.prom" | head -3)"

# --- 3: DF datagrams bigger than the overlay -----------------------------------------------
section "3: MTU 1500 pod -> flannel.1 at 1450, DF 1460 B"
fragfails0=$(snmp n1 Ip FragFails)
udp_to n1m "$(tb_pod_ip n2a)" "$TB_SINK_PORT" "$N" 1460 probe || bad "send n1m -> n2a"
lp_settle
snap s4
msel='layer="bridge",device="cni0",reason="PKT_TOO_BIG"'
check "n1 Ip FragFails" "$(($(snmp n1 Ip FragFails) - fragfails0))" "$N"
check "n1 PKT_TOO_BIG at cni0 (bridge)" "$(d s3 s4 n1 nodepath_drops_total "$msel")" "$N"
check "n1 PKT_TOO_BIG anywhere" "$(d s3 s4 n1 nodepath_drops_total 'reason="PKT_TOO_BIG"')" "$N"
quiet s3 s4 "$N" 0
note "n1 PKT_TOO_BIG{$msel} +$(d s3 s4 n1 nodepath_drops_total "$msel"), Ip FragFails +$N"

# --- 4 and 6: VXLAN reconciliation; consumed datagrams are not drops ------------------------
section "4+6: cross-node traffic both ways, consumed by the sinks"
declare -A k0
for n in $TB_NODES; do
	for dev in eth0 flannel.1; do
		for f in rx_packets rx_bytes tx_packets tx_bytes; do
			k0[$n.$dev.$f]=$(sysstat "$n" "$dev" "$f")
		done
	done
done
in0_n2a=$(snmp n2a Udp InDatagrams)
in0_n1b=$(snmp n1b Udp InDatagrams)
N4=50
tb_send_udp n1a n2a "$N4" 600 || bad "send n1a -> n2a"
tb_send_udp n2b n1b "$N4" 900 || bad "send n2b -> n1b"
lp_settle
snap s5
check "n2a Udp InDatagrams" "$(($(snmp n2a Udp InDatagrams) - in0_n2a))" "$N4"
check "n1b Udp InDatagrams" "$(($(snmp n1b Udp InDatagrams) - in0_n1b))" "$N4"
for pair in "n1 600 tx transmit" "n2 900 tx transmit" "n2 600 rx receive" "n1 900 rx receive"; do
	read -r n p k dir <<<"$pair"
	vp=$(d s4 s5 "$n" "nodepath_vxlan_${dir}_packets_total" 'device="eth0"')
	vb=$(d s4 s5 "$n" "nodepath_vxlan_${dir}_bytes_total" 'device="eth0"')
	fp=$(d s4 s5 "$n" "nodepath_interface_${dir}_packets_total" 'device="flannel.1"')
	fb=$(d s4 s5 "$n" "nodepath_interface_${dir}_bytes_total" 'device="flannel.1"')
	check "$n VXLAN $dir packets = flannel.1 $dir packets" "$vp" "$fp"
	check "$n VXLAN $dir bytes = flannel.1 $dir bytes + 50 per packet" "$vb" "$((fb + 50 * fp))"
	check "$n VXLAN $dir packets" "$vp" "$N4"
	check "$n VXLAN $dir bytes" "$vb" "$((N4 * (p + 92)))"
	check "$n eth0 ${k}_packets (kernel)" \
		"$(($(sysstat "$n" eth0 "${k}_packets") - ${k0[$n.eth0.${k}_packets]}))" "$vp"
	check "$n eth0 ${k}_bytes (kernel)" \
		"$(($(sysstat "$n" eth0 "${k}_bytes") - ${k0[$n.eth0.${k}_bytes]}))" "$vb"
	check "$n flannel.1 ${k}_packets (kernel)" \
		"$(($(sysstat "$n" flannel.1 "${k}_packets") - ${k0[$n.flannel.1.${k}_packets]}))" "$fp"
	note "$n $dir: VXLAN $vp packets $vb bytes, flannel.1 $fp packets $fb bytes"
done
quiet s4 s5 0 0
section "6: same-node datagrams to an open port"
in0_n1b=$(snmp n1b Udp InDatagrams)
tb_send_udp n1a n1b "$N" 200 || bad "send n1a -> n1b"
lp_settle
snap s6
check "n1b Udp InDatagrams" "$(($(snmp n1b Udp InDatagrams) - in0_n1b))" "$N"
quiet s5 s6 0 0

# --- 5: IPv6 on, nothing outside the node --------------------------------------------------
section "5: pods with IPv6 on"
v6sel() { echo "$(lp_sel "$1"),direction=\"$2\",path=\"$3\""; }
path_d() { # A B POD transmit|receive CLASS [bytes]
	d "$1" "$2" n1 "nodepath_path_${6:-packets}_total" "$(v6sel "$3" "$4" "$5")"
}
declare -A e0
for p in v6a v6b; do
	e0[$p.tx]=$(sysstat "$p" eth0 tx_packets)
	e0[$p.rx]=$(sysstat "$p" eth0 rx_packets)
done
for x in n1 n1a n1b n1m; do e0[$x.discards]=$(snmp6 "$x" Ip6InDiscards); done
snap s7
for p in v6a v6b; do
	# one router solicitation (the kernel's default is to keep soliciting), DAD and MLD as usual
	tb_exec "$p" sysctl -qw net.ipv6.conf.eth0.router_solicitations=1 \
		net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.lo.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0 || die "IPv6 on in $p"
done
# until DAD is done and both pods have been silent for 2 s (RS, MLD reports: a few seconds)
lla() { tb__ip "$1" -6 addr show dev eth0 scope link 2>/dev/null | awk '/inet6/ { sub("/.*", "", $2); print $2 }'; }
quiet_for=0
for _ in $(seq 100); do
	before="$(sysstat v6a eth0 tx_packets) $(sysstat v6b eth0 tx_packets)"
	sleep 0.2
	after="$(sysstat v6a eth0 tx_packets) $(sysstat v6b eth0 tx_packets)"
	if [ "$before" = "$after" ] && [ -z "$(tb__ip v6a -6 addr show tentative 2>/dev/null)" ] &&
		[ -z "$(tb__ip v6b -6 addr show tentative 2>/dev/null)" ]; then
		quiet_for=$((quiet_for + 1))
	else
		quiet_for=0
	fi
	[ -n "$(lla v6a)" ] && [ -n "$(lla v6b)" ] || quiet_for=0
	[ "$quiet_for" -ge 10 ] && break
done
[ "$quiet_for" -ge 10 ] || bad "IPv6 pods never went quiet"
snap s8
for p in v6a v6b; do
	tx=$(($(sysstat "$p" eth0 tx_packets) - ${e0[$p.tx]}))
	rx=$(($(sysstat "$p" eth0 rx_packets) - ${e0[$p.rx]}))
	check_gt "$p sent IPv6 chatter (eth0 tx_packets)" "$tx" 0
	check "$p link_local transmit = every packet it sent" "$(path_d s7 s8 "$p" transmit link_local)" "$tx"
	check "$p link_local receive = every packet it got" "$(path_d s7 s8 "$p" receive link_local)" "$rx"
	check "$p external transmit" "$(path_d s7 s8 "$p" transmit external)" 0
	check "$p external receive" "$(path_d s7 s8 "$p" receive external)" 0
	note "$p: DAD/RS/MLD $tx packets sent, $rx received, all link_local"
done
# The chatter is multicast: cni0 and the pods without IPv6 get every frame and drop it.
chatter=$(($(sysstat v6a eth0 tx_packets) - ${e0[v6a.tx]} + $(sysstat v6b eth0 tx_packets) - ${e0[v6b.tx]}))
check "n1 Ip6InDiscards" "$(($(snmp6 n1 Ip6InDiscards) - ${e0[n1.discards]}))" "$chatter"
check "n1 IPV6DISABLED at cni0 (bridge)" \
	"$(d s7 s8 n1 nodepath_drops_total 'layer="bridge",device="cni0",reason="IPV6DISABLED"')" "$chatter"
for p in n1a n1b n1m; do
	check "$p Ip6InDiscards" "$(($(snmp6 "$p" Ip6InDiscards) - ${e0[$p.discards]}))" "$chatter"
	check "$p IPV6DISABLED in the pod" \
		"$(d s7 s8 n1 nodepath_pod_drops_total "$(lp_sel "$p"),reason=\"IPV6DISABLED\"")" "$chatter"
done
note "IPv6 chatter: $chatter frames, each dropped at cni0 and in each of the 3 pods without IPv6"

# N datagrams between the two link-local addresses (neighbours pinned: no NS/NA on the way)
a6=$(lla v6a)
b6=$(lla v6b)
if [ -z "$a6" ] || [ -z "$b6" ]; then die "no link-local address on v6a/v6b"; fi
tb__ip v6a -6 neigh replace "$b6" lladdr "$(tb_pod_field v6b mac)" dev eth0 nud permanent || die "neigh"
tb__ip v6b -6 neigh replace "$a6" lladdr "$(tb_pod_field v6a mac)" dev eth0 nud permanent || die "neigh"
ip netns exec "$(tb_ns v6b)" "$TB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("::", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while True:
    s.recv(65536)
' "$V6_PORT" "$TB_RUN/sink6.ready" </dev/null >/dev/null 2>>"$TB_RUN/log/sink6.log" &
echo $! >"$TB_RUN/pids/sink6-v6b"
disown $!
for _ in $(seq 200); do [ -e "$TB_RUN/sink6.ready" ] && break; sleep 0.01; done
[ -e "$TB_RUN/sink6.ready" ] || die "IPv6 sink in v6b"
in6_0=$(snmp6 v6b Udp6InDatagrams)
snap s9
udp_to v6a "$b6%eth0" "$V6_PORT" "$N" 100 || bad "send v6a -> v6b link-local"
lp_settle
snap s10
check "v6b Udp6InDatagrams" \
	"$(($(snmp6 v6b Udp6InDatagrams) - in6_0))" "$N"
check "v6a link_local transmit packets" "$(path_d s9 s10 v6a transmit link_local)" "$N"
check "v6a link_local transmit bytes" "$(path_d s9 s10 v6a transmit link_local bytes)" "$((N * 162))"
check "v6b link_local receive packets" "$(path_d s9 s10 v6b receive link_local)" "$N"
check "v6b link_local receive bytes" "$(path_d s9 s10 v6b receive link_local bytes)" "$((N * 162))"
for p in v6a v6b; do
	check "$p external (all of phase 5)" \
		"$(d s7 s10 n1 nodepath_path_packets_total "$(lp_sel "$p"),path=\"external\"")" 0
done
# What an operator sees on n1 at the end (drop, VXLAN and per-hop families).
echo "drops.test: n1's scrape at the end (excerpt):"
grep -E '^nodepath_(drops_total|pod_drops_total|vxlan_transmit_(packets|bytes)_total|interface_transmit_packets_total\{device="flannel)' \
	"$W/s10-n1.prom" | sed 's/^/    /'

# --- 7: an agent restart keeps the counts ---------------------------------------------------
section "7: n1's agent restarts: drop counters carried over, counting goes on"
tb_stop_agent n1 TERM || bad "n1 agent exit status on SIGTERM"
lp_start_agent n1 "$BIN" || die "agent n1 restart"
want_pods=$(npods n1)
# Ready for the checks once every pod namespace is watched again and the pods are named (the
# CNI cache is read in the background: until then a pod's drops have no pod labels).
ready=0
for _ in $(seq 500); do
	scraped=yes
	tb_scrape n1 >"$W/ns-n1.prom" 2>/dev/null || scraped=no
	got_ns=$(tb_metric0 "$W/ns-n1.prom" nodepath_drop_namespaces 'kind="pod"')
	got_drops=$(tb_metric0 "$W/ns-n1.prom" nodepath_pod_drops_total "$psel")
	[ "$got_ns" = "$want_pods" ] && [ "$got_drops" != 0 ] && ready=1 && break
	sleep 0.02
done
# not ready: the checks below fail with the numbers; this says what the agent showed last
[ "$ready" = 1 ] || echo "drops.test: n1 not ready after the restart (last scrape answered:" \
	"$scraped): pod namespaces $got_ns of $want_pods, pod drops{$psel} $got_drops"
snap s11
for x in "$sel" "$msel"; do
	check "n1 drops{$x} across the restart" "$(m s11 n1 nodepath_drops_total "$x")" \
		"$(m s10 n1 nodepath_drops_total "$x")"
done
check "n1 pod drops{$psel} across the restart" "$(m s11 n1 nodepath_pod_drops_total "$psel")" \
	"$(m s10 n1 nodepath_pod_drops_total "$psel")"
check_gt "n1 pod drops{$psel} carried (not zero)" "$(m s11 n1 nodepath_pod_drops_total "$psel")" 0
tb_send_udp n2a n1b "$N" 100 "$CLOSED_PORT" || bad "send n2a -> n1b"
lp_settle
snap s12
check "n1b NO_SOCKET after the restart" "$(d s11 s12 n1 nodepath_pod_drops_total "$psel")" "$N"

DONE=1
check_summary
