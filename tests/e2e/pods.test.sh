#!/usr/bin/env bash
# Pods by name, end to end: the two-node testbed whose main pods (n1a n1b n2a n2b) are made by the
# real CNI plugins through containerd's go-cni (so the agent reads the cache files containerd
# leaves, cni-loopback-<id>-lo included), subnet.env written as flanneld writes it, hand-written
# cache files for the hostile cases and the churn, one agent per node namespace, and exact
# per-pod, per-path counter deltas around every traffic batch. Covers:
#   A  subnet.env written after the agent started: nodepath_node_network_info appears and the
#      path classes follow (measured, must be < 5 s; the agent re-reads it every second);
#      a cache directory that appears after the agent started (pod names within 1 s)
#   B  same_node (both directions), cross_node, host (cni0 gateway, node NIC IP, node -> pod),
#      external (an internet namespace behind the node, masqueraded like FLANNEL_IPMASQ),
#      service (nft DNAT of 10.96.0.10:53 like kube-proxy, clients on both nodes; 10.96.0.11 with
#      a UDP echo backend: replies come back to the client as "service"), NodePort from
#      the underlay (30080 masqueraded = externalTrafficPolicy Cluster, 30081 not = Local; a TCP
#      SYN counted as protocol tcp; a port outside the NodePort range not counted)
#   C  nodepath_pod_info labels, one series per pod, equal to what CNI ADD was given and
#      returned; the loopback attachments' files name no pod and are never logged
#   D  hostile cache files (corrupt, truncated, foreign kind, oversized) in the running agent,
#      and a valid file that turns truncated and back: logged once per file (also after the
#      agent's 30 s rescan), counted exactly under the interface label with empty
#      namespace/pod, nothing lost; a valid 256 KiB file (big annotation) never read half
#      written; a stale file (veth gone, file left, its IP reused) names no pod
#   E  churn, twice: 50 pods created and deleted while scraping; labels right in every scrape,
#      no series of a deleted pod left, map entries and RSS back to their level before
#
# What the receive side of a Service shows: the path class is decided from the addresses the
# host veth sees. A client's transmit is seen before DNAT (destination = the ClusterIP), so it
# is "service", and so are the replies it receives (reverse NAT happens before its veth). The
# backend receives after DNAT with the client's real source address, so its
# receive is classed by where the client is: same_node or cross_node for pods, "host" when the
# node masqueraded the packet (NodePort with externalTrafficPolicy=Cluster), "external" when
# the client address is kept (NodePort with externalTrafficPolicy=Local).
#
# Usage: bash tests/e2e/pods.test.sh build/nodepath   (root; exit 0 = pass)
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=$(readlink -f "${1:-build/nodepath}")

# shellcheck source=tests/e2e/lib_pods.sh
. tests/e2e/lib_pods.sh
# shellcheck source=tests/e2e/lib/check.sh
. tests/e2e/lib/check.sh
CHECK_VERBOSE=1
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary $BIN (build first)"
for c in nft curl ip bridge; do
	command -v "$c" >/dev/null || die "$c not found (scripts/setup.sh --test)"
done
for c in bridge host-local loopback portmap; do
	[ -x "$TB_CNI_PLUGINS/$c" ] || die "CNI plugin $c missing (scripts/setup.sh --test)"
done
tb_cni_build "$(dirname "$BIN")" || die "building npcni"

tb_trap
# On the way out: the agents' logs when something failed (with the scrapes, to $LP_LOG_DIR if
# set), then the
# testbed goes (quietly: bash would report every UDP sink it kills).
lp_exit() {
	local f n
	# a churn scraper still looping would keep tb_down waiting for its children forever
	[ -d "${W:-}" ] && touch "$W/churn.stop"
	for n in $TB_NODES; do tb_stop_agent "$n" TERM 2>/dev/null; done # logs complete (LSan)
	[ -n "${LP_LOG_DIR:-}" ] && [ -d "${W:-}" ] && cp -r "$W" "$LP_LOG_DIR/scrapes"
	for f in "$TB_RUN"/log/agent-*.log; do
		[ -e "$f" ] || continue
		[ -n "${LP_LOG_DIR:-}" ] && cp "$f" "$LP_LOG_DIR/"
		if [ "${CHECK_FAILED:-1}" -ne 0 ] || [ "${LP_DONE:-0}" -ne 1 ]; then
			echo "--- last lines of $f:" >&2
			tail -n 30 "$f" >&2
		fi
	done
	tb_down 2>/dev/null
}
trap lp_exit EXIT
TB_UP_PODS= tb_up || die "testbed"
W=$TB_RUN/lp-scrapes
mkdir -p "$W" || die "mkdir"
# add_cni_pod NODE POD K8S_NAMESPACE K8S_NAME: CNI ADD, timed (ms appended to $W/cni-add-ms)
add_cni_pod() {
	local t0
	t0=$(date +%s%N)
	tb_add_cni_pod "$1" "$2" "$3" "$4" || die "CNI ADD of $2"
	echo $((($(date +%s%N) - t0) / 1000000)) >>"$W/cni-add-ms"
}
add_cni_pod n1 n1a shop "cart-$(lp__hex 4)-n1a"
add_cni_pod n1 n1b data ingest-n1b-0
lp_add_external || die "internet namespace"
lp_kube_proxy n1 n1b || die "nft on n1"
lp_kube_proxy n2 n1b || die "nft on n2"
tb__start_sink n1 || die "node sink" # node-local UDP sink for pod -> node traffic
lp_start_echo n1b || die "echo server in n1b"
lp_write_subnet_env n2 || die "subnet.env n2"
# n1's subnet.env is written after its agent started (phase A)
lp_start_agent n1 "$BIN" || die "agent n1"
lp_start_agent n2 "$BIN" || die "agent n2"
echo "pods.test: testbed $TB_TAG up, agents n1 pid $(tb_agent_pid n1), n2 pid $(tb_agent_pid n2)"

# snap TAG: scrape both agents into $W/TAG-<node>.prom
snap() {
	local n
	for n in $TB_NODES; do
		tb_scrape "$n" >"$W/$1-$n.prom" || { bad "scrape of $n ($1)"; return 1; }
	done
}

# expect_path NODE BEFORE AFTER POD transmit|receive PATH COUNT PAYLOAD: between two snaps, the
# pod's PATH counters grew by exactly COUNT packets of PAYLOAD+42 bytes, and nothing else: its
# counters over all paths and its nodepath_pod_* counters in that direction grew by the same.
expect_path() {
	local n=$1 b=$W/$2-$1.prom a=$W/$3-$1.prom p=$4 dir=$5 path=$6 cnt=$7 size=$8 sel what
	sel="$(lp_sel "$p"),direction=\"$dir\""
	what="$n $(lp_field "$p" namespace)/$(lp_field "$p" name) $dir"
	check "$what path=$path packets" \
		"$(lp_delta "$b" "$a" nodepath_path_packets_total "$sel,path=\"$path\"")" "$cnt"
	check "$what path=$path bytes" \
		"$(lp_delta "$b" "$a" nodepath_path_bytes_total "$sel,path=\"$path\"")" \
		$((cnt * (size + 42)))
	check "$what all paths packets" \
		"$(lp_delta "$b" "$a" nodepath_path_packets_total "$sel")" "$cnt"
	check "$what nodepath_pod_${dir}_packets_total" \
		"$(lp_delta "$b" "$a" "nodepath_pod_${dir}_packets_total" "$(lp_sel "$p")")" "$cnt"
	check "$what nodepath_pod_${dir}_bytes_total" \
		"$(lp_delta "$b" "$a" "nodepath_pod_${dir}_bytes_total" "$(lp_sel "$p")")" \
		$((cnt * (size + 42)))
}

# expect_quiet NODE BEFORE AFTER POD transmit|receive: nothing counted for the pod that way
expect_quiet() {
	local n=$1 b=$W/$2-$1.prom a=$W/$3-$1.prom p=$4 dir=$5
	check "$n $(lp_field "$p" name) $dir: no packets" \
		"$(lp_delta "$b" "$a" nodepath_path_packets_total "$(lp_sel "$p"),direction=\"$dir\"")" 0
}

# expect_total BEFORE AFTER N1 N2: over every pod of each node, the path counters grew by exactly
# N1 (n1) and N2 (n2) packets: nothing but the batch was counted anywhere
expect_total() {
	check "n1: all pods, all paths, packets ($1 -> $2)" \
		"$(lp_delta "$W/$1-n1.prom" "$W/$2-n1.prom" nodepath_path_packets_total)" "$3"
	check "n2: all pods, all paths, packets ($1 -> $2)" \
		"$(lp_delta "$W/$1-n2.prom" "$W/$2-n2.prom" nodepath_path_packets_total)" "$4"
}

# expect_nodeport NODE BEFORE AFTER packets|bytes PROTOCOL WANT [NOTE]: between two snaps,
# NODE's nodepath_nodeport_receive_<packets|bytes>_total{protocol=PROTOCOL} grew by exactly WANT
expect_nodeport() {
	check "$1 nodepath_nodeport_receive_$4_total{protocol=$5}${7:+ ($7)}" \
		"$(lp_delta "$W/$2-$1.prom" "$W/$3-$1.prom" "nodepath_nodeport_receive_$4_total" \
			"protocol=\"$5\"")" "$6"
}

# settle BEFORE N1 N2: wait until the path packet counters of all pods grew by N1 on n1 and N2
# on n2 since snap BEFORE (veth and VXLAN delivery is asynchronous to sendto); the exact checks
# that follow report any difference
path_total() { tb_scrape "$1" | tb_metric /dev/stdin nodepath_path_packets_total; }
settle() {
	poll_delta 3 "$2" "$(tb_metric0 "$W/$1-n1.prom" nodepath_path_packets_total)" path_total n1 >/dev/null
	poll_delta 3 "$3" "$(tb_metric0 "$W/$1-n2.prom" nodepath_path_packets_total)" path_total n2 >/dev/null
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- A: subnet.env after start ----------------------------------------------------------------
echo "== A: subnet.env written after the agent started"
snap a0
check_cmd "n1: no nodepath_node_network_info before subnet.env exists" \
	sh -c "! grep -q '^nodepath_node_network_info' '$W/a0-n1.prom'"
check "n2: nodepath_node_network_info (subnet.env present at start)" \
	"$(tb_metric0 "$W/a0-n2.prom" nodepath_node_network_info \
		'cluster_cidr="10.244.0.0/16",pod_cidr="10.244.2.0/24",overlay_mtu="1450"')" 1
# Without the pod CIDRs a same-node peer is nobody we know: external.
tb_send_udp n1a n1b 2 100
lp_settle
snap a1
expect_path n1 a0 a1 n1a transmit external 2 100
lp_write_subnet_env n1
t0=$(now_ms)
followed=
# The agent re-reads subnet.env every second; 5 s leaves room for a loaded machine.
while [ $(($(now_ms) - t0)) -lt 10000 ]; do
	tb_send_udp n1a n1b 1 100
	sleep 0.05
	tb_scrape n1 >"$W/a2-n1.prom" || continue
	if [ "$(lp_delta "$W/a1-n1.prom" "$W/a2-n1.prom" nodepath_path_packets_total \
		"$(lp_sel n1a),direction=\"transmit\",path=\"same_node\"")" != 0 ]; then
		followed=$(($(now_ms) - t0))
		break
	fi
done
echo "pods.test: path classes followed subnet.env after ${followed:-never} ms"
check_cmd "path classes follow a new subnet.env within 5000 ms (took ${followed:-never} ms)" \
	test -n "$followed" -a "${followed:-99999}" -lt 5000
check "n1: nodepath_node_network_info after subnet.env appeared" \
	"$(tb_metric0 "$W/a2-n1.prom" nodepath_node_network_info \
		'cluster_cidr="10.244.0.0/16",pod_cidr="10.244.1.0/24",overlay_mtu="1450"')" 1
check "n1: one nodepath_node_network_info series" \
	"$(grep -c '^nodepath_node_network_info' "$W/a2-n1.prom")" 1

# n2's cache directory did not exist when its agent started (no pod had run on the node yet):
# it appears with the pods' files, and their names follow within a second.
check_cmd "n2: no cache directory at agent start" test ! -e "$(lp_cni_dir n2)"
for p in n2a n2b; do
	case $p in
	*a) add_cni_pod n2 "$p" shop "db-$(lp__hex 4)-$p" ;;
	*) add_cni_pod n2 "$p" kube-system "coredns-$(lp__hex 5)-$p" ;;
	esac
	ms=$(lp_wait_names n2 "$p" 3000)
	check_cmd "n2: names of $p after its cache directory appeared (${ms} ms, < 1000)" \
		test "$ms" -lt 1000
done

# --- B: path classes ----------------------------------------------------------------------------
echo "== B: exact per-pod, per-path counts"
lp_settle
snap b0
tb_send_udp n1a n1b 10 100
settle b0 20 0
snap b1
expect_path n1 b0 b1 n1a transmit same_node 10 100
expect_path n1 b0 b1 n1b receive same_node 10 100
expect_quiet n1 b0 b1 n1a receive
expect_quiet n1 b0 b1 n1b transmit
expect_total b0 b1 20 0

tb_send_udp n1b n1a 7 300
settle b1 14 0
snap b2
expect_path n1 b1 b2 n1b transmit same_node 7 300
expect_path n1 b1 b2 n1a receive same_node 7 300
expect_quiet n1 b1 b2 n1a transmit
expect_total b1 b2 14 0

tb_send_udp n1a n2a 20 200
settle b2 20 20
snap b3
expect_path n1 b2 b3 n1a transmit cross_node 20 200
expect_path n2 b2 b3 n2a receive cross_node 20 200
expect_quiet n1 b2 b3 n1b receive
expect_total b2 b3 20 20

tb_send_udp n2b n1b 6 150
settle b3 6 6
snap b4
expect_path n2 b3 b4 n2b transmit cross_node 6 150
expect_path n1 b3 b4 n1b receive cross_node 6 150
expect_total b3 b4 6 6

# pod -> node: the cni0 gateway, then the node's NIC address; node -> pod
tb_send_udp n1a "$TB_POD_NET.1.1" 3 100
settle b4 3 0
snap b5
expect_path n1 b4 b5 n1a transmit host 3 100
expect_total b4 b5 3 0
tb_send_udp n1a "$(tb_node_ip n1)" 4 120
settle b5 4 0
snap b6
expect_path n1 b5 b6 n1a transmit host 4 120
expect_total b5 b6 4 0
tb_send_udp n1 n1a 5 80
settle b6 5 0
snap b7
expect_path n1 b6 b7 n1a receive host 5 80
expect_total b6 b7 5 0

# pod -> internet, through the node (masqueraded on eth0)
tb_send_udp n1a "$LP_INET_IP" 5 100
settle b7 5 0
snap b8
expect_path n1 b7 b8 n1a transmit external 5 100
expect_total b7 b8 5 0
check "n1 eth0 transmitted the 5 external datagrams (after NAT, same size)" \
	"$(lp_delta "$W/b7-n1.prom" "$W/b8-n1.prom" nodepath_interface_transmit_packets_total \
		'device="eth0"')" 5

# Service: ClusterIP DNATed to n1b on each node; clients n1a (same node) and n2a (other node)
tb_send_udp n1a "$LP_SERVICE_IP" 6 64 53
settle b8 12 0
snap b9
expect_path n1 b8 b9 n1a transmit service 6 64
expect_path n1 b8 b9 n1b receive same_node 6 64
expect_total b8 b9 12 0
tb_send_udp n2a "$LP_SERVICE_IP" 7 64 53
settle b9 7 7
snap b10
expect_path n2 b9 b10 n2a transmit service 7 64
expect_path n1 b9 b10 n1b receive cross_node 7 64
expect_total b9 b10 7 7

# Service with replies (UDP echo behind $LP_ECHO_SERVICE_IP): the client sees the ClusterIP both
# ways (its replies are reverse-NATed before its veth), the backend sees the client's address.
check_cmd "n1a: 4 echo requests to $LP_ECHO_SERVICE_IP:53 answered" \
	lp_udp_rpc n1a "$LP_ECHO_SERVICE_IP" 53 4 90
settle b10 16 0
snap b10r1
expect_path n1 b10 b10r1 n1a transmit service 4 90
expect_path n1 b10 b10r1 n1a receive service 4 90
expect_path n1 b10 b10r1 n1b receive same_node 4 90
expect_path n1 b10 b10r1 n1b transmit same_node 4 90
expect_total b10 b10r1 16 0
check_cmd "n2a: 3 echo requests to $LP_ECHO_SERVICE_IP:53 answered" \
	lp_udp_rpc n2a "$LP_ECHO_SERVICE_IP" 53 3 110
settle b10r1 6 6
snap b10r2
expect_path n2 b10r1 b10r2 n2a transmit service 3 110
expect_path n2 b10r1 b10r2 n2a receive service 3 110
expect_path n1 b10r1 b10r2 n1b receive cross_node 3 110
expect_path n1 b10r1 b10r2 n1b transmit cross_node 3 110
expect_total b10r1 b10r2 6 6

# NodePort from the underlay (the internet namespace is the client)
tb_send_udp ext "$(tb_node_ip n1)" 8 100 30080
settle b10r2 8 0
snap b11
expect_nodeport n1 b10r2 b11 packets udp 8 "30080"
expect_nodeport n1 b10r2 b11 bytes udp $((8 * 142)) "30080"
expect_path n1 b10r2 b11 n1b receive host 8 100
expect_total b10r2 b11 8 0
tb_send_udp ext "$(tb_node_ip n1)" 9 100 30081
settle b11 9 0
snap b12
expect_nodeport n1 b11 b12 packets udp 9 "30081"
expect_nodeport n1 b11 b12 bytes udp $((9 * 142)) "30081"
expect_nodeport n1 b0 b12 packets tcp 0
expect_nodeport n2 b0 b12 packets udp 0
expect_path n1 b11 b12 n1b receive external 9 100
expect_total b11 b12 9 0
# A TCP SYN to n1:30081 (no rule for TCP: the node refuses it with a RST) is a NodePort packet
# too; 3 datagrams to 29999 (outside the NodePort range, answered with ICMP) are not.
nodeport_tcp_and_outside() {
	tb_exec ext "$TB_PY" -c '
import socket, sys
ip = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    u.sendto(b"q" * 100, (ip, 29999))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.settimeout(2)
try:
    t.connect((ip, 30081))
except ConnectionRefusedError:
    pass
else:
    sys.exit("30081/tcp accepted a connection")
' "$(tb_node_ip n1)"
}
check_cmd "ext: TCP SYN to n1:30081 refused" nodeport_tcp_and_outside
lp_settle # nothing to count on the paths: an observation window
snap b13
expect_nodeport n1 b12 b13 packets tcp 1 "SYN to 30081"
expect_nodeport n1 b12 b13 packets udp 0 "port 29999: none"
expect_total b12 b13 0 0

echo "pods.test: /metrics excerpt (n1):"
grep -E '^nodepath_(path_packets_total|pod_transmit_packets_total|pod_receive_packets_total|pod_info|node_network_info|nodeport_receive_packets_total)' \
	"$W/b12-n1.prom" | sed 's/^/    /'

# --- C: nodepath_pod_info ----------------------------------------------------------------------
echo "== C: nodepath_pod_info"
for n in $TB_NODES; do
	check "$n: nodepath_pod_info series" \
		"$(grep -c '^nodepath_pod_info{' "$W/b12-$n.prom")" "$(tb_pods "$n" | wc -l)"
	for p in $(tb_pods "$n"); do
		check "$n nodepath_pod_info of $p" "$(tb_metric0 "$W/b12-$n.prom" nodepath_pod_info \
			"$(lp_sel "$p"),uid=\"$(lp_field "$p" uid)\",pod_ip=\"$(tb_pod_ip "$p")\",container_id=\"$(lp_field "$p" cid)\"")" 1
	done
done
# The files are libcni's own: per pod, its network's and its loopback attachment's, nothing else.
for n in $TB_NODES; do
	for p in $(tb_pods "$n"); do
		cid=$(lp_field "$p" cid)
		check "$n $p: libcni cache files" "$(cd "$(lp_cni_dir "$n")" && ls -- *"-$cid-"* | tr '\n' ' ')" \
			"cbr0-$cid-eth0 cni-loopback-$cid-lo "
		check "$n $p: cniArgs in its cache file (K8S_POD_NAMESPACE, NAME, UID, INFRA_CONTAINER_ID)" \
			"$("$TB_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = dict(d["cniArgs"])
print(a["K8S_POD_NAMESPACE"], a["K8S_POD_NAME"], a["K8S_POD_UID"], a["K8S_POD_INFRA_CONTAINER_ID"])
' "$(lp_cache_file "$p")")" \
			"$(lp_field "$p" namespace) $(lp_field "$p" name) $(lp_field "$p" uid) $cid"
	done
	check "$n: files in the cache directory (2 per pod)" \
		"$(find "$(lp_cni_dir "$n")" -type f | wc -l)" $((2 * $(tb_pods "$n" | wc -l)))
	check "$n: series naming lo" "$(grep -c 'interface="lo"' "$W/b12-$n.prom")" 0
	check "$n: agent log lines about CNI cache files" \
		"$(grep -c 'CNI cache file' "$(tb_agent_log "$n")")" 0
done

# --- D: hostile cache files ----------------------------------------------------------------------
echo "== D: hostile cache files in the running agent"
agent_log=$(tb_agent_log n1)
cp "$(lp_cache_file n1a)" "$W/valid.json" # libcni's document to damage
hostile_t0=$(now_ms)
# hostile KIND: the damaged document written in place (one write(2), as libcni writes) as the
# pod's cache file. The agent may look at a file still being written (IN_CREATE, a rescan): a
# 1.1 MiB write must still be judged once, when closed.
write_hostile() {
	local p=$1 kind=$2 f
	f=$(lp_cache_file "$p")
	case $kind in
	corrupt) sed 's/"ifName":"eth0"/"ifName":eth0"/' "$W/valid.json" ;;
	truncated) head -c "$(($(wc -c <"$W/valid.json") * 3 / 5))" "$W/valid.json" ;;
	foreign) sed 's/"kind":"cniCacheV1"/"kind":"cniCacheV2"/' "$W/valid.json" ;;
	oversized) "$TB_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["capabilityArgs"]["io.kubernetes.cri.pod-annotations"]["padding"] = "x" * (1100 * 1024)
sys.stdout.write(json.dumps(d, separators=(",", ":")))' "$W/valid.json" ;;
	esac | lp_write_file "$f"
}
hostile="corrupt truncated foreign oversized"
declare -A H_REASON=([corrupt]=corrupt [truncated]=truncated [foreign]='"foreign kind"'
	[oversized]=oversized)
k=3
for h in $hostile; do
	lp_add_bare_pod_nocache n1 "h$h" evil "h$h-0" || die "pod h$h"
	write_hostile "h$h" "$h"
done
check_cmd "oversized file is > 1 MiB" test "$(stat -c %s "$(lp_cache_file hoversized)")" -gt 1048576
lp_add_bare_pod n1 hflip shop "flip-0" || die "pod hflip"
# A valid file of 64 pages (a big annotation), written in one write(2) like Go's os.WriteFile:
# the agent must not read it half-written.
LP_ANNOTATION_BYTES=$((256 * 1024)) lp_add_bare_pod n1 hbig shop "big-0" || die "pod hbig"
sleep 1 # the agent sees the files (inotify) and the veths (rtnetlink)
snap d0
for h in $hostile; do
	tb_send_udp "h$h" "$TB_POD_NET.1.1" "$k" 100
	k=$((k + 1))
done
tb_send_udp hflip "$TB_POD_NET.1.1" 5 100
lp_settle
snap d1
k=3
for h in $hostile; do
	v=$(tb_pod_veth "h$h")
	sel="interface=\"$v\",namespace=\"\",pod=\"\""
	check "$h: nodepath_pod_transmit_packets_total{$sel}" \
		"$(tb_metric0 "$W/d1-n1.prom" nodepath_pod_transmit_packets_total "$sel")" "$k"
	check "$h: nodepath_path_bytes_total{$sel,path=host,transmit}" \
		"$(tb_metric0 "$W/d1-n1.prom" nodepath_path_bytes_total "$sel,path=\"host\",direction=\"transmit\"")" \
		$((k * 142))
	check "$h: no nodepath_pod_info for $v" "$(grep -c "interface=\"$v\"" \
		<(grep '^nodepath_pod_info' "$W/d1-n1.prom"))" 0
	check "$h: no series with its would-be name" \
		"$(grep -c "pod=\"h$h-0\"" "$W/d1-n1.prom")" 0
	check "$h: logged once" "$(grep -cF "skipping CNI cache file\" path=$(lp_cache_file "h$h") err=${H_REASON[$h]}" "$agent_log")" 1
	k=$((k + 1))
done
expect_path n1 d0 d1 hflip transmit host 5 100
check "hbig (256 KiB annotation): nodepath_pod_info" "$(tb_metric0 "$W/d1-n1.prom" \
	nodepath_pod_info "$(lp_sel hbig),uid=\"$(lp_field hbig uid)\"")" 1
check "hbig: never logged" "$(grep -cF "$(lp_cache_file hbig)" "$agent_log")" 0
check_cmd "agent n1 alive after hostile files" kill -0 "$(tb_agent_pid n1)"
# A valid file damaged in place (a crash mid-write): the labels go, the counts stay.
head -c 700 "$(lp_cache_file hflip)" | lp_write_file "$(lp_cache_file hflip)"
v=$(tb_pod_veth hflip)
for i in $(seq 50); do
	tb_scrape n1 >"$W/d2-n1.prom" && ! grep -q "pod=\"flip-0\"" "$W/d2-n1.prom" && break
	sleep 0.05
done
check "hflip truncated: its names are gone" "$(grep -c 'pod="flip-0"' "$W/d2-n1.prom")" 0
tb_send_udp hflip "$TB_POD_NET.1.1" 4 100
lp_settle
snap d3
sel="interface=\"$v\",namespace=\"\",pod=\"\""
check "hflip truncated: transmit packets under the interface only (5 before + 4)" \
	"$(tb_metric0 "$W/d3-n1.prom" nodepath_pod_transmit_packets_total "$sel")" 9
check "hflip truncated: path host packets under the interface only" \
	"$(tb_metric0 "$W/d3-n1.prom" nodepath_path_packets_total "$sel,direction=\"transmit\",path=\"host\"")" 9
check "hflip truncated: logged once" \
	"$(grep -cF "skipping CNI cache file\" path=$(lp_cache_file hflip) err=truncated" "$agent_log")" 1
lp_write_cache hflip
for i in $(seq 50); do
	tb_scrape n1 >"$W/d4-n1.prom" && grep -q "pod=\"flip-0\"" "$W/d4-n1.prom" && break
	sleep 0.05
done
tb_send_udp hflip "$TB_POD_NET.1.1" 2 100
lp_settle
snap d5
check "hflip repaired: all 11 packets under its names again" \
	"$(tb_metric0 "$W/d5-n1.prom" nodepath_pod_transmit_packets_total "$(lp_sel hflip)")" 11
check "hflip repaired: no series with empty names for $v" \
	"$(grep -c "interface=\"$v\",namespace=\"\"" "$W/d5-n1.prom")" 0
check "hflip repaired: path host bytes" \
	"$(tb_metric0 "$W/d5-n1.prom" nodepath_path_bytes_total "$(lp_sel hflip),direction=\"transmit\",path=\"host\"")" \
	$((11 * 142))

# A pod whose veth went away but whose cache file stayed (CNI DEL never completed, a node
# crash: libcni's cache outlives reboots) is not on this node: no pod_info, even when its IP
# is handed to a new pod.
lp_add_bare_pod n1 hstale shop "stale-0" || die "pod hstale"
stale_ip=$(tb_pod_ip hstale)
for i in $(seq 50); do
	tb_scrape n1 >"$W/d6-n1.prom" && grep -q 'pod="stale-0"' "$W/d6-n1.prom" && break
	sleep 0.05
done
check "hstale: nodepath_pod_info while its veth exists" \
	"$(tb_metric0 "$W/d6-n1.prom" nodepath_pod_info "$(lp_sel hstale)")" 1
stale_file=$(lp_cache_file hstale)
tb_del_pod hstale # the veth goes, the cache file stays
lp_add_bare_pod n1 hnew shop "new-0" || die "pod hnew"
ms=$(lp_wait_names n1 hnew 3000)
check_cmd "hnew: names within a second of its cache file (${ms} ms)" test "$ms" -lt 1000
check "hnew got the stale pod's IP" "$(tb_pod_ip hnew)" "$stale_ip"
for i in $(seq 50); do
	tb_scrape n1 >"$W/d7-n1.prom" && grep -q 'pod="new-0"' "$W/d7-n1.prom" &&
		! grep -q 'pod="stale-0"' "$W/d7-n1.prom" && break
	sleep 0.05
done
check_cmd "hstale: its cache file is still there" test -e "$stale_file"
check "hstale: no series name the pod whose veth is gone" \
	"$(grep -c 'pod="stale-0"' "$W/d7-n1.prom")" 0
check "one nodepath_pod_info with pod_ip $stale_ip (the new pod's)" \
	"$(tb_metric0 "$W/d7-n1.prom" nodepath_pod_info "pod_ip=\"$stale_ip\",pod=\"new-0\"")/$(grep -c "^nodepath_pod_info{.*pod_ip=\"$stale_ip\"" "$W/d7-n1.prom")" 1/1

# --- E: churn -----------------------------------------------------------------------------------
# churn R: 50 pods created (veth + cache file, 3 datagrams each to the node) and deleted (CNI
# DEL: namespace and veth gone, cache file removed) while a loop scrapes n1 every 50 ms. The
# test's own scrapes happen while that loop is stopped: one scrape at a time, so the memory
# numbers are not those of several concurrent scrape threads (see the RSS note below).
CHURN=50
SCRAPER=
start_scraper() { # DIR PREFIX
	rm -f "$W/churn.stop"
	(
		i=0
		while [ ! -e "$W/churn.stop" ]; do
			i=$((i + 1))
			tb_scrape n1 >"$1/$2$i.prom" 2>/dev/null || echo "$2$i" >>"$1.failed"
			sleep 0.05
		done
	) &
	SCRAPER=$!
}
stop_scraper() {
	touch "$W/churn.stop"
	wait "$SCRAPER"
}
churn() {
	local r=$1 i p t0 nscr wrong bad
	mkdir -p "$W/churn$r"
	start_scraper "$W/churn$r" up
	: >"$W/churn$r.map"
	for i in $(seq "$CHURN"); do
		p=c${r}x$i
		lp_add_bare_pod n1 "$p" "churn-ns$((i % 5))" "churn-$r-$i-$(lp__hex 3)" ||
			die "churn pod $p"
		echo "$(tb_pod_veth "$p") $(lp_field "$p" namespace) $(lp_field "$p" name)" \
			>>"$W/churn$r.map"
	done
	sleep 1
	for i in $(seq "$CHURN"); do tb_send_udp "c${r}x$i" "$TB_POD_NET.1.1" 3 60; done
	lp_settle
	stop_scraper
	snap "e${r}peak"
	RSS_PEAK[$r]=$(lp_rss n1)
	# every pod of n1 but the 4 with hostile files has a nodepath_pod_info
	check "churn $r at 50 pods: nodepath_pod_info series" \
		"$(grep -c '^nodepath_pod_info{' "$W/e${r}peak-n1.prom")" $(($(tb_pods n1 | wc -l) - 4))
	bad=0
	for i in $(seq "$CHURN"); do
		p=c${r}x$i
		[ "$(tb_metric0 "$W/e${r}peak-n1.prom" nodepath_path_packets_total \
			"$(lp_sel "$p"),direction=\"transmit\",path=\"host\"")" = 3 ] ||
			{ bad=$((bad + 1)); echo "churn: $p path count wrong" >&2; }
		[ "$(tb_metric0 "$W/e${r}peak-n1.prom" nodepath_pod_info \
			"$(lp_sel "$p"),uid=\"$(lp_field "$p" uid)\",pod_ip=\"$(tb_pod_ip "$p")\"")" = 1 ] ||
			{ bad=$((bad + 1)); echo "churn: $p pod_info wrong" >&2; }
	done
	check "churn $r at 50 pods: pods with a wrong nodepath_pod_info or path count" "$bad" 0
	start_scraper "$W/churn$r" down
	for i in $(seq "$CHURN"); do lp_del_pod "c${r}x$i"; done
	sleep 0.5
	stop_scraper
	# wait for every series of the deleted pods to go (netns teardown is asynchronous)
	awk '{ print $1; print "pod=\"" $3 "\"" }' "$W/churn$r.map" >"$W/churn$r.patterns"
	t0=$(now_ms)
	for i in $(seq 100); do
		tb_scrape n1 >"$W/e${r}gone-n1.prom" &&
			! grep -qF -f "$W/churn$r.patterns" "$W/e${r}gone-n1.prom" && break
		sleep 0.1
	done
	echo "pods.test: churn $r: series of 50 deleted pods gone $(($(now_ms) - t0)) ms after the last delete + 500 ms"
	check "churn $r: lines naming a deleted pod or its veth" \
		"$(grep -cF -f "$W/churn$r.patterns" "$W/e${r}gone-n1.prom")" 0
	check "churn $r: failed scrapes during the churn" \
		"$( (cat "$W/churn$r.failed" 2>/dev/null || true) | wc -l)" 0
	nscr=$(find "$W/churn$r" -name '*.prom' | wc -l)
	# Every scrape taken during the churn: a churn veth carries its own pod's names or none.
	wrong=$(awk 'FNR == NR { ns[$1] = $2; name[$1] = $3; next }
		/^nodepath_(pod|path)_/ {
			if (!match($0, /interface="[^"]*"/)) next
			v = substr($0, RSTART + 11, RLENGTH - 12)
			if (!(v in ns)) next
			ok = index($0, "namespace=\"\"") && index($0, "pod=\"\"") && !/^nodepath_pod_info/
			ok = ok || (index($0, "namespace=\"" ns[v] "\"") && index($0, "pod=\"" name[v] "\""))
			if (!ok) { bad++; if (bad < 5) print FILENAME ": " $0 > "/dev/stderr" }
		}
		END { print bad + 0 }' "$W/churn$r.map" "$W/churn$r"/*.prom)
	check "churn $r: series with a wrong pod name in $nscr scrapes" "$wrong" 0
	check_cmd "churn $r: at least 20 scrapes taken during the churn ($nscr)" test "$nscr" -ge 20
	rm -rf "$W/churn$r"
	for i in $(seq 10); do tb_scrape n1 >/dev/null; done
	snap "e${r}after"
	RSS_AFTER[$r]=$(lp_rss n1)
	check "churn $r: np_if_stats entries back to before" \
		"$(tb_metric0 "$W/e${r}after-n1.prom" nodepath_bpf_map_entries 'map="np_if_stats"')" \
		"$ent0_if"
	check "churn $r: np_path_stats entries back to before" \
		"$(tb_metric0 "$W/e${r}after-n1.prom" nodepath_bpf_map_entries 'map="np_path_stats"')" \
		"$ent0_path"
	check "churn $r: nodepath_pod_info series left (n1a n1b hflip hbig hnew)" \
		"$(grep -c '^nodepath_pod_info{' "$W/e${r}after-n1.prom")" 5
	for p in n1a n1b hflip hbig hnew; do
		check "churn $r: nodepath_pod_info of $p" \
			"$(tb_metric0 "$W/e${r}after-n1.prom" nodepath_pod_info \
				"$(lp_sel "$p"),uid=\"$(lp_field "$p" uid)\",pod_ip=\"$(tb_pod_ip "$p")\",container_id=\"$(lp_field "$p" cid)\"")" 1
	done
	check "churn $r: n1a counters unchanged" \
		"$(lp_delta "$W/e0-n1.prom" "$W/e${r}after-n1.prom" nodepath_path_packets_total \
			"$(lp_sel n1a)")" 0
}

echo "== E: churn of 50 pods while scraping, twice"
# warm up (the first scrapes size the writer's buffers), then measure
for i in $(seq 10); do tb_scrape n1 >/dev/null; done
snap e0
rss0=$(lp_rss n1)
ent0_if=$(tb_metric0 "$W/e0-n1.prom" nodepath_bpf_map_entries 'map="np_if_stats"')
ent0_path=$(tb_metric0 "$W/e0-n1.prom" nodepath_bpf_map_entries 'map="np_path_stats"')
declare -A RSS_PEAK RSS_AFTER
churn 1
churn 2
# The agent's memory has a high-water mark, not a leak: glibc keeps some of the heap the churn's
# peak took (in the arenas of the threads that scraped and parsed; how much depends on how the
# threads interleaved, so on the machine's load), and the agent trims after pods went away.
# Seen on a loaded machine (load 12-20, or three CI runs at once): +0.2..2.6 MiB over before after
# either churn, and which of the two churns sets the high-water mark varies (a second churn
# added -1.7..+2.0 MiB to the first's). So both churns are held to the same allowance over the
# level before them: a leak per scrape (~500 scrapes per churn) or per pod event adds up over the
# two churns and leaves it. LeakSanitizer (build-asan agent, SIGTERM after the churn) reports no
# leak.
LP_RSS_HWM_KB=4096 # for the release build (an ASan build quarantines freed memory)
echo "pods.test: agent VmRSS (KiB): before churn $rss0, 50 pods ${RSS_PEAK[1]}, after ${RSS_AFTER[1]}, 50 pods again ${RSS_PEAK[2]}, after ${RSS_AFTER[2]}"
for r in 1 2; do
	check_cmd "RSS after churn $r (${RSS_AFTER[$r]} KiB) within $LP_RSS_HWM_KB KiB of before ($rss0 KiB)" \
		test "${RSS_AFTER[$r]}" -le $((rss0 + LP_RSS_HWM_KB))
done

# --- F: logged once, also after the agent's periodic 30 s rescan of the cache directory --------
wait_ms=$((31000 - ($(now_ms) - hostile_t0)))
if [ "$wait_ms" -gt 0 ]; then
	echo "pods.test: waiting $wait_ms ms for the agent's periodic cache rescan"
	sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
fi
for h in $hostile; do
	check "$h: still logged once after a periodic rescan" "$(grep -cF "skipping CNI cache file\" path=$(lp_cache_file "h$h") " "$agent_log")" 1
done
check "agent n1: skip warnings in total (4 hostile + 1 damaged)" \
	"$(grep -c 'skipping CNI cache file' "$agent_log")" 5
for n in $TB_NODES; do
	check "agent $n: log lines naming a cni-loopback file, after a periodic rescan" \
		"$(grep -c 'cni-loopback' "$(tb_agent_log "$n")")" 0
	check "agent $n: cni-loopback files still there" \
		"$(find "$(lp_cni_dir "$n")" -name 'cni-loopback-*-lo' | wc -l)" 2
done
echo "pods.test: CNI ADD through go-cni took (ms): $(tr '\n' ' ' <"$W/cni-add-ms")"
check_cmd "agent n1 alive at the end" kill -0 "$(tb_agent_pid n1)"
check_cmd "agent n2 alive at the end" kill -0 "$(tb_agent_pid n2)"

LP_DONE=1
check_summary
