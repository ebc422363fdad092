#!/usr/bin/env bash
# Where pod traffic goes, end to end: the two-node testbed with CNI cache files and subnet.env on
# each node (as containerd and flanneld write them), an "internet" namespace on the underlay,
# kube-proxy-like nft DNAT for a service IP and a NodePort, and one agent per node. Asserts exact
# nodepath_path_{packets,bytes}_total per pod (by name), direction and path class, and
# nodepath_nodeport_receive_{packets,bytes}_total, for:
#   same_node (n1a -> n1b), cross_node (n1a -> n2a, both agents), host (n1a -> n1's NIC IP and
#   cni0 gateway), external (n1a -> the internet namespace), service (n1a -> 10.96.0.10, DNATed
#   to n1b: "service" on the sender as seen before DNAT, "same_node" on the receiver) and
#   NodePort (n2 -> n1:30080/udp DNATed to n1b, and a TCP SYN to n1:30081).
# Byte counts are skb->len at tc: UDP payload P gives P+42.
# Usage: bash tests/e2e/paths.test.sh build/nodepath   (root; exit 0 = pass)
set -uo pipefail
bin=$(readlink -f "${1:-build/nodepath}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/testbed.sh
. "$here/testbed.sh"
# shellcheck source=tests/e2e/cni_cache.sh
. "$here/cni_cache.sh"

fails=0
ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
expect_eq() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: got '$2' want '$3'"; fi
}
die() {
	echo "FATAL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$bin" ] || die "no agent binary $bin"
command -v nft >/dev/null || die "nft missing (Debian package nftables)"
tb_trap
tb_up || die "testbed did not come up"
echo "testbed $TB_TAG"

# Pod names from each node's CNI cache; subnet.env per node.
declare -A podname=([n1a]=web-0 [n1b]=api-7c9d5f-2xk8p [n2a]=db-0 [n2b]=cache-0)
for n in n1 n2; do
	mkdir -p "$TB_RUN/$n/cni-results"
	cni_write_subnet_env "$TB_RUN/$n/subnet.env" "$n"
	for p in $(tb_pods "$n"); do
		cni_write_cache "$TB_RUN/$n/cni-results" "$p" shop "${podname[$p]}" >/dev/null ||
			die "cache file for $p"
	done
done

# The "internet": a namespace on the underlay switch, 192.168.250.99, with a UDP sink.
INET_IP=192.168.250.99
INET_MAC=02:00:c0:a8:fa:63
tb__mkns inet || die "inet namespace"
ip -n "$(tb_ns ul)" link add ul-inet type veth peer name eth0 netns "$(tb_ns inet)" || die "inet veth"
ip -n "$(tb_ns ul)" link set ul-inet master ul0 up || die "inet port"
tb__ip inet link set eth0 address "$INET_MAC" up || die "inet eth0"
tb__ip inet addr add "$INET_IP/24" dev eth0 || die "inet addr"
bridge -n "$(tb_ns ul)" fdb replace "$INET_MAC" dev ul-inet master static || die "inet fdb"
tb__ip n1 neigh replace "$INET_IP" lladdr "$INET_MAC" dev eth0 nud permanent || die "inet neigh"
tb__start_sink inet || die "inet sink"
tb__start_sink n1 || die "n1 sink" # so pod -> node datagrams are not answered with ICMP

# kube-proxy-like DNAT in n1: a ClusterIP and a NodePort, both to n1b's sink.
n1b_ip=$(tb_pod_ip n1b)
tb_exec n1 nft -f - <<EOF || die "nft rules"
table ip np_test_kubeproxy {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.96.0.10 udp dport 53 dnat to $n1b_ip:$TB_SINK_PORT
		iifname "eth0" udp dport 30080 dnat to $n1b_ip:$TB_SINK_PORT
	}
}
EOF

for n in n1 n2; do
	tb_start_agent "$n" "$bin" --path.cni-cache="$TB_RUN/$n/cni-results" \
		--path.flannel-subnet="$TB_RUN/$n/subnet.env" || die "agent on $n"
done
# The link watch pushes subnet.env's CIDRs to the datapath on its first tick.
for n in n1 n2; do
	for _ in $(seq 300); do
		grep -q 'path classes updated' "$(tb_agent_log "$n")" && break
		sleep 0.02
	done
	grep -q 'path classes updated' "$(tb_agent_log "$n")" || die "no path classes on $n"
done
sleep 0.2

snap() { # TAG: scrape both nodes into $TB_RUN/<node>.<tag>
	local n
	for n in n1 n2; do tb_scrape "$n" >"$TB_RUN/$n.$1" || bad "scrape $n"; done
}
# delta NODE FAMILY SELECTOR: value in "after" minus value in "before" (0 when absent)
delta() {
	local a b
	a=$(tb_metric0 "$TB_RUN/$1.after" "$2" "$3")
	b=$(tb_metric0 "$TB_RUN/$1.before" "$2" "$3")
	echo $((${a%.*} - ${b%.*}))
}
pod_sel() { # POD: the pod's labels on path series
	echo "namespace=\"shop\",pod=\"${podname[$1]}\",interface=\"$(tb_pod_veth "$1")\""
}
path() { # NODE POD DIRECTION PATH packets|bytes
	delta "$1" "nodepath_path_$5_total" "$(pod_sel "$2"),direction=\"$3\",path=\"$4\""
}
step() { # DESC: the traffic function runs between the two snapshots
	local desc=$1
	shift
	snap before
	"$@"
	sleep 0.3
	snap after
	echo "--- $desc"
}

# same node: 10 x 100 B n1a -> n1b
step "same_node" tb_send_udp n1a n1b 10 100
expect_eq "same_node n1a transmit packets" "$(path n1 n1a transmit same_node packets)" 10
expect_eq "same_node n1a transmit bytes" "$(path n1 n1a transmit same_node bytes)" 1420
expect_eq "same_node n1b receive packets" "$(path n1 n1b receive same_node packets)" 10
expect_eq "same_node n1b receive bytes" "$(path n1 n1b receive same_node bytes)" 1420
expect_eq "same_node: nothing external" "$(path n1 n1a transmit external packets)" 0

# cross node: 20 x 1000 B n1a -> n2a
step "cross_node" tb_send_udp n1a n2a 20 1000
expect_eq "cross_node n1a transmit packets" "$(path n1 n1a transmit cross_node packets)" 20
expect_eq "cross_node n1a transmit bytes" "$(path n1 n1a transmit cross_node bytes)" 20840
expect_eq "cross_node n2a receive packets" "$(path n2 n2a receive cross_node packets)" 20
expect_eq "cross_node n2a receive bytes" "$(path n2 n2a receive cross_node bytes)" 20840
expect_eq "cross_node: not same_node on n2" "$(path n2 n2a receive same_node packets)" 0

# pod -> node: 5 x 64 B to n1's NIC address, 5 x 64 B to the cni0 gateway
to_host() {
	tb_send_udp n1a "$(tb_node_ip n1)" 5 64
	tb_send_udp n1a "$TB_POD_NET.1.1" 5 64
}
step "host" to_host
expect_eq "host n1a transmit packets" "$(path n1 n1a transmit host packets)" 10
expect_eq "host n1a transmit bytes" "$(path n1 n1a transmit host bytes)" 1060

# pod -> external: 7 x 200 B to the internet namespace
step "external" tb_send_udp n1a "$INET_IP" 7 200
expect_eq "external n1a transmit packets" "$(path n1 n1a transmit external packets)" 7
expect_eq "external n1a transmit bytes" "$(path n1 n1a transmit external bytes)" 1694

# pod -> service: 9 x 100 B to 10.96.0.10:53, DNATed to n1b
step "service" tb_send_udp n1a 10.96.0.10 9 100 53
expect_eq "service n1a transmit packets" "$(path n1 n1a transmit service packets)" 9
expect_eq "service n1a transmit bytes" "$(path n1 n1a transmit service bytes)" 1278
expect_eq "service: n1b receives from n1a (same_node)" "$(path n1 n1b receive same_node packets)" 9

# NodePort from the underlay: 11 x 300 B UDP n2 -> n1:30080 (DNATed to n1b), one TCP SYN to
# n1:30081 (refused with a RST), and 3 datagrams to a port outside the range.
nodeport() {
	tb_exec n2 "$TB_PY" -c '
import socket, sys
ip = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(11):
    u.sendto(b"p" * 300, (ip, 30080))
for _ in range(3):
    u.sendto(b"q" * 300, (ip, 29999))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.settimeout(2)
try:
    t.connect((ip, 30081))
except (ConnectionRefusedError, socket.timeout):
    pass
' "$(tb_node_ip n1)"
}
step "nodeport" nodeport
expect_eq "nodeport udp packets" "$(delta n1 nodepath_nodeport_receive_packets_total 'protocol="udp"')" 11
expect_eq "nodeport udp bytes" "$(delta n1 nodepath_nodeport_receive_bytes_total 'protocol="udp"')" 3762
expect_eq "nodeport tcp packets" "$(delta n1 nodepath_nodeport_receive_packets_total 'protocol="tcp"')" 1
expect_eq "nodeport: n1b received the DNATed datagrams" \
	"$(delta n1 nodepath_pod_receive_packets_total "$(pod_sel n1b)")" 11
# Not SNATed (like externalTrafficPolicy=Local): the peer is the other node's NIC, which is
# neither this node nor a pod network: external.
expect_eq "nodeport: n1b receive path external" "$(path n1 n1b receive external packets)" 11

echo "--- excerpt (n1)"
grep -E '^nodepath_(path_packets_total|nodeport_receive_packets_total|pod_info)' "$TB_RUN/n1.after" |
	grep -v ' 0$' | head -20
[ "$fails" -eq 0 ] && echo "paths.test: all passed" || echo "paths.test: $fails failed" >&2
[ "$fails" -eq 0 ]
