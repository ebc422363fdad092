#!/usr/bin/env bash
# End-to-end datapath test: the real agent in each node namespace of the two-node flannel testbed
# (testbed.sh), known UDP batches between pods, and exact assertions on /metrics deltas against
# the expected sizes and the kernel's own interface counters. Also: a pod created while the agent
# runs, restarts (kill -9, SIGTERM) in tcx and tc modes, foreign tc programs on the same hook,
# devices that appear late or disappear, promtool, gzip.
#
#   bash tests/e2e/datapath.test.sh build/nodepath        (root; exit 0 = pass)
#
# Sizes at tc for a datagram with payload P: pod frame P+42, VXLAN outer frame P+92. Kernel
# counters equal the BPF counts except cni0 receive and flannel.1 (both directions): 14 bytes
# (the Ethernet header) less per packet.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/testbed.sh
source tests/e2e/testbed.sh

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for tool in ip tc bridge bpftool curl promtool gzip clang "$TB_PY"; do
	command -v "$tool" >/dev/null || die "missing $tool"
done

tb_trap
tb_up || die "testbed failed"
echo "testbed $TB_TAG"
SNAP=$TB_RUN/snap
mkdir -p "$SNAP"

# --- snapshots and deltas ------------------------------------------------------------------
# snap NAME: metrics and kernel counters of both nodes, under NAME
snap() {
	local n
	for n in $TB_NODES; do
		tb_scrape "$n" >"$SNAP/$n.$1.prom" || bad "scrape $n failed"
		tb_sysstats "$n" >"$SNAP/$n.$1.sys"
	done
}
# mval NODE SNAP FAMILY SELECTOR: the sample in snapshot SNAP; "missing" (and status 1) if none
mval() { tb_metric "$SNAP/$1.$2.prom" "$3" "$4" || { echo missing; return 1; }; }
# mdelta NODE A B FAMILY SELECTOR: metric delta. The series must be in B, or the delta reads
# "missing" and no check can pass on it. Absent from A it counts as 0 (a series born between A
# and B), unless MDELTA_STRICT=1: then it must be in both.
mdelta() {
	local a b
	b=$(mval "$1" "$3" "$4" "$5") || { echo "missing in $3"; return; }
	if ! a=$(mval "$1" "$2" "$4" "$5"); then
		[ "${MDELTA_STRICT:-0}" = 1 ] && { echo "missing in $2"; return; }
		a=0
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.17g\n", b - a }'
}
# kdelta NODE A B DEV FIELD: kernel counter delta; DEV must be in B, and in A unless it was
# created in between (then its counters started at 0), as for mdelta
kdelta() {
	local a b
	b=$(tb_sysstat "$SNAP/$1.$3.sys" "$4" "$5") || { echo "missing in $3"; return; }
	if ! a=$(tb_sysstat "$SNAP/$1.$2.sys" "$4" "$5"); then
		[ "${MDELTA_STRICT:-0}" = 1 ] && { echo "missing in $2"; return; }
		a=0
	fi
	echo $((b - a))
}

IF=nodepath_interface
POD=nodepath_pod
# expect_dev NODE A B DEV LAYER RXP RXB TXP TXB: exact interface deltas
expect_dev() {
	local n=$1 a=$2 b=$3 d=$4 l=$5 sel="device=\"$4\",layer=\"$5\""
	check "$n $d receive packets" "$(mdelta "$n" "$a" "$b" ${IF}_receive_packets_total "$sel")" "$6"
	check "$n $d receive bytes" "$(mdelta "$n" "$a" "$b" ${IF}_receive_bytes_total "$sel")" "$7"
	check "$n $d transmit packets" "$(mdelta "$n" "$a" "$b" ${IF}_transmit_packets_total "$sel")" "$8"
	check "$n $d transmit bytes" "$(mdelta "$n" "$a" "$b" ${IF}_transmit_bytes_total "$sel")" "$9"
	# UDP below the MTU: no GSO, one segment per packet
	check "$n $d receive segments" "$(mdelta "$n" "$a" "$b" ${IF}_receive_segments_total "$sel")" "$6"
	check "$n $d transmit segments" "$(mdelta "$n" "$a" "$b" ${IF}_transmit_segments_total "$sel")" "$8"
}
# expect_pod NODE A B POD RXP RXB TXP TXB: exact deltas in the pod's view
expect_pod() {
	local n=$1 a=$2 b=$3 p=$4 sel
	sel="interface=\"$(tb_pod_veth "$4")\""
	check "$n pod $p receive packets" "$(mdelta "$n" "$a" "$b" ${POD}_receive_packets_total "$sel")" "$5"
	check "$n pod $p receive bytes" "$(mdelta "$n" "$a" "$b" ${POD}_receive_bytes_total "$sel")" "$6"
	check "$n pod $p transmit packets" "$(mdelta "$n" "$a" "$b" ${POD}_transmit_packets_total "$sel")" "$7"
	check "$n pod $p transmit bytes" "$(mdelta "$n" "$a" "$b" ${POD}_transmit_bytes_total "$sel")" "$8"
}
# expect_kernel NODE A B: every hooked device's deltas equal the kernel's (packets exactly; bytes
# exactly, less 14/packet on cni0 receive and flannel.1)
expect_kernel() {
	local n=$1 a=$2 b=$3 d l p kp kb mp mb off want
	for d in eth0:node cni0:bridge flannel.1:overlay; do
		l=${d#*:}
		d=${d%%:*}
		for dir in receive:rx transmit:tx; do
			kp=$(kdelta "$n" "$a" "$b" "$d" "${dir#*:}_packets")
			kb=$(kdelta "$n" "$a" "$b" "$d" "${dir#*:}_bytes")
			mp=$(mdelta "$n" "$a" "$b" "${IF}_${dir%%:*}_packets_total" "device=\"$d\",layer=\"$l\"")
			mb=$(mdelta "$n" "$a" "$b" "${IF}_${dir%%:*}_bytes_total" "device=\"$d\",layer=\"$l\"")
			off=0
			case $d:${dir%%:*} in cni0:receive | flannel.1:*) off=14 ;; esac
			check "$n $d ${dir%%:*} packets = kernel" "$mp" "$kp"
			want=$kb
			[[ $kb =~ ^[0-9]+$ && $kp =~ ^[0-9]+$ ]] && want=$((kb + off * kp))
			check "$n $d ${dir%%:*} bytes = kernel + $off/packet" "$mb" "$want"
		done
	done
	for p in $(tb_pods "$n"); do
		d=$(tb_pod_veth "$p")
		# the pod's receive is the host veth's transmit
		check "$n pod $p receive packets = kernel" \
			"$(mdelta "$n" "$a" "$b" ${POD}_receive_packets_total "interface=\"$d\"")" \
			"$(kdelta "$n" "$a" "$b" "$d" tx_packets)"
		check "$n pod $p receive bytes = kernel" \
			"$(mdelta "$n" "$a" "$b" ${POD}_receive_bytes_total "interface=\"$d\"")" \
			"$(kdelta "$n" "$a" "$b" "$d" tx_bytes)"
		check "$n pod $p transmit packets = kernel" \
			"$(mdelta "$n" "$a" "$b" ${POD}_transmit_packets_total "interface=\"$d\"")" \
			"$(kdelta "$n" "$a" "$b" "$d" rx_packets)"
		check "$n pod $p transmit bytes = kernel" \
			"$(mdelta "$n" "$a" "$b" ${POD}_transmit_bytes_total "interface=\"$d\"")" \
			"$(kdelta "$n" "$a" "$b" "$d" rx_bytes)"
	done
}
# expect_quiet NODE A B [EXCEPT_POD...]: all-zero deltas on every device of NODE but the pods named;
# every series must be in both snapshots (a missing series is not a silent one)
expect_quiet() {
	local n=$1 a=$2 b=$3 p MDELTA_STRICT=1
	shift 3
	expect_dev "$n" "$a" "$b" eth0 node 0 0 0 0
	expect_dev "$n" "$a" "$b" cni0 bridge 0 0 0 0
	expect_dev "$n" "$a" "$b" flannel.1 overlay 0 0 0 0
	for p in $(tb_pods "$n"); do
		case " $* " in *" $p "*) continue ;; esac
		expect_pod "$n" "$a" "$b" "$p" 0 0 0 0
	done
}

# expect_cross SRC DST COUNT PAYLOAD A B: the full path of a cross-node batch, both nodes
expect_cross() {
	local s=$1 d=$2 c=$3 f=$(($4 + 42)) o=$(($4 + 92)) a=$5 b=$6 sn dn p
	sn=$(tb_pod_field "$s" node)
	dn=$(tb_pod_field "$d" node)
	expect_pod "$sn" "$a" "$b" "$s" 0 0 "$c" $((c * f))
	expect_dev "$sn" "$a" "$b" cni0 bridge "$c" $((c * f)) 0 0
	expect_dev "$sn" "$a" "$b" flannel.1 overlay 0 0 "$c" $((c * f))
	expect_dev "$sn" "$a" "$b" eth0 node 0 0 "$c" $((c * o))
	expect_dev "$dn" "$a" "$b" eth0 node "$c" $((c * o)) 0 0
	expect_dev "$dn" "$a" "$b" flannel.1 overlay "$c" $((c * f)) 0 0
	expect_dev "$dn" "$a" "$b" cni0 bridge 0 0 "$c" $((c * f))
	expect_pod "$dn" "$a" "$b" "$d" "$c" $((c * f)) 0 0
	for p in $(tb_pods "$sn") $(tb_pods "$dn"); do
		[ "$p" = "$s" ] || [ "$p" = "$d" ] || expect_pod "$(tb_pod_field "$p" node)" "$a" "$b" "$p" 0 0 0 0
	done
	expect_kernel "$sn" "$a" "$b"
	expect_kernel "$dn" "$a" "$b"
	expect_runs "$sn" "$a" "$b"
	expect_runs "$dn" "$a" "$b"
}

# expect_runs NODE A B: the programs ran once per packet on every hook (bpf_enable_stats)
expect_runs() {
	local n=$1 a=$2 b=$3 f d pk=0 all kf
	for f in ${IF}_receive_packets_total ${IF}_transmit_packets_total \
		${POD}_receive_packets_total ${POD}_transmit_packets_total; do
		d=$(mdelta "$n" "$a" "$b" "$f" "")
		[[ $d =~ ^-?[0-9]+$ ]] || { pk="$f $d"; break; }
		pk=$((pk + d))
	done
	# The tc programs only: the kfree_skb program runs on frees, not on hooks.
	all=$(mdelta "$n" "$a" "$b" nodepath_bpf_program_runs_total "")
	kf=$(mdelta "$n" "$a" "$b" nodepath_bpf_program_runs_total 'program="np_kfree_skb"')
	[[ $kf =~ ^[0-9]+$ ]] || kf=0
	[[ $all =~ ^-?[0-9]+$ ]] && all=$((all - kf))
	check "$n program runs = packets on all hooks" "$all" "$pk"
}

# attached NODE LAYER: nodepath_bpf_attached_interfaces{layer}; "missing" when the agent has no
# such series (so an expected 0 cannot pass on a series that is not there)
attached() {
	tb_scrape "$1" | tb_metric /dev/stdin nodepath_bpf_attached_interfaces "layer=\"$2\"" ||
		echo missing
}
attached_is() { [ "$(attached "$1" "$2")" = "$3" ]; }
wait_attached() { # NODE NODE_N BRIDGE_N OVERLAY_N POD_N
	local n=$1
	wait_until 5 attached_is "$n" node "$2" && wait_until 5 attached_is "$n" bridge "$3" &&
		wait_until 5 attached_is "$n" overlay "$4" && wait_until 5 attached_is "$n" pod "$5"
}
series_gone() { # NODE TEXT: a successful scrape without TEXT (no `| grep -q`: pipefail + SIGPIPE)
	local out
	out=$(tb_scrape "$1") && ! grep -qF "$2" <<<"$out"
}

# our_progs NODE DEV DIR: names of nodepath programs on the hook, tcx chain and clsact filters
our_tcx() {
	local id
	for id in $(tb_tcx_progs "$1" "$2" "$3"); do tb_prog_name "$id"; done | grep -c '^np_' || true
}
our_tc() { tb_tc_filters "$1" "$2" "$3" | grep -c ' name np_' || true; }
hooked_devs() { echo eth0 cni0 flannel.1 $(for p in $(tb_pods "$1"); do tb_pod_veth "$p"; done); }
hooks_are() { # NODE TCX_N TC_N
	local d dir
	for d in $(hooked_devs "$1"); do
		for dir in ingress egress; do
			[ "$(our_tcx "$1" "$d" "$dir")" = "$2" ] && [ "$(our_tc "$1" "$d" "$dir")" = "$3" ] ||
				return 1
		done
	done
}
# expect_hooks NODE TCX_N TC_N: each hooked device has exactly that many of ours per direction
# (a tcx link is released asynchronously after its last fd closes: allow a moment)
expect_hooks() {
	local n=$1 d dir
	wait_until 2 hooks_are "$@"
	for d in $(hooked_devs "$n"); do
		for dir in ingress egress; do
			check "$n $d $dir: nodepath tcx programs" "$(our_tcx "$n" "$d" "$dir")" "$2"
			check "$n $d $dir: nodepath clsact filters" "$(our_tc "$n" "$d" "$dir")" "$3"
			# the same seen through bpftool (7.1 lists clsact, not tcx)
			check "$n $d $dir: bpftool net" "$(tb_exec "$n" bpftool net show dev "$d" |
				grep -c "clsact/$dir np_")" "$3"
		done
	done
}

# counters_not_lower A B NODE: every nodepath_interface/pod sample of A is <= its value in B
counters_not_lower() {
	local r
	r=$(awk '/^nodepath_(interface|pod)_/ { split($0, f, " "); k = f[1]
			if (FNR == NR) { before[k] = f[2]; next }
			if (k in before) { seen[k] = 1; if (f[2] + 0 < before[k] + 0) print "lower: " k " " before[k] " -> " f[2] } }
		END { for (k in before) if (!(k in seen)) print "missing: " k }' \
		"$SNAP/$3.$1.prom" "$SNAP/$3.$2.prom")
	if [ -z "$r" ]; then ok; else bad "$3 counters after restart: $r"; fi
}

# foreign program: another vendor's counter on the same hook (tests/e2e/foreign.bpf.c)
FOREIGN_O=$TB_RUN/foreign.bpf.o
clang -target bpf -O2 -g -D__TARGET_ARCH_x86 -Ivmlinux/x86 -c tests/e2e/foreign.bpf.c \
	-o "$FOREIGN_O" || die "cannot build the foreign tc program"
# foreign_packets NODE DEV DIR PRIO: packets counted by the foreign filter at PRIO (handle 1)
foreign_packets() {
	local id
	id=$(tb_exec "$1" tc filter show dev "$2" "$3" |
		awk -v p="$4" '$0 ~ "pref " p " bpf" && / handle 0x1 / {
			for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }')
	[ -n "$id" ] || { echo "none"; return; }
	# without BTF, bpftool prints the value as a list of hex bytes
	bpftool map dump id "$(bpftool prog show id "$id" -j | "$TB_PY" -c \
		'import json, sys; print(json.load(sys.stdin)["map_ids"][0])')" -j | "$TB_PY" -c '
import json, sys
v = json.load(sys.stdin)[0]["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v)'
}

AGENT_ARGS=()
start() { tb_start_agent "$1" "$BIN" "${AGENT_ARGS[@]}" "${@:2}" || die "agent on $1 did not start"; }

# =============================================================================================
section "agents start (auto mode) and attach everything"
start n1
start n2
for n in $TB_NODES; do
	wait_attached "$n" 1 1 1 2 || bad "$n: attached interfaces not node=1 bridge=1 overlay=1 pod=2"
done
check "auto mode attaches with tcx on this kernel" \
	"$(grep -c 'msg="attached" device=.* mode=tcx' "$(tb_agent_log n1)")" 5

section "idle network is silent"
snap i0
sleep 1
snap i1
for n in $TB_NODES; do expect_quiet "$n" i0 i1; done

section "same node: n1a -> n1b, 40 x 200 B (only the two veths)"
snap s0
tb_send_udp n1a n1b 40 200
snap s1
expect_pod n1 s0 s1 n1a 0 0 40 $((40 * 242))
expect_pod n1 s0 s1 n1b 40 $((40 * 242)) 0 0
expect_quiet n1 s0 s1 n1a n1b
expect_quiet n2 s0 s1
expect_kernel n1 s0 s1

section "cross node: n1a -> n2b, 50 x 1000 B"
snap c0
tb_send_udp n1a n2b 50 1000
snap c1
expect_cross n1a n2b 50 1000 c0 c1

section "cross node, mirror: n2a -> n1b, 30 x 100 B"
snap m0
tb_send_udp n2a n1b 30 100
snap m1
expect_cross n2a n1b 30 100 m0 m1

section "pod created while the agent runs is counted from its first packet"
snap p0
tb_add_pod n1 n1c || die "add pod"
tb_send_udp n1c n2a 25 300 # at once: no wait for the agent
snap p1
expect_cross n1c n2a 25 300 p0 p1
wait_attached n1 1 1 1 3 || bad "n1: pod layer not 3 after adding n1c"

# Attach latency, as the agent measures it on its own clock: from the rtnetlink event that made
# the veth a port of cni0 to its programs being attached (nodepath_attach_latency_seconds).
# Required: every new pod veth attached within 100 ms of joining the bridge.
for i in 1 2 3 4 5 6 7 8 9; do
	tb_add_pod n1 "n1l$i" || die "add pod"
	wait_until 2 grep -q "msg=\"attached\" device=$(tb_pod_veth "n1l$i") " "$(tb_agent_log n1)" ||
		bad "pod n1l$i not attached within 2 s"
done
snap lat
LAT_N=$(mdelta n1 p0 lat nodepath_attach_latency_seconds_count layer=\"pod\")
LAT_FAST=$(mdelta n1 p0 lat nodepath_attach_latency_seconds_bucket 'layer="pod",le="0.1"')
LAT_SUM=$(awk -v a="$(tb_metric0 "$SNAP/n1.p0.prom" nodepath_attach_latency_seconds_sum layer=\"pod\")" \
	-v b="$(tb_metric0 "$SNAP/n1.lat.prom" nodepath_attach_latency_seconds_sum layer=\"pod\")" \
	'BEGIN { printf "%.2f", (b - a) * 1000 / 10 }')
echo "attach latency (agent clock): $LAT_N pod attaches, $LAT_FAST within 100 ms, mean $LAT_SUM ms"
check "pod attaches observed in nodepath_attach_latency_seconds" "$LAT_N" 10
check "pod attaches within 100 ms (le=0.1 bucket)" "$LAT_FAST" 10
check "+Inf bucket equals count" \
	"$(tb_metric "$SNAP/n1.lat.prom" nodepath_attach_latency_seconds_bucket 'layer="pod",le="+Inf"')" \
	"$(tb_metric "$SNAP/n1.lat.prom" nodepath_attach_latency_seconds_count 'layer="pod"')"

section "deleted pods: their series disappear"
GONE=()
for i in 1 2 3 4 5 6 7 8 9; do
	GONE+=("$(tb_pod_veth "n1l$i")")
	tb_del_pod "n1l$i"
done
for v in "${GONE[@]}"; do
	wait_until 3 series_gone n1 "interface=\"$v\"" && ok || bad "series of deleted $v still there"
done
wait_attached n1 1 1 1 3 || bad "n1: pod layer not back to 3"

section "exposition: promtool, gzip, headers"
# promtool must parse everything. Its lint (exit 3) objects to names node_exporter itself uses and
# dashboards expect (CamelCase from /proc field names such as node_memory_AnonPages_bytes or
# node_netstat_Icmp_InMsgs, node_entropy_*_bits): only those are let
# through; nodepath's own families must be lint-clean.
for n in $TB_NODES; do
	tb_scrape "$n" >"$SNAP/$n.lint.prom"
	promtool check metrics <"$SNAP/$n.lint.prom" >"$SNAP/$n.lint.out" 2>&1
	rc=$?
	other=$(grep -vE "^node_[A-Za-z0-9_]+ metric names should be written in 'snake_case' not 'camelCase'\$|^node_entropy_[a-z_]+_bits use base unit \"bytes\" instead of \"bits\"\$" \
		"$SNAP/$n.lint.out")
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 3 ] && [ -z "$other" ]; }; then
		ok
	else
		bad "promtool check metrics on $n (exit $rc): $(echo "$other" | head -5)"
	fi
	grep -E '^(# (HELP|TYPE) )?nodepath_' "$SNAP/$n.lint.prom" >"$SNAP/$n.own.prom"
	if promtool check metrics <"$SNAP/$n.own.prom" >"$SNAP/$n.own.out" 2>&1; then
		ok
	else
		bad "promtool check metrics on $n's nodepath_* families: $(head -5 "$SNAP/$n.own.out")"
	fi
done
tb_scrape n1 -D "$SNAP/plain.hdr" >"$SNAP/plain.prom"
tb_scrape n1 -H 'Accept-Encoding: gzip' -D "$SNAP/gz.hdr" >"$SNAP/body.gz"
tb_scrape n1 --compressed >"$SNAP/compressed.prom"
grep -qi '^content-encoding: gzip' "$SNAP/gz.hdr" && ok || bad "gzip requested, not served"
grep -qi '^content-encoding' "$SNAP/plain.hdr" && bad "plain request got a content-encoding" || ok
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$SNAP/plain.hdr" && ok ||
	bad "content-type: $(grep -i '^content-type' "$SNAP/plain.hdr")"
gzip -dc <"$SNAP/body.gz" >"$SNAP/gunzip.prom" || bad "gzip body does not decompress"
# same series and help/type lines; values equal except what moves between scrapes on its own
shape() { sed -E 's/^([^#][^ ]*) .*/\1/' "$1"; }
stable() { grep -E '^nodepath_(interface|pod)_|^nodepath_bpf_attached' "$1"; }
for f in gunzip compressed; do
	check "$f: same lines as plain" "$(shape "$SNAP/$f.prom" | md5sum)" "$(shape "$SNAP/plain.prom" | md5sum)"
	check "$f: same counters as plain" "$(stable "$SNAP/$f.prom" | md5sum)" "$(stable "$SNAP/plain.prom" | md5sum)"
done

section "restart continuity, tcx: kill -9, restart, no duplicates, exact after"
snap r0
tb_stop_agent n1 KILL
check "agent killed by SIGKILL (tcx)" "$?" 137
expect_hooks n1 1 0 # pinned tcx links outlive the process, still counting
start n1
wait_attached n1 1 1 1 3 || bad "n1 not re-attached"
snap r1
counters_not_lower r0 r1 n1
expect_hooks n1 1 0
tb_send_udp n1b n2b 20 500
snap r2
expect_cross n1b n2b 20 500 r1 r2

section "SIGTERM leaves the pinned tcx links counting"
tb_stop_agent n1 TERM
check "agent exit status after SIGTERM" "$?" 0
expect_hooks n1 1 0

section "tc mode with foreign programs on the same hook (before and after ours)"
VA=$(tb_pod_veth n1a)
tb_exec n1 tc qdisc add dev "$VA" clsact
tb_exec n1 tc filter add dev "$VA" ingress prio 1 handle 1 bpf da obj "$FOREIGN_O" sec tc ||
	die "foreign filter prio 1"
tb_exec n1 tc filter add dev "$VA" ingress prio 3 handle 1 bpf da obj "$FOREIGN_O" sec tc ||
	die "foreign filter prio 3"
AGENT_ARGS=(--bpf.attach-mode=tc)
start n1
wait_attached n1 1 1 1 3 || bad "n1 (tc) not attached"
expect_hooks n1 0 1
f1=$(foreign_packets n1 "$VA" ingress 1)
f3=$(foreign_packets n1 "$VA" ingress 3)
snap t0
tb_send_udp n1a n2a 20 400
snap t1
expect_cross n1a n2a 20 400 t0 t1
check "foreign filter prio 1 saw the batch" "$(($(foreign_packets n1 "$VA" ingress 1) - f1))" 20
check "foreign filter prio 3 (after ours) saw the batch" \
	"$(($(foreign_packets n1 "$VA" ingress 3) - f3))" 20

section "restart continuity, tc: kill -9 leaves filters, restart replaces them"
tb_stop_agent n1 KILL
check "agent killed by SIGKILL (tc)" "$?" 137
expect_hooks n1 0 1
start n1
wait_attached n1 1 1 1 3 || bad "n1 (tc) not re-attached"
snap t2
counters_not_lower t1 t2 n1
expect_hooks n1 0 1
tb_send_udp n1a n2a 20 400
snap t3
expect_cross n1a n2a 20 400 t2 t3
check "foreign filters survive our restart" "$(tb_tc_filters n1 "$VA" ingress | grep -c ' foreign ')" 2

section "kill -9 in tc mode, restart in auto (tcx): stale filters removed, no double count"
tb_stop_agent n1 KILL
check "agent killed by SIGKILL (tc, again)" "$?" 137
AGENT_ARGS=()
start n1
wait_attached n1 1 1 1 3 || bad "n1 (tcx) not re-attached"
expect_hooks n1 1 0
f3=$(foreign_packets n1 "$VA" ingress 3)
snap x0
tb_send_udp n1a n2a 20 400
snap x1
expect_cross n1a n2a 20 400 x0 x1
check "foreign clsact filter still counts behind tcx" \
	"$(($(foreign_packets n1 "$VA" ingress 3) - f3))" 20

section "SIGTERM leaves the hooks (tc); foreign filters and qdisc stay"
tb_stop_agent n1 TERM
check "agent exit status after SIGTERM (tcx, foreign filters present)" "$?" 0
AGENT_ARGS=(--bpf.attach-mode=tc)
start n1
wait_attached n1 1 1 1 3 || bad "n1 (tc) not attached"
tb_stop_agent n1 TERM
check "agent exit status after SIGTERM (tc)" "$?" 0
expect_hooks n1 0 1 # the tc agent replaced the tcx links; its filters stay
check "foreign filters left alone" "$(tb_tc_filters n1 "$VA" ingress | grep -c ' foreign ')" 2
f1=$(foreign_packets n1 "$VA" ingress 1)
tb_send_udp n1a n1b 5 100
check "foreign filter still counts" "$(($(foreign_packets n1 "$VA" ingress 1) - f1))" 5
tb_exec n1 tc filter del dev "$VA" ingress prio 1 handle 1 bpf
tb_exec n1 tc filter del dev "$VA" ingress prio 3 handle 1 bpf
tb_exec n1 tc qdisc del dev "$VA" clsact

section "devices deleted while attached, and created after the agent"
AGENT_ARGS=()
start n1
wait_attached n1 1 1 1 3 || bad "n1 not attached"
tb__ip n1 link del flannel.1
wait_until 3 series_gone n1 'device="flannel.1"' && ok || bad "flannel.1 series remain after delete"
wait_attached n1 1 1 0 3 || bad "overlay still counted as attached"
tb_node_overlay n1 || die "recreate flannel.1"
wait_attached n1 1 1 1 3 || bad "recreated flannel.1 not attached"
snap d0
tb_send_udp n1b n2a 15 700
snap d1
expect_cross n1b n2a 15 700 d0 d1

tb_stop_agent n1 TERM
check "agent exit status after SIGTERM (devices recreated)" "$?" 0
tb__ip n1 link del flannel.1
tb__ip n1 link del cni0 # the pods' veths stay, without a master
start n1
wait_attached n1 1 0 0 0 || bad "n1 without cni0/flannel.1: not node=1 bridge=0 overlay=0 pod=0"
tb_node_bridge n1 || die "recreate cni0"    # also enslaves the existing veths (late IFLA_MASTER)
tb_node_overlay n1 || die "recreate flannel.1"
wait_attached n1 1 1 1 3 || bad "late cni0/flannel.1/veths not attached"
snap l0
tb_send_udp n1c n2b 10 800
tb_send_udp n1a n1b 10 100
snap l1
expect_pod n1 l0 l1 n1c 0 0 10 $((10 * 842))
expect_pod n1 l0 l1 n1a 0 0 10 $((10 * 142))
expect_pod n1 l0 l1 n1b 10 $((10 * 142)) 0 0
expect_dev n1 l0 l1 cni0 bridge 10 $((10 * 842)) 0 0
expect_dev n1 l0 l1 flannel.1 overlay 0 0 10 $((10 * 842))
expect_dev n1 l0 l1 eth0 node 0 0 10 $((10 * 892))
expect_kernel n1 l0 l1
expect_pod n2 l0 l1 n2b 10 $((10 * 842)) 0 0

section "done"
for n in $TB_NODES; do
	if grep -E 'level=(error)' "$(tb_agent_log "$n")"; then bad "agent $n logged errors"; else ok; fi
done
tb_down
for ns in $(ip netns list | awk '{ print $1 }'); do
	case $ns in "$TB_TAG"-*) bad "namespace $ns left behind" ;; esac
done
[ -e "$TB_RUN" ] && bad "$TB_RUN left behind"
check_summary
