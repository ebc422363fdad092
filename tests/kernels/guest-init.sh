#!/bin/sh
# /init of the kernel matrix guest (busybox sh, PID 1 in a qemu VM booted by run-matrix.sh).
#
# Builds a flannel-style node in network namespaces, runs the agent there, sends known UDP,
# and checks: attach mode, hooks while running, exact counts against the kernel's
# /sys/class/net statistics and against the traffic sent, a scrape, and a clean SIGTERM that
# leaves the hooks counting, which node-cleanup.sh's steps then remove entirely. Ends with one
# line for the host:
#   NP-RESULT kernel=K arch=A mode=M exact=yes|no drops=loaded|unsupported scrape=ok|fail
#             sigterm=ok|fail pass=N fail=N
#
#   ns node : eth0 192.168.250.1/24 (node NIC, veth to peer), cni0 10.244.1.1/24 (bridge),
#             flannel.1 10.244.1.0/32 (VXLAN id 1, port 8472), host veths of pods a and b
#   ns pa, pb : pods 10.244.1.2 and .3 (eth0 -> cni0)
#   ns peer : the other node: eth0 192.168.250.2/24, flannel.1 10.244.2.0/32, a UDP sink
# Silent network as in tests/e2e/testbed.sh: no IPv6, permanent neighbours, static fdb entries,
# no STP, no IGMP reports, so every counter delta is exactly the traffic sent here.
export PATH=/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin
# iproute2 by full path: busybox sh runs its own ip/tc applets (no netns, no vxlan) before PATH
ip() { /usr/local/sbin/ip "$@"; }
tc() { /usr/local/sbin/tc "$@"; }
bridge() { /usr/local/sbin/bridge "$@"; }

/bin/busybox mkdir -p /proc /sys /dev /run /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
phase() { echo "np-guest: $(cut -d' ' -f1 /proc/uptime) s: $*"; }
# the host tells a guest kernel that failed before running /init by this line's absence
phase "init started"

PASS=0
FAIL=0
EXACT=no
SCRAPE=fail
SIGTERM=fail
MODE=none
DROPS=none
EXPECT_MODE=$(sed -n 's/.*np_expect_mode=\([a-z]*\).*/\1/p' /proc/cmdline)
PORT=5201
M=/tmp/m
DEVS="eth0 cni0 flannel.1 vethaaaa0002 vethaaaa0003"

ok() { PASS=$((PASS + 1)); }
bad() {
	FAIL=$((FAIL + 1))
	echo "np-guest: FAIL: $*"
}
check() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
finish() {
	echo "NP-RESULT kernel=$(uname -r) arch=$(uname -m) mode=$MODE exact=$EXACT" \
		"drops=$DROPS scrape=$SCRAPE sigterm=$SIGTERM pass=$PASS fail=$FAIL"
	sync
	reboot -f
}

# --- modules (decompressed by the host, in dependency order; absent = built in) -------------
while read -r mod; do
	insmod "$mod" || bad "insmod $mod"
done </etc/np-modules

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
ip link set lo up

mkns() { # NAME: a silent namespace
	ip netns add "$1" || return 1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
		net.ipv4.igmp_link_local_mcast_reports=0 >/dev/null || return 1
	ip -n "$1" link set lo up
}

N1_MAC=02:00:c0:a8:fa:01
N2_MAC=02:00:c0:a8:fa:02
CNI_MAC=02:00:0a:f4:01:01
VX1_MAC=02:00:0a:f4:01:00
VX2_MAC=02:00:0a:f4:02:00
PA_MAC=02:00:0a:f4:01:02
PB_MAC=02:00:0a:f4:01:03

# Few processes: every exec of a dynamically linked binary costs a lot under TCG, so each
# namespace is configured by one iproute2 batch.
topology() {
	local ns
	for ns in node peer pa pb; do mkns $ns || return 1; done
	ip netns exec node sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
	# the node: NIC back to back with the peer's, cni0 as the CNI bridge plugin makes it, the
	# pods' veths (host end veth<8 hex> in cni0), flannel.1 with flanneld's static route,
	# neighbour and fdb entry for the peer
	ip -n node -b - <<-EOF || return 1
	link add eth0 address $N1_MAC type veth peer name eth0 address $N2_MAC netns peer
	addr add 192.168.250.1/24 dev eth0
	link set eth0 up
	neigh replace 192.168.250.2 lladdr $N2_MAC dev eth0 nud permanent
	link add cni0 address $CNI_MAC mtu 1450 type bridge stp_state 0
	addr add 10.244.1.1/24 dev cni0
	link set cni0 up
	link add flannel.1 address $VX1_MAC mtu 1450 type vxlan id 1 local 192.168.250.1 dev eth0 dstport 8472 nolearning
	addr add 10.244.1.0/32 dev flannel.1
	link set flannel.1 up
	route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
	neigh replace 10.244.2.0 lladdr $VX2_MAC dev flannel.1 nud permanent
	link add vethaaaa0002 mtu 1450 type veth peer name eth0 address $PA_MAC mtu 1450 netns pa
	link add vethaaaa0003 mtu 1450 type veth peer name eth0 address $PB_MAC mtu 1450 netns pb
	link set vethaaaa0002 master cni0 up
	link set vethaaaa0003 master cni0 up
	neigh replace 10.244.1.2 lladdr $PA_MAC dev cni0 nud permanent
	neigh replace 10.244.1.3 lladdr $PB_MAC dev cni0 nud permanent
	EOF
	bridge -n node -b - <<-EOF || return 1
	fdb replace $VX2_MAC dev flannel.1 dst 192.168.250.2 self permanent
	fdb replace $PA_MAC dev vethaaaa0002 master static
	fdb replace $PB_MAC dev vethaaaa0003 master static
	EOF
	ip -n peer -b - <<-EOF || return 1
	addr add 192.168.250.2/24 dev eth0
	link set eth0 up
	neigh replace 192.168.250.1 lladdr $N1_MAC dev eth0 nud permanent
	link add flannel.1 address $VX2_MAC mtu 1450 type vxlan id 1 local 192.168.250.2 dev eth0 dstport 8472 nolearning
	addr add 10.244.2.0/32 dev flannel.1
	link set flannel.1 up
	route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
	neigh replace 10.244.1.0 lladdr $VX1_MAC dev flannel.1 nud permanent
	EOF
	bridge -n peer fdb replace $VX1_MAC dev flannel.1 dst 192.168.250.1 self permanent ||
		return 1
	pod pa 10.244.1.2 10.244.1.3 $PB_MAC && pod pb 10.244.1.3 10.244.1.2 $PA_MAC
}

pod() { # NS IP OTHER_IP OTHER_MAC: the pod's side, default route via cni0, permanent neighbours
	ip -n "$1" -b - <<-EOF
	addr add $2/24 dev eth0
	link set eth0 up
	route add default via 10.244.1.1 dev eth0
	neigh replace 10.244.1.1 lladdr $CNI_MAC dev eth0 nud permanent
	neigh replace $3 lladdr $4 dev eth0 nud permanent
	EOF
}

# --- observation helpers ----------------------------------------------------------------------
scrape() { ip netns exec node wget -q -O "$1" http://127.0.0.1:9100/metrics; }

# metric FILE FAMILY SELECTOR: sum of FAMILY samples whose labels contain SELECTOR (k="v")
metric() {
	awk -v fam="$2" -v sel="$3" '
		index($0, fam "{") == 1 && index($0, sel) { n = split($0, f, " "); s += f[n]; found = 1 }
		END { if (!found) print "none"; else printf "%.0f\n", s }' "$1"
}

# kstats FILE: "dev rx_packets rx_bytes tx_packets tx_bytes" of every device in node
kstats() {
	ip netns exec node sh -c 'cd /sys/class/net && for d in *; do
		s=$d/statistics
		echo "$d $(cat $s/rx_packets) $(cat $s/rx_bytes) $(cat $s/tx_packets) $(cat $s/tx_bytes)"
	done' >"$1"
}
# hooks: "DEV DIR tcx=<n|-> tc=<n>" for every hook of $DEVS: nodepath programs in its tcx chain
# ("-": no tcx in this kernel) and clsact filters
hooks() {
	local d dir
	# shellcheck disable=SC2046
	ip netns exec node /opt/np/guest_tool tcx $(for d in $DEVS; do echo "$d ingress $d egress"; done) |
		while read -r d dir tcx; do
			echo "$d $dir tcx=$tcx tc=$(tc -n node filter show dev "$d" "$dir" | grep -c ' bpf .* handle ')"
		done
}

attached() { # LAYER
	scrape $M.att 2>/dev/null || { echo none; return; }
	metric $M.att nodepath_bpf_attached_interfaces "layer=\"$1\""
}

# --- the run ----------------------------------------------------------------------------------
topology || { bad "topology"; finish; }
mkdir -p /run/bpf-node && mount -t bpf bpf /run/bpf-node || { bad "bpffs"; finish; }
# started through iproute2's binary, not the ip() function: $! must be the process itself
/usr/local/sbin/ip netns exec peer /opt/np/guest_tool sink $PORT &
/usr/local/sbin/ip netns exec pb /opt/np/guest_tool sink $PORT &
phase "topology up"

/usr/local/sbin/ip netns exec node /opt/np/nodepath --web.listen-address=127.0.0.1:9100 \
	--bpf.pin-path=/run/bpf-node --collector.netpath.node-device=eth0 \
	--collector.netpath.bridge-device=cni0 --collector.netpath.overlay-device=flannel.1 \
	</dev/null >/tmp/agent.log 2>&1 &
AGENT=$!

# ready = everything attached: node 1, bridge 1, overlay 1, pod 2 (up to 60 s under TCG)
t=0
while [ "$(attached node)$(attached bridge)$(attached overlay)$(attached pod)" != 1112 ]; do
	if ! kill -0 $AGENT 2>/dev/null || [ $t -ge 600 ]; then
		bad "agent not attached after $((t / 10)) s"
		tail -30 /tmp/agent.log
		kill -TERM $AGENT 2>/dev/null
		finish
	fi
	sleep 0.1
	t=$((t + 1))
done
echo "np-guest: agent attached after ~$((t / 10)) s"

# attach mode: what the agent logged for each device, all the same, the one expected
MODES=$(sed -n 's/.*msg="attached" device=.* mode=\([a-z]*\).*/\1/p' /tmp/agent.log | sort -u)
check "devices attached per log" "$(grep -c 'msg="attached" device=' /tmp/agent.log)" 5
check "one attach mode" "$(echo "$MODES" | wc -l)" 1
MODE=$(echo "$MODES" | head -1)
[ -n "$EXPECT_MODE" ] && check "attach mode" "$MODE" "$EXPECT_MODE"

# the drop counters (tp_btf/kfree_skb) load where the kernel allows; elsewhere the agent says why
if grep -q 'drop counters loaded' /tmp/agent.log; then
	DROPS=loaded
elif grep -q 'drop counters unsupported' /tmp/agent.log; then
	DROPS=unsupported
	grep 'drop counters unsupported' /tmp/agent.log
fi
if [ "$MODE" = tcx ]; then WANT_HOOK="tcx=1 tc=0"; else WANT_HOOK="tcx=- tc=1"; fi
[ "$MODE" = tc ] && [ "$(ip netns exec node /opt/np/guest_tool tcx eth0 ingress)" != "eth0 ingress -" ] &&
	WANT_HOOK="tcx=0 tc=1" # tc mode chosen on a kernel that has tcx
hooks >$M.hooks
check "hooks listed" "$(wc -l <$M.hooks)" 10
while read -r d dir h; do
	check "$d $dir hooks while running" "$h" "$WANT_HOOK"
done <$M.hooks
phase "hooks checked"
# a scrape: HTTP 200 with host and datapath families
if scrape $M.0 && grep -q '^node_cpu_seconds_total{' $M.0 && grep -q '^nodepath_build_info' $M.0
then
	SCRAPE=ok
	ok
else
	bad "scrape"
fi
kstats $M.k0

# traffic: same node (pa -> pb), out through the overlay (pa -> peer), in (peer -> pb)
ip netns exec pa /opt/np/guest_tool send 10.244.1.3 $PORT 10 100 || bad "send pa->pb"
ip netns exec pa /opt/np/guest_tool send 10.244.2.0 $PORT 20 1000 || bad "send pa->peer"
ip netns exec peer /opt/np/guest_tool send 10.244.1.3 $PORT 30 300 || bad "send peer->pb"
sleep 1 # receive paths finish in softirq
kstats $M.k1
scrape $M.1 || bad "scrape after traffic"
phase "traffic sent"

# One awk for every comparison (a process per number is minutes under TCG). Checks:
# - the kernel's deltas are the traffic sent: frames of payload+42 bytes, VXLAN outer +50, cni0
#   receive and flannel.1 count without the Ethernet header;
# - the agent's deltas equal the kernel's (bytes + 14 per packet where the kernel omits Ethernet),
#   per device and layer, and per pod (host veth transmit = pod receive).
awk -v k0=$M.k0 -v k1=$M.k1 -v m0=$M.0 -v m1=$M.1 '
	function kd(d, c) { return k[k1, d, c] - k[k0, d, c] }
	function md(fam, d,   a, b) {
		if (!((m1, fam, d) in m) || !((m0, fam, d) in m)) return "none"
		return m[m1, fam, d] - m[m0, fam, d]
	}
	function is(desc, got, want) {
		if (got "" == want "") pass++
		else printf "np-guest: FAIL: %s: got %s, want %s\n", desc, got, want
		total++
	}
	function kernel(d, rp, rb, tp, tb) {
		is(d " kernel rx_packets", kd(d, 2), rp); is(d " kernel rx_bytes", kd(d, 3), rb)
		is(d " kernel tx_packets", kd(d, 4), tp); is(d " kernel tx_bytes", kd(d, 5), tb)
	}
	function iface(d, l, orx, otx,   p) {
		p = "nodepath_interface_"
		is(d " receive packets = kernel", md(p "receive_packets_total", d "/" l), kd(d, 2))
		is(d " receive bytes = kernel", md(p "receive_bytes_total", d "/" l), kd(d, 3) + orx * kd(d, 2))
		is(d " transmit packets = kernel", md(p "transmit_packets_total", d "/" l), kd(d, 4))
		is(d " transmit bytes = kernel", md(p "transmit_bytes_total", d "/" l), kd(d, 5) + otx * kd(d, 4))
	}
	function pod(d,   p) {
		p = "nodepath_pod_"
		is("pod " d " receive packets = kernel", md(p "receive_packets_total", d), kd(d, 4))
		is("pod " d " receive bytes = kernel", md(p "receive_bytes_total", d), kd(d, 5))
		is("pod " d " transmit packets = kernel", md(p "transmit_packets_total", d), kd(d, 2))
		is("pod " d " transmit bytes = kernel", md(p "transmit_bytes_total", d), kd(d, 3))
	}
	function label(s, name,   i, r) {
		i = index(s, name "=\"")
		if (!i) return ""
		r = substr(s, i + length(name) + 2)
		return substr(r, 1, index(r, "\"") - 1)
	}
	FILENAME == k0 || FILENAME == k1 { for (c = 2; c <= 5; c++) k[FILENAME, $1, c] = $c; next }
	/^nodepath_(interface|pod)_/ {
		fam = substr($1, 1, index($1, "{") - 1)
		if (fam ~ /^nodepath_interface_/) key = label($0, "device") "/" label($0, "layer")
		else key = label($0, "interface")
		m[FILENAME, fam, key] += $NF
	}
	END {
		kernel("eth0", 30, 30 * 392, 20, 20 * 1092)
		kernel("cni0", 20, 20 * 1028, 30, 30 * 342)
		kernel("flannel.1", 30, 30 * 328, 20, 20 * 1028)
		kernel("vethaaaa0002", 30, 10 * 142 + 20 * 1042, 0, 0)
		kernel("vethaaaa0003", 0, 0, 40, 10 * 142 + 30 * 342)
		iface("eth0", "node", 0, 0)
		iface("cni0", "bridge", 14, 0)
		iface("flannel.1", "overlay", 14, 14)
		pod("vethaaaa0002")
		pod("vethaaaa0003")
		printf "np-guest: exact checks %d/%d\n", pass, total
	}' $M.k0 $M.k1 $M.0 $M.1 >$M.cmp
grep 'FAIL' $M.cmp
n=$(sed -n 's|^np-guest: exact checks \([0-9]*\)/\([0-9]*\)$|\1 \2|p' $M.cmp)
good=${n% *}
all=${n#* }
if [ -n "$n" ] && [ "$good" = "$all" ] && [ "$all" = 40 ]; then
	EXACT=yes
else
	EXACT=no
	bad "exact checks: ${n:-none} (want 40 40)"
fi
PASS=$((PASS + ${good:-0}))
FAIL=$((FAIL + ${all:-0} - ${good:-0}))
phase "counts compared"
# SIGTERM: exit 0, the hooks left counting for the next agent (tcx links pinned under
# /run/bpf-node/links, or clsact filters); removing them as node-cleanup.sh does (unpin the links,
# delete our filters) leaves nothing of ours on any hook and no BPF link in the system
kill -TERM $AGENT
wait $AGENT
rc=$?
check "agent exit status after SIGTERM" "$rc" 0
left=0
hooks >$M.hooks.kept
check "hooks listed after SIGTERM" "$(wc -l <$M.hooks.kept)" 10
while read -r d dir h; do
	[ "$h" = "$WANT_HOOK" ] || { bad "$d $dir after SIGTERM: $h, want $WANT_HOOK (left counting)"; left=1; }
done <$M.hooks.kept
if [ "$MODE" = tcx ]; then want_links=10; else want_links=0; fi
check "BPF links after SIGTERM (the pinned tcx links)" "$(/opt/np/guest_tool links)" $want_links
rm -f /run/bpf-node/links/*
for d in $DEVS; do
	for dir in ingress egress; do
		tc -n node filter del dev "$d" "$dir" protocol all pref 1 handle 0x6e70 bpf 2>/dev/null
	done
done
sleep 0.5 # an unpinned link is released asynchronously
hooks >$M.hooks.after
check "hooks listed after the removal" "$(wc -l <$M.hooks.after)" 10
while read -r d dir h; do
	case $h in "tcx=0 tc=0" | "tcx=- tc=0") ;; *)
		bad "$d $dir after the removal: $h"
		left=1
		;;
	esac
done <$M.hooks.after
check "BPF links after the removal" "$(/opt/np/guest_tool links)" 0
check "devices after SIGTERM" "$(ip -n node -o link show | wc -l)" 6
if [ $left -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(/opt/np/guest_tool links)" = 0 ]; then
	SIGTERM=ok
fi
phase "SIGTERM checked"
[ "$FAIL" -eq 0 ] || { echo "np-guest: agent log:"; tail -20 /tmp/agent.log; }
finish
