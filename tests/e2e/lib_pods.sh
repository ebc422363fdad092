#!/usr/bin/env bash
# Pod identity and path-class additions to the namespace testbed (tests/e2e/testbed.sh, sourced
# here and not changed): per-node CNI result caches and flanneld subnet.env files written the way
# containerd + flannel write them, an "internet" namespace on the underlay, kube-proxy-like nft
# NAT rules in a node namespace, and exact counter deltas.
#
#   source tests/e2e/lib_pods.sh; tb_trap; tb_up; lp_write_caches; lp_start_agent n1 build/nodepath
#
# Per node N (files live under $TB_RUN, removed with the testbed):
#   $(lp_cni_dir N)/cbr0-<containerId>-eth0 one cniCacheV1 file per pod (libcni's cache; the
#                                           directory real-CNI pods' files go to, see
#                                           tests/e2e/cni/lib_cni.sh)
#   $TB_RUN/N/subnet.env                    FLANNEL_NETWORK/SUBNET/MTU/IPMASQ (flanneld)
# Per pod P: $TB_RUN/lp/P = "k8s-namespace k8s-name uid containerId" (its Kubernetes identity;
# for a real-CNI pod, the one tb_add_cni_pod gave it).
#
# The internet namespace <tag>-ext sits on the underlay switch as 192.168.250.254 and owns
# 198.51.100.1 (TEST-NET-2); nodes route 198.51.100.0/24 to it. It also plays the NodePort client.

# testbed.sh's demo sources this file from inside testbed.sh: load the testbed only once.
# shellcheck source=tests/e2e/testbed.sh
declare -F tb_up >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/testbed.sh"

LP_CLUSTER_CIDR=10.244.0.0/16
LP_MTU=1450
LP_EXT_IP=192.168.250.254     # the internet's router on the underlay
LP_EXT_MAC=02:00:c0:a8:fa:fe
LP_INET_IP=198.51.100.1       # an internet address behind it
LP_SERVICE_IP=10.96.0.10      # a ClusterIP inside the default service CIDR 10.96.0.0/12

lp_cni_dir() { tb_cni_results "$1"; }
lp_subnet_env() { echo "$TB_RUN/$1/subnet.env"; }

# lp_write_subnet_env NODE: what flanneld writes once it has the node's lease (written to a
# temporary file and renamed in, as flanneld's WriteSubnetFile does).
lp_write_subnet_env() {
	local n=$1 f
	f=$(lp_subnet_env "$n")
	mkdir -p "$(dirname "$f")" || return 1
	printf 'FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=%s.%s.1/24\nFLANNEL_MTU=%s\nFLANNEL_IPMASQ=true\n' \
		"$LP_CLUSTER_CIDR" "$TB_POD_NET" "$(tb__idx "$n")" "$LP_MTU" >"$f.tmp" || return 1
	mv -f "$f.tmp" "$f"
}

lp__hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
lp__uuid() {
	local h
	h=$(lp__hex 16)
	echo "${h:0:8}-${h:8:4}-4${h:13:3}-a${h:17:3}-${h:20:12}"
}

# lp_set_identity POD K8S_NAMESPACE K8S_NAME: the pod's Kubernetes identity (fresh uid and
# sandbox container id); lp_field POD namespace|name|uid|cid reads it back.
lp_set_identity() {
	mkdir -p "$TB_RUN/lp" || return 1
	echo "$2 $3 $(lp__uuid) $(lp__hex 32)" >"$TB_RUN/lp/$1"
}
lp_field() {
	local ns name uid cid
	if tb_is_cni_pod "$1"; then
		tb_cni_field "$@"
		return
	fi
	read -r ns name uid cid <"$TB_RUN/lp/$1" || return 1
	case $2 in
	namespace) echo "$ns" ;; name) echo "$name" ;; uid) echo "$uid" ;; cid) echo "$cid" ;;
	*) return 1 ;;
	esac
}

# lp_cache_file POD: path of the pod's libcni cache file on its node
lp_cache_file() {
	echo "$(lp_cni_dir "$(tb_pod_field "$1" node)")/cbr0-$(lp_field "$1" cid)-eth0"
}

# lp_cache_json POD: the cniCacheV1 document libcni (containerd 1.6+, flannel delegating to the
# bridge plugin, network cbr0) writes for the pod: compact Go encoding/json, struct fields in
# declaration order, map keys sorted; the result lists cni0, the host veth and the pod's eth0.
# LP_ANNOTATION_BYTES=N adds a pod annotation of N bytes.
lp_cache_json() {
	local p=$1 node veth vmac
	node=$(tb_pod_field "$p" node) || return 1
	veth=$(tb_pod_veth "$p")
	vmac=$(tb_exec "$node" cat "/sys/class/net/$veth/address") || return 1
	"$TB_PY" - "$(lp_field "$p" cid)" "$(lp_field "$p" namespace)" "$(lp_field "$p" name)" \
		"$(lp_field "$p" uid)" "/var/run/netns/$(tb_ns "$p")" "$(tb_pod_ip "$p")" \
		"$TB_POD_NET.$(tb__idx "$node").1" "$(tb__cni_mac "$node")" "$veth" "$vmac" \
		"$(tb_pod_field "$p" mac)" "${LP_ANNOTATION_BYTES:-0}" <<'EOF'
import base64, json, sys
cid, ns, name, uid, netns, ip, gw, bmac, veth, vmac, cmac, pad = sys.argv[1:]
conf = json.dumps({"name": "cbr0", "cniVersion": "0.3.1",
                   "plugins": [{"type": "flannel", "delegate": {"hairpinMode": True,
                                                               "isDefaultGateway": True}},
                               {"type": "portmap", "capabilities": {"portMappings": True}}]},
                  separators=(",", ":")).encode()
doc = {"kind": "cniCacheV1", "containerId": cid, "config": base64.b64encode(conf).decode(),
       "ifName": "eth0", "networkName": "cbr0", "netns": netns,
       "cniArgs": [["IgnoreUnknown", "1"], ["K8S_POD_NAMESPACE", ns], ["K8S_POD_NAME", name],
                   ["K8S_POD_INFRA_CONTAINER_ID", cid], ["K8S_POD_UID", uid]],
       "capabilityArgs": {"io.kubernetes.cri.pod-annotations": {
           "kubernetes.io/config.seen": "2026-11-26T07:01:12.402917311Z",
           "kubernetes.io/config.source": "api"}},
       "result": {"cniVersion": "0.3.1", "dns": {},
                  "interfaces": [{"mac": bmac, "name": "cni0"}, {"mac": vmac, "name": veth},
                                 {"mac": cmac, "name": "eth0", "sandbox": netns}],
                  "ips": [{"address": ip + "/24", "gateway": gw, "interface": 2,
                           "version": "4"}],
                  "routes": [{"dst": "10.244.0.0/16"}, {"dst": "0.0.0.0/0", "gw": gw}]}}
if int(pad):
    # containerd passes every pod annotation to CNI: big ones (last-applied-configuration,
    # sidecar status) make the cache file many pages long
    doc["capabilityArgs"]["io.kubernetes.cri.pod-annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"] = "{" + "x" * int(pad) + "}"
sys.stdout.write(json.dumps(doc, separators=(",", ":")))
EOF
}

# lp_write_file PATH: stdin to PATH in ONE write(2) (as Go's os.WriteFile does for a small
# buffer), mode 0600, so the agent never sees half a file from a single writer.
lp_write_file() {
	"$TB_PY" -c '
import os, sys
data = sys.stdin.buffer.read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
if os.write(fd, data) != len(data):
    sys.exit("short write")
os.close(fd)' "$1"
}

# lp_write_cache POD: (re)write the pod's cache file as libcni does after CNI ADD
lp_write_cache() {
	local p=$1 f
	f=$(lp_cache_file "$p") || return 1
	mkdir -p "$(dirname "$f")" || return 1
	lp_cache_json "$p" | lp_write_file "$f"
}

# lp_name_pod POD K8S_NAMESPACE K8S_NAME: give an existing testbed pod its identity and cache file
lp_name_pod() {
	lp_set_identity "$1" "$2" "$3" || return 1
	lp_write_cache "$1"
}

# lp_add_pod NODE POD K8S_NAMESPACE K8S_NAME: a testbed pod plus its cache file
lp_add_pod() {
	tb_add_pod "$1" "$2" || return 1
	lp_name_pod "$2" "$3" "$4"
}

# lp_add_bare_pod NODE POD K8S_NAMESPACE K8S_NAME: a cheap pod for churn (no UDP sink, no
# neighbour mesh with the other pods: it only talks to its gateway) plus its cache file
lp_add_bare_pod() {
	lp_add_bare_pod_nocache "$@" || return 1
	lp_write_cache "$2"
}

# lp_add_bare_pod_nocache NODE POD K8S_NAMESPACE K8S_NAME: the same, without writing the cache
# file (the caller writes its own, e.g. a hostile one, to lp_cache_file POD). Addresses go lowest
# free first, so a deleted pod's IP goes to the next pod.
lp_add_bare_pod_nocache() {
	tb__wire_pod "$1" "$2" 2 || return 1
	lp_set_identity "$2" "$3" "$4"
}

# lp_del_pod POD: CNI DEL (the veth goes with the namespace) and libcni removing its cache file
lp_del_pod() {
	local f
	if tb_is_cni_pod "$1"; then
		tb_del_cni_pod "$1"
		return
	fi
	f=$(lp_cache_file "$1" 2>/dev/null) && rm -f "$f"
	tb_del_pod "$1"
}

# lp_write_caches [NODE]: cache files for every testbed pod (of NODE) that has none yet (tb_up's
# n1a n1b n2a n2b get namespace "shop"/"data" names with random suffixes, as Deployments and
# StatefulSets do)
lp_write_caches() {
	local p
	for p in $(tb_pods "${1:-}"); do
		[ -e "$TB_RUN/lp/$p" ] || tb_is_cni_pod "$p" && continue
		case $p in
		*a) lp_set_identity "$p" shop "cart-$(lp__hex 4)-${p}" || return 1 ;;
		*) lp_set_identity "$p" data "ingest-${p}-0" || return 1 ;;
		esac
		lp_write_cache "$p" || return 1
	done
}

# lp_start_agent NODE BINARY [args...]: the agent with the node's CNI cache and subnet.env
# (either may not exist yet, as on a node that has not run a pod or got its flannel lease)
lp_start_agent() {
	local n=$1 bin=$2
	shift 2
	tb_start_agent "$n" "$bin" --path.cni-cache="$(lp_cni_dir "$n")" \
		--path.flannel-subnet="$(lp_subnet_env "$n")" "$@"
}

# lp_wait_names NODE POD [TIMEOUT_MS]: poll NODE's agent until POD's nodepath_pod_info is
# there; prints the milliseconds it took, fails on timeout (default 5000)
lp_wait_names() {
	local n=$1 p=$2 tmo=${3:-5000} t0 t sel
	sel="$(lp_sel "$p"),uid=\"$(lp_field "$p" uid)\""
	t0=$(($(date +%s%N) / 1000000))
	while :; do
		t=$(($(date +%s%N) / 1000000 - t0))
		if tb_scrape "$n" >"$TB_RUN/lp-wait.prom" 2>/dev/null &&
			tb_metric "$TB_RUN/lp-wait.prom" nodepath_pod_info "$sel" >/dev/null; then
			echo "$t"
			return 0
		fi
		[ "$t" -lt "$tmo" ] || { echo "$t"; return 1; }
		sleep 0.02
	done
}

# lp_rss NODE: the agent's VmRSS in KiB
lp_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(tb_agent_pid "$1")/status"; }

# --- the internet and kube-proxy ----------------------------------------------------------
# lp_add_external: <tag>-ext on the underlay (192.168.250.254, 198.51.100.1 on lo, UDP sink);
# every node routes 198.51.100.0/24 to it and masquerades pod traffic leaving the cluster CIDR
# as flanneld does with FLANNEL_IPMASQ=true. All neighbours/fdb entries are permanent.
lp_add_external() {
	local ul n
	ul=$(tb_ns ul)
	tb__mkns ext || return 1
	ip -n "$ul" link add ul-ext type veth peer name eth0 netns "$(tb_ns ext)" || return 1
	ip -n "$ul" link set ul-ext master ul0 up || return 1
	bridge -n "$ul" fdb replace "$LP_EXT_MAC" dev ul-ext master static || return 1
	tb__ip ext link set eth0 address "$LP_EXT_MAC" up || return 1
	tb__ip ext addr add "$LP_EXT_IP/24" dev eth0 || return 1
	tb__ip ext addr add "$LP_INET_IP/32" dev lo || return 1
	for n in $TB_NODES; do
		tb__ip ext neigh replace "$(tb_node_ip "$n")" lladdr "$(tb__nic_mac "$n")" dev eth0 \
			nud permanent || return 1
		tb__ip "$n" neigh replace "$LP_EXT_IP" lladdr "$LP_EXT_MAC" dev eth0 nud permanent ||
			return 1
		tb__ip "$n" route replace "${LP_INET_IP%.*}.0/24" via "$LP_EXT_IP" dev eth0 || return 1
	done
	tb__start_sink ext
}

LP_ECHO_PORT=5202
LP_ECHO_SERVICE_IP=10.96.0.11 # a ClusterIP whose backend answers (UDP echo)

# lp_start_echo POD: a UDP echo server on LP_ECHO_PORT in POD (each datagram sent back as is)
lp_start_echo() {
	tb__start_udp_server echo "$1" "$LP_ECHO_PORT" '
while True:
    b, a = s.recvfrom(65536)
    s.sendto(b, a)
'
}

# lp_udp_rpc SRC DST PORT COUNT PAYLOAD: COUNT requests, one at a time, each waiting for its
# echo (the socket stays open, so no reply meets a closed port); fails if a reply is missing
lp_udp_rpc() {
	tb_exec "$1" "$TB_PY" -c '
import socket, sys
dst, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
buf = b"e" * size
for i in range(n):
    s.sendto(buf, (dst, port))
    b, a = s.recvfrom(65536)
    if len(b) != size or a != (dst, port):
        sys.exit("bad reply %r from %r" % (len(b), a))
' "$2" "$3" "$4" "$5"
}

# lp_kube_proxy NODE DNAT_POD: nft rules as kube-proxy (nftables/iptables mode) and flanneld
# leave them, in NODE's namespace only:
#   ClusterIP  $LP_SERVICE_IP:53/udp      -> DNAT_POD:5201 (sink)
#   ClusterIP  $LP_ECHO_SERVICE_IP:53/udp -> DNAT_POD:5202 (echo: replies are reverse-NATed)
#   NodePort   <node ip>:30080/udp        -> DNAT_POD:5201, masqueraded (externalTrafficPolicy
#              Cluster: the pod sees the node as the client)
#   NodePort   <node ip>:30081/udp        -> DNAT_POD:5201, client address kept (policy Local)
#   flannel    pod traffic leaving 10.244.0.0/16 is masqueraded (FLANNEL_IPMASQ=true)
lp_kube_proxy() {
	local n=$1 dst
	dst=$(tb_pod_ip "$2") || return 1
	tb_exec "$n" nft -f - <<EOF
table ip nodepath_test_kube {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $LP_SERVICE_IP udp dport 53 dnat to $dst:$TB_SINK_PORT
		ip daddr $LP_ECHO_SERVICE_IP udp dport 53 dnat to $dst:$LP_ECHO_PORT
		ip daddr $(tb_node_ip "$n") udp dport 30080 meta mark set 0x4000 dnat to $dst:$TB_SINK_PORT
		ip daddr $(tb_node_ip "$n") udp dport 30081 dnat to $dst:$TB_SINK_PORT
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark 0x4000 masquerade
		ip saddr $LP_CLUSTER_CIDR ip daddr != $LP_CLUSTER_CIDR masquerade
	}
}
EOF
}

# --- deltas (checks: tests/e2e/lib/check.sh) ---------------------------------------------
# lp_delta BEFORE AFTER FAMILY [SELECTOR]: growth of the selected sum between two scrapes
# (a series absent from a scrape counts 0)
lp_delta() {
	local a b
	a=$(tb_metric0 "$1" "$3" "${4:-}")
	b=$(tb_metric0 "$2" "$3" "${4:-}")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "unreadable"
		return 1
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.17g\n", b - a }'
}

# lp_sel POD: the label selector of a pod's counters (its host veth and Kubernetes names)
lp_sel() {
	echo "interface=\"$(tb_pod_veth "$1")\",namespace=\"$(lp_field "$1" namespace)\",pod=\"$(lp_field "$1" name)\""
}

# lp_settle: let softirq processing finish (veth/VXLAN delivery is asynchronous to sendto)
lp_settle() { sleep 0.3; }
