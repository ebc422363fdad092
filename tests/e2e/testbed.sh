#!/usr/bin/env bash
# Two-node flannel (VXLAN) testbed built from network namespaces, as a library and a CLI.
#
#   source tests/e2e/testbed.sh; tb_up; ...; tb_down     (library: tests)
#   tests/e2e/testbed.sh demo [build/nodepath]            (see the metrics, Ctrl-C tears down)
#   tests/e2e/testbed.sh up | down TAG | status TAG        (manual use)
#
# Topology (every name below lives in a namespace of this run; the root namespace is never
# touched, and all namespace names carry the run tag, so parallel runs do not collide):
#
#   <tag>-ul : bridge ul0 (the "underlay" switch), ports ul-n1, ul-n2
#   <tag>-nN : eth0 192.168.250.N/24 (node NIC), cni0 10.244.N.1/24, flannel.1 10.244.N.0/32
#              (VXLAN id 1, port 8472, nolearning, flannel's static route/neigh/fdb per peer),
#              one host veth (veth + 8 hex, enslaved to cni0) per pod, bpffs for the agent's pins
#   <tag>-<pod> : eth0 10.244.N.x/24, default via 10.244.N.1, a UDP sink on port 5201
#
# Exact counting needs a silent network: IPv6 is disabled (all, default) in every namespace before
# any link exists (no RS/MLD/DAD), every neighbour is permanent (no ARP), the bridges have static
# fdb entries (no unknown-unicast floods), STP is off, no IGMP reports for 224.0.0.x groups (a new
# cni0 with multicast snooping joins 224.0.0.106 and would report it twice within ~1 s), and nothing
# else is enabled that sends on its own.
# MACs are fixed per role so permanent entries survive a device being recreated.
#
# Byte sizes of one UDP datagram with payload P, as counted at tc (skb->len, Ethernet included):
# pod frame P+42, VXLAN outer frame P+92. The kernel's own counters equal those except cni0
# receive and flannel.1 (both directions), which count P+28 (no Ethernet header).
#
# Library, the main entry points (state lives in $TB_RUN=/run/np-<tag>, removed by tb_down):
#   tb_up / tb_down / tb_trap          build; tear down (idempotent); tear down on EXIT/INT/TERM
#   tb_add_pod NODE POD, tb_del_pod    a CNI-style pod while things run (host veth: tb_pod_veth)
#   tb_add_cni_pod NODE POD K8SNS, tb_del_cni_pod   a pod made by the real CNI plugins through
#                                      containerd's go-cni (tests/e2e/cni/lib_cni.sh)
#   tb_node_bridge / tb_node_overlay   (re)create cni0 / flannel.1 with flannel's static entries
#   tb_start_agent NODE BIN [args]     agent in NODE on 127.0.0.1:9100, pins in tb_bpf_dir NODE
#   tb_stop_agent NODE [SIG], tb_scrape NODE [curl args], tb_agent_log NODE
#   tb_send_udp SRC DST COUNT PAYLOAD  exact-size datagrams, pod to pod (or to an IP)
#   tb_metric FILE FAMILY 'k="v",...'  sample value (sum over matches); tb_metric0: 0 if none
#   tb_sysstats NS + tb_sysstat FILE DEV FIELD    kernel /sys/class/net/*/statistics
#   tb_tcx_progs NS DEV DIR, tb_tc_filters NS DEV DIR   what is attached to a hook
#   tb_exec NS cmd..., tb_ns NAME, tb_node_ip NODE, tb_pod_ip POD, tb_pods [NODE]

TB_NODES=${TB_NODES:-"n1 n2"}
TB_UL_NET=192.168.250 # underlay /24: node nN is .N
TB_POD_NET=10.244     # node nN owns 10.244.N.0/24
TB_SINK_PORT=5201
TB_AGENT_PORT=9100
TB_PY=$(command -v /usr/bin/python3 || command -v python3)

tb__log() { echo "testbed: $*" >&2; }
tb__die() {
	echo "testbed: FATAL: $*" >&2
	return 1
}

# --- names ---------------------------------------------------------------------------------
tb_ns() { echo "${TB_TAG}-$1"; } # node or pod name -> namespace
tb__idx() { echo "${1#n}"; }     # n2 -> 2
tb_node_ip() { echo "$TB_UL_NET.$(tb__idx "$1")"; }
tb__nic_mac() { printf '02:00:c0:a8:fa:%02x' "$(tb__idx "$1")"; }
tb__cni_mac() { printf '02:00:0a:f4:%02x:01' "$(tb__idx "$1")"; }
tb__vx_mac() { printf '02:00:0a:f4:%02x:00' "$(tb__idx "$1")"; }
tb_exec() { # NODE|POD cmd...: run inside that namespace
	local ns
	ns=$(tb_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}
tb__ip() { # NODE|POD ip-args...
	local ns
	ns=$(tb_ns "$1")
	shift
	ip -n "$ns" "$@"
}

# pod records: $TB_RUN/pods/<pod> = "node ip mac hostveth"
tb_pod_field() { # POD node|ip|mac|veth
	local node ip mac veth
	read -r node ip mac veth <"$TB_RUN/pods/$1" || return 1
	case $2 in
	node) echo "$node" ;; ip) echo "$ip" ;; mac) echo "$mac" ;; veth) echo "$veth" ;;
	*) return 1 ;;
	esac
}
tb_pod_ip() { tb_pod_field "$1" ip; }
tb_pod_veth() { tb_pod_field "$1" veth; }
tb_pods() { # [NODE]: pods (of NODE), in creation order
	local f
	[ -d "$TB_RUN/pods" ] || return 0
	for f in $(ls -tr "$TB_RUN/pods"); do
		if [ -z "${1:-}" ] || [ "$(tb_pod_field "$f" node)" = "$1" ]; then
			echo "$f"
		fi
	done
}

# --- namespaces ----------------------------------------------------------------------------
tb__mkns() { # NAME: create namespace <tag>-NAME, silent (no IPv6) before any link exists
	local ns
	ns=$(tb_ns "$1")
	ip netns add "$ns" || return 1
	echo "$ns" >>"$TB_RUN/netns"
	ip netns exec "$ns" sh -c '
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.lo.disable_ipv6=1 &&
		sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
			net.ipv4.conf.all.arp_notify=0 net.ipv4.conf.default.arp_notify=0 \
			net.ipv4.igmp_link_local_mcast_reports=0 &&
		ip link set lo up' || return 1
}

tb__mkrun() {
	if [ -z "${TB_TAG:-}" ]; then
		TB_TAG=np$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
	fi
	TB_RUN=/run/np-$TB_TAG
	[ -e "$TB_RUN" ] && { tb__die "$TB_RUN exists (tag in use)"; return 1; }
	mkdir -p "$TB_RUN/pods" "$TB_RUN/pids" "$TB_RUN/log" || return 1
	: >"$TB_RUN/netns"
	: >"$TB_RUN/mounts"
	echo "TB_TAG=$TB_TAG" >"$TB_RUN/env"
	export TB_TAG TB_RUN
}

# tb_attach TAG: use an existing testbed (for `down`/`status` from another shell)
tb_attach() {
	TB_TAG=$1
	TB_RUN=/run/np-$TB_TAG
	export TB_TAG TB_RUN
	[ -d "$TB_RUN" ]
}

# --- nodes ---------------------------------------------------------------------------------
tb__node_create() { # NODE: namespace, NIC on the underlay, bpffs
	local n=$1 ul
	ul=$(tb_ns ul)
	tb__mkns "$n" || return 1
	tb_exec "$n" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip -n "$ul" link add "ul-$n" type veth peer name eth0 netns "$(tb_ns "$n")" || return 1
	ip -n "$ul" link set "ul-$n" master ul0 up || return 1
	tb__ip "$n" link set eth0 address "$(tb__nic_mac "$n")" up || return 1
	tb__ip "$n" addr add "$(tb_node_ip "$n")/24" dev eth0 || return 1
	bridge -n "$ul" fdb replace "$(tb__nic_mac "$n")" dev "ul-$n" master static || return 1
	mkdir -p "$TB_RUN/$n/bpf" || return 1
	mount -t bpf bpf "$TB_RUN/$n/bpf" || return 1
	echo "$TB_RUN/$n/bpf" >>"$TB_RUN/mounts"
}

tb_bpf_dir() { echo "$TB_RUN/$1/bpf"; }

# tb_node_bridge NODE: create cni0 as the CNI bridge plugin would, (re-)enslave the node's pods
tb_node_bridge() {
	local n=$1 i p
	i=$(tb__idx "$n")
	tb__ip "$n" link add cni0 address "$(tb__cni_mac "$n")" mtu 1450 type bridge stp_state 0 ||
		return 1
	tb__ip "$n" addr add "$TB_POD_NET.$i.1/24" dev cni0 || return 1
	tb__ip "$n" link set cni0 up || return 1
	for p in $(tb_pods "$n"); do
		tb__pod_node_side "$p" || return 1
	done
}

# tb_node_overlay NODE: create flannel.1 and the static entries flanneld programs for each
# peer (route via the peer's overlay address onlink, permanent neighbour, permanent fdb -> node IP);
# also (re)programs the peers' entries towards NODE.
tb_node_overlay() {
	local n=$1 m
	tb__ip "$n" link add flannel.1 address "$(tb__vx_mac "$n")" mtu 1450 type vxlan id 1 \
		local "$(tb_node_ip "$n")" dev eth0 dstport 8472 nolearning || return 1
	tb__ip "$n" addr add "$TB_POD_NET.$(tb__idx "$n").0/32" dev flannel.1 || return 1
	tb__ip "$n" link set flannel.1 up || return 1
	for m in $TB_NODES; do
		[ "$m" = "$n" ] && continue
		tb__ip "$m" link show flannel.1 >/dev/null 2>&1 || continue
		tb__flannel_peer "$n" "$m" || return 1
		tb__flannel_peer "$m" "$n" || return 1
	done
}

tb__flannel_peer() { # NODE PEER: NODE's entries that lead to PEER's pod subnet
	local n=$1 m=$2 net
	net="$TB_POD_NET.$(tb__idx "$m")"
	tb__ip "$n" route replace "$net.0/24" via "$net.0" dev flannel.1 onlink || return 1
	tb__ip "$n" neigh replace "$net.0" lladdr "$(tb__vx_mac "$m")" dev flannel.1 nud permanent ||
		return 1
	bridge -n "$(tb_ns "$n")" fdb replace "$(tb__vx_mac "$m")" dev flannel.1 \
		dst "$(tb_node_ip "$m")" self permanent || return 1
}

# --- pods ----------------------------------------------------------------------------------
tb__rand_hex8() { od -An -N4 -tx1 /dev/urandom | tr -d ' \n'; }

# Node side of a pod: veth in cni0, static fdb, permanent neighbour on cni0.
tb__pod_node_side() {
	local p=$1 node ip mac veth
	read -r node ip mac veth <"$TB_RUN/pods/$p" || return 1
	tb__ip "$node" link set "$veth" master cni0 up || return 1
	bridge -n "$(tb_ns "$node")" fdb replace "$mac" dev "$veth" master static || return 1
	tb__ip "$node" neigh replace "$ip" lladdr "$mac" dev cni0 nud permanent || return 1
}

# tb__wire_pod NODE NAME FIRST: a pod namespace wired as the CNI bridge plugin does (veth made in
# the pod, host end named veth<8 hex> in the node, enslaved to cni0; default route and permanent
# neighbour entry for the cni0 gateway), its address the first free one from 10.244.N.FIRST.
tb__wire_pod() {
	local n=$1 p=$2 i k ip mac veth gw
	[ -e "$TB_RUN/pods/$p" ] && { tb__die "pod $p exists"; return 1; }
	i=$(tb__idx "$n")
	k=$3
	while grep -qs " $TB_POD_NET.$i.$k " "$TB_RUN"/pods/*; do k=$((k + 1)); done
	[ "$k" -lt 255 ] || { tb__die "node $n has no free pod address"; return 1; }
	ip="$TB_POD_NET.$i.$k"
	gw="$TB_POD_NET.$i.1"
	mac=$(printf '02:00:0a:f4:%02x:%02x' "$i" "$k")
	veth=veth$(tb__rand_hex8)
	tb__mkns "$p" || return 1
	tb__ip "$p" link add eth0 address "$mac" mtu 1450 type veth \
		peer name "$veth" mtu 1450 netns "$(tb_ns "$n")" || return 1
	echo "$n $ip $mac $veth" >"$TB_RUN/pods/$p"
	tb__pod_node_side "$p" || return 1
	tb__ip "$p" addr add "$ip/24" dev eth0 || return 1
	tb__ip "$p" link set eth0 up || return 1
	tb__ip "$p" route add default via "$gw" dev eth0 || return 1
	tb__ip "$p" neigh replace "$gw" lladdr "$(tb__cni_mac "$n")" dev eth0 nud permanent
}

# tb_add_pod NODE NAME: a pod (tb__wire_pod) with permanent neighbour entries to and from the
# node's other pods and a UDP sink on TB_SINK_PORT.
tb_add_pod() {
	local n=$1 p=$2
	tb__wire_pod "$n" "$p" $(($(tb_pods "$n" | wc -l) + 2)) || return 1
	tb__pod_mesh "$p" || return 1
	tb__start_sink "$p"
}

tb__pod_mesh() { # POD: permanent neighbour entries between POD and the other pods of its node
	local p=$1 n q ip mac
	n=$(tb_pod_field "$p" node) || return 1
	ip=$(tb_pod_ip "$p")
	mac=$(tb_pod_field "$p" mac)
	for q in $(tb_pods "$n"); do
		[ "$q" = "$p" ] && continue
		tb__ip "$p" neigh replace "$(tb_pod_ip "$q")" lladdr "$(tb_pod_field "$q" mac)" \
			dev eth0 nud permanent || return 1
		tb__ip "$q" neigh replace "$ip" lladdr "$mac" dev eth0 nud permanent || return 1
	done
}

# tb_del_pod POD: what CNI DEL does (the veth goes with the namespace)
tb_del_pod() {
	local p=$1
	tb__kill_pidfile "$TB_RUN/pids/sink-$p" KILL
	ip netns del "$(tb_ns "$p")" 2>/dev/null
	sed -i "\|^$(tb_ns "$p")\$|d" "$TB_RUN/netns"
	rm -f "$TB_RUN/pods/$p"
}

# tb__start_udp_server ROLE POD PORT LOOP: a Python UDP socket s bound to PORT in POD (4 MiB
# receive buffer), then the Python statements LOOP; pid in $TB_RUN/pids/ROLE-POD (killed by PID
# at teardown), stderr in $TB_RUN/log/ROLE-POD.log. Returns once the socket is bound.
tb__start_udp_server() {
	local role=$1 p=$2 ready="$TB_RUN/$1-$2.ready" t
	rm -f "$ready"
	# started directly (not through a function) so that $! is the server itself
	ip netns exec "$(tb_ns "$p")" "$TB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2], "w").close()
'"$4" "$3" "$ready" </dev/null >/dev/null 2>>"$TB_RUN/log/$role-$p.log" &
	echo $! >"$TB_RUN/pids/$role-$p"
	disown $! # no job report
	for t in $(seq 200); do
		[ -e "$ready" ] && return 0
		sleep 0.01
	done
	tb__die "$role in $p not ready"
}

tb__start_sink() { # POD: bound UDP socket that discards (no ICMP port-unreachable replies)
	tb__start_udp_server sink "$1" "$TB_SINK_PORT" '
while True:
    s.recv(65536)
'
}

# --- traffic -------------------------------------------------------------------------------
# tb_send_udp SRC_POD DST_POD|IP COUNT PAYLOAD [PORT]: COUNT datagrams of exactly PAYLOAD bytes
# (frame at tc: PAYLOAD+42). Paced so no queue on the way overflows.
tb_send_udp() {
	local src=$1 dst=$2 count=$3 size=$4 port=${5:-$TB_SINK_PORT}
	[ -e "$TB_RUN/pods/$dst" ] && dst=$(tb_pod_ip "$dst")
	tb_exec "$src" "$TB_PY" -c '
import socket, sys, time
dst, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
buf = b"n" * size
for i in range(n):
    if s.sendto(buf, (dst, port)) != size:
        sys.exit("short send")
    if i % 16 == 15:
        time.sleep(0.002)
' "$dst" "$port" "$count" "$size"
}

# tb_sysstats NODE|POD: "dev rx_packets rx_bytes tx_packets tx_bytes" for every device
tb_sysstats() {
	tb_exec "$1" sh -c 'cd /sys/class/net && for d in *; do
		[ -d "$d/statistics" ] || continue
		s=$d/statistics
		echo "$d $(cat $s/rx_packets) $(cat $s/rx_bytes) $(cat $s/tx_packets) $(cat $s/tx_bytes)"
	done'
}

# tb_sysstat FILE DEV rx_packets|rx_bytes|tx_packets|tx_bytes: one value from a tb_sysstats dump
tb_sysstat() {
	awk -v d="$2" -v f="$3" '
		BEGIN { c["rx_packets"] = 2; c["rx_bytes"] = 3; c["tx_packets"] = 4; c["tx_bytes"] = 5 }
		$1 == d { print $(c[f]); found = 1 }
		END { exit !found }' "$1"
}

# --- agents --------------------------------------------------------------------------------
# tb_start_agent NODE BINARY [args...]: run the agent inside NODE's namespace on
# 127.0.0.1:TB_AGENT_PORT with the node's bpffs; wait until /metrics answers with the
# datapath's families and /-/ready is 200 (the CNI cache is read: pods have their names). The
# node device is TB_NODE_DEVICE (default eth0); set it empty to run as the DaemonSet does,
# following the default routes (`TB_NODE_DEVICE= tb_start_agent ...`).
tb_start_agent() {
	local n=$1 bin=$2 pid t dev=()
	shift 2
	bin=$(readlink -f "$bin")
	[ -x "$bin" ] || { tb__die "no agent binary $bin"; return 1; }
	[ -z "${TB_NODE_DEVICE-eth0}" ] || dev=(--collector.netpath.node-device="${TB_NODE_DEVICE-eth0}")
	ip netns exec "$(tb_ns "$n")" "$bin" \
		--web.listen-address="127.0.0.1:$TB_AGENT_PORT" \
		--bpf.pin-path="$(tb_bpf_dir "$n")" \
		"${dev[@]}" \
		"$@" </dev/null >>"$TB_RUN/log/agent-$n.log" 2>&1 &
	pid=$!
	echo "$pid" >"$TB_RUN/pids/agent-$n"
	for t in $(seq 500); do
		if ! kill -0 "$pid" 2>/dev/null; then
			tb__die "agent on $n exited; log:"
			tail -20 "$TB_RUN/log/agent-$n.log" >&2
			return 1
		fi
		# not `tb_scrape | grep -q`: grep leaving early fails the pipe under pipefail
		if grep -q '^nodepath_bpf_attached_interfaces' <<<"$(tb_scrape "$n" 2>/dev/null)" &&
			tb_exec "$n" curl -sf --max-time 5 -o /dev/null \
				"http://127.0.0.1:$TB_AGENT_PORT/-/ready"; then
			return 0
		fi
		sleep 0.02
	done
	tb__die "agent on $n not ready after 10 s"
}

# tb_tcx_progs NODE DEV ingress|egress: ids of the programs in DEV's tcx chain (bpftool 7.1
# cannot list tcx yet, so ask the kernel: BPF_PROG_QUERY in the node's namespace).
tb_tcx_progs() {
	tb_exec "$1" "$TB_PY" -c '
import ctypes, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
types = {"ingress": 46, "egress": 47}  # BPF_TCX_INGRESS, BPF_TCX_EGRESS
ids = (ctypes.c_uint32 * 64)()
attr = ctypes.create_string_buffer(128)
struct.pack_into("<IIIIQI", attr, 0, socket.if_nametoindex(sys.argv[1]), types[sys.argv[2]],
                 0, 0, ctypes.addressof(ids), 64)
if libc.syscall(321, 16, attr, 128) < 0:  # __NR_bpf, BPF_PROG_QUERY
    sys.exit("BPF_PROG_QUERY: errno %d" % ctypes.get_errno())
for i in range(struct.unpack_from("<I", attr, 24)[0]):
    print(ids[i])
' "$2" "$3"
}

# tb_prog_name ID: a loaded BPF program's name
tb_prog_name() { bpftool prog show id "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "name") print $(i + 1) }'; }

# tb_tc_filters NODE DEV ingress|egress: the clsact filters (one line each, with handle)
tb_tc_filters() { tb_exec "$1" tc filter show dev "$2" "$3" | grep ' handle ' || true; }

tb_agent_pid() { cat "$TB_RUN/pids/agent-$1" 2>/dev/null; }
tb_agent_log() { echo "$TB_RUN/log/agent-$1.log"; }

# tb_stop_agent NODE [SIGNAL]: signal (default TERM) and wait for the exit; returns its status.
# No agent of this run on NODE to stop, or one that had already exited on its own, is a failure
# (125, or its own non-zero status): a status check must not pass because nothing ran.
tb_stop_agent() {
	local n=$1 sig=${2:-TERM} pid rc=0
	pid=$(tb_agent_pid "$n")
	if [ -z "$pid" ]; then
		tb__log "no agent of this run on $n to stop"
		return 125
	fi
	rm -f "$TB_RUN/pids/agent-$n"
	if ! tb__ours "$pid"; then
		# gone before the signal: our child's status is still there to be reaped
		wait "$pid" 2>/dev/null
		rc=$?
		[ "$rc" -eq 127 ] && rc=125 # not our child: nothing to say it ever ran
		[ "$rc" -eq 0 ] && rc=125
		tb__log "agent on $n had exited before it was stopped (status $rc)"
		return "$rc"
	fi
	kill -"$sig" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	# not our child (agent started by another shell): poll
	while tb__alive "$pid"; do sleep 0.02; done
	return "$rc"
}

# tb_scrape NODE [curl args...]: GET /metrics of NODE's agent (exposition text on stdout)
tb_scrape() {
	local n=$1
	shift
	tb_exec "$n" curl -sSf --max-time 5 "$@" "http://127.0.0.1:$TB_AGENT_PORT/metrics"
}

# tb_metric FILE FAMILY [SELECTOR]: sum of the samples of FAMILY whose labels contain every
# k="v" of SELECTOR (comma separated, no commas inside values); fails if none matches.
tb_metric() {
	awk -v fam="$2" -v sel="${3:-}" '
		BEGIN { n = split(sel, want, ",") }
		/^#/ || NF < 2 { next }
		{
			name = $0; labels = ""
			b = index($0, "{")
			if (b) {
				name = substr($0, 1, b - 1)
				e = index($0, "} ")
				labels = "," substr($0, b + 1, e - b - 1) ","
				val = substr($0, e + 2)
			} else {
				split($0, f, " "); name = f[1]; val = f[2]
			}
			if (name != fam) next
			for (i = 1; i <= n; i++)
				if (index(labels, "," want[i] ",") == 0) next
			split(val, v, " ")
			sum += v[1]; found = 1
		}
		END { if (!found) exit 1; printf "%.17g\n", sum }' "$1"
}

# tb_metric0 FILE FAMILY [SELECTOR]: as tb_metric, 0 when no series matches
tb_metric0() { tb_metric "$@" || echo 0; }

# --- teardown ------------------------------------------------------------------------------
# Every process the testbed starts has $TB_RUN in its command line (pin path, ready file): a
# recycled PID of someone else's process is never signalled.
tb__ours() {
	local cmd
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") && grep -qF "$TB_RUN/" <<<"$cmd"
}

tb__alive() { # PID: running (a zombie counts as gone)
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

tb__kill_pidfile() { # FILE [SIGNAL]: kill the recorded PID if it is still ours, reap it
	local f=$1 sig=${2:-TERM} pid t
	[ -e "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	[ -n "$pid" ] && tb__ours "$pid" || return 0
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for t in $(seq 100); do
		tb__alive "$pid" || break
		sleep 0.02
	done
	tb__alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true # our child: reap it quietly (no "Killed" job report)
	return 0
}

# tb_down: remove everything this run created; idempotent, safe on a half-built testbed
tb_down() {
	local f ns m
	# runs from EXIT traps of scripts under `set -e`: a failing step must not end the teardown
	local -
	set +e
	[ -n "${TB_TAG:-}" ] && [ -n "${TB_RUN:-}" ] && [ -d "$TB_RUN" ] || return 0
	for f in "$TB_RUN"/pids/agent-*; do [ -e "$f" ] && tb__kill_pidfile "$f" TERM; done
	for f in "$TB_RUN"/pids/*; do [ -e "$f" ] && tb__kill_pidfile "$f" TERM; done
	wait 2>/dev/null
	if [ -s "$TB_RUN/mounts" ]; then
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done <"$TB_RUN/mounts"
	fi
	if [ -s "$TB_RUN/netns" ]; then
		for ns in $(tac "$TB_RUN/netns"); do
			case $ns in "$TB_TAG"-*) ip netns del "$ns" 2>/dev/null ;; esac
		done
	fi
	rm -rf "$TB_RUN"
}

# tb_trap: tear down on every exit path of the calling shell
tb_trap() {
	trap 'tb_down' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# tb_up: build the whole two-node testbed (pods n1a n1b on n1, n2a n2b on n2; TB_UP_PODS, if
# set, lists the pods to make instead: "" for none, when a test makes its own, e.g. real-CNI ones)
tb_up() {
	local n p
	[ "$(id -u)" -eq 0 ] || { tb__die "must run as root"; return 1; }
	[ -n "$TB_PY" ] || { tb__die "python3 missing"; return 1; }
	tb__mkrun || return 1
	tb__mkns ul || return 1
	ip -n "$(tb_ns ul)" link add ul0 type bridge stp_state 0 mcast_snooping 0 || return 1
	ip -n "$(tb_ns ul)" link set ul0 up || return 1
	for n in $TB_NODES; do tb__node_create "$n" || return 1; done
	for n in $TB_NODES; do tb__node_neighbours "$n" || return 1; done
	for n in $TB_NODES; do
		tb_node_bridge "$n" || return 1
		tb_node_overlay "$n" || return 1
	done
	for n in $TB_NODES; do
		for p in "${n}a" "${n}b"; do
			if [ -n "${TB_UP_PODS+set}" ] && ! grep -qw -- "$p" <<<"$TB_UP_PODS"; then
				continue
			fi
			tb_add_pod "$n" "$p" || return 1
		done
	done
}

tb__node_neighbours() { # NODE: permanent ARP entries for the other nodes' NICs
	local n=$1 m
	for m in $TB_NODES; do
		[ "$m" = "$n" ] && continue
		tb__ip "$n" neigh replace "$(tb_node_ip "$m")" lladdr "$(tb__nic_mac "$m")" dev eth0 \
			nud permanent || return 1
	done
}

# shellcheck source=tests/e2e/cni/lib_cni.sh
. "$(dirname "${BASH_SOURCE[0]}")/cni/lib_cni.sh"

# --- CLI -----------------------------------------------------------------------------------
tb__print_metrics() {
	local n=$1 p
	echo "--- node $n (namespace $(tb_ns "$n"), NIC eth0 $(tb_node_ip "$n"))"
	for p in $(tb_pods "$n"); do
		echo "    pod $p: $(tb_pod_ip "$p"), host veth $(tb_pod_veth "$p")"
	done
	grep -E '^nodepath_(interface|pod|path)_[a-z_]*(packets|bytes)_total|^nodepath_pod_info|^nodepath_node_network_info|^nodepath_bpf_attached' \
		<<<"$(tb_scrape "$n")" || true
}

tb__demo() {
	local bin=${1:-build/nodepath} n
	tb_trap
	tb_up || exit 1
	# Node-local state as containerd and flanneld leave it: pod names come from the CNI cache.
	# shellcheck source=tests/e2e/lib_pods.sh
	. "$(dirname "${BASH_SOURCE[0]}")/lib_pods.sh"
	for n in $TB_NODES; do
		lp_write_subnet_env "$n" || exit 1
	done
	lp_name_pod n1a shop web-0 || exit 1
	lp_name_pod n1b shop cart-7d9f5c-x2k4q || exit 1
	lp_name_pod n2a shop db-0 || exit 1
	lp_name_pod n2b kube-system coredns-5d78c9869d-tqlpw || exit 1
	for n in $TB_NODES; do
		lp_start_agent "$n" "$bin" || exit 1
	done
	echo "testbed $TB_TAG up; an agent on 127.0.0.1:$TB_AGENT_PORT in each of $(tb_ns n1), $(tb_ns n2)"
	echo "sending 10 x 100 B UDP web-0->cart (same node), 20 x 1000 B web-0->db-0 (cross node)"
	sleep 1.2 # pod names and path classes settle (the agent re-reads the CNI state each second)
	tb_send_udp n1a n1b 10 100
	tb_send_udp n1a n2a 20 1000
	for n in $TB_NODES; do tb__print_metrics "$n"; done
	echo
	echo "same node: 142 B frames, seen only on the two pods' veths (cni0 bridges them port to port)"
	echo "cross node: 1042 B frames on veth, cni0 and flannel.1; 1092 B (VXLAN, +50) on eth0"
	echo "more: ip netns exec $(tb_ns n1) curl -s 127.0.0.1:$TB_AGENT_PORT/metrics"
	echo "      agent logs in $TB_RUN/log/; Ctrl-C tears everything down"
	while :; do sleep 1; done
}

tb__main() {
	set -u
	case ${1:-} in
	demo)
		shift
		tb__demo "$@"
		;;
	up)
		tb_up || { tb_down; exit 1; }
		echo "testbed up: TB_TAG=$TB_TAG (namespaces: $(tr '\n' ' ' <"$TB_RUN/netns"))"
		echo "tear down with: $0 down $TB_TAG"
		;;
	down)
		[ -n "${2:-}" ] || { echo "usage: $0 down TAG" >&2; exit 2; }
		tb_attach "$2" || { echo "no testbed $2" >&2; exit 1; }
		tb_down
		;;
	status)
		[ -n "${2:-}" ] || { echo "usage: $0 status TAG" >&2; exit 2; }
		tb_attach "$2" || { echo "no testbed $2" >&2; exit 1; }
		for ns in $(cat "$TB_RUN/netns"); do
			echo "== $ns"
			ip -n "$ns" -br addr
		done
		;;
	*)
		echo "usage: $0 demo [path/to/nodepath] | up | down TAG | status TAG" >&2
		exit 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	tb__main "$@"
fi
