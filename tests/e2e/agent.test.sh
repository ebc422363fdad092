#!/usr/bin/env bash
# The agent under bad input and hostile conditions, in the namespace testbed: bad flags, a pin
# path where no bpffs can be had, interfaces that vanish while being attached, a full counter
# map, and a clean shutdown that leaves the hooks counting for the next agent (tcx and tc modes).
set -u
BIN=$(readlink -f "${1:-build/nodepath}")
cd "$(dirname "$0")/../.."
. tests/e2e/testbed.sh
# shellcheck source=tests/e2e/lib/check.sh
. tests/e2e/lib/check.sh
CHECK_VERBOSE=1

tb_trap
tb_up || die "testbed"

# --- bad flags: refused at start with a clear message and a non-zero exit -------------------
bad_flag() { # EXPECTED_RC PATTERN ARGS...
	local want=$1 pat=$2 out rc
	shift 2
	out=$(tb_exec n1 "$BIN" --web.listen-address=127.0.0.1:19199 \
		--bpf.pin-path="$(tb_bpf_dir n1)" "$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -q -- "$pat" <<<"$out"; then
		echo "  rc=$rc want=$want; output: $(head -c 400 <<<"$out")"
		return 1
	fi
}
check_cmd "unknown flag -> exit 2" bad_flag 2 "no-such-flag" --no-such-flag
check_cmd "bad attach mode -> exit 1" bad_flag 1 "attach-mode" --bpf.attach-mode=sideways
check_cmd "bad NodePort range -> exit 1" bad_flag 1 "nodeport-range" \
	--collector.netpath.nodeport-range=32767-30000
check_cmd "bad service CIDR -> exit 1" bad_flag 1 "service-cidr" \
	--collector.netpath.service-cidr=10.96.0.0/33
check_cmd "non-numeric map size -> exit 2" bad_flag 2 "map-max-entries" --bpf.map-max-entries=lots

# --- no bpffs to be had: the agent keeps serving and says netpath failed ---------------------
no_bpffs() {
	local log="$TB_RUN/log/nobpffs.log" pid out ok=1 t
	# --path.cni-cache under TB_RUN marks the process as this run's for tb_down.
	ip netns exec "$(tb_ns n1)" "$BIN" --web.listen-address=127.0.0.1:19198 \
		--path.cni-cache="$TB_RUN/nobpffs-cni" \
		--bpf.pin-path=/proc/nodepath-no-bpffs-here </dev/null >"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$TB_RUN/pids/nobpffs"
	for t in $(seq 250); do
		out=$(tb_exec n1 curl -sf --max-time 2 http://127.0.0.1:19198/metrics) && break
		sleep 0.02
	done
	grep -q '^node_scrape_collector_success{collector="netpath"} 0$' <<<"$out" || ok=0
	grep -q '^nodepath_build_info{' <<<"$out" || ok=0
	grep -q '^nodepath_datapath_state{state="retrying"} 1$' <<<"$out" || ok=0
	grep -q 'pin path" path=/proc/nodepath-no-bpffs-here' "$log" || ok=0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$TB_RUN/pids/nobpffs"
	[ "$ok" -eq 1 ] || { echo "  log: $(tail -5 "$log")"; return 1; }
}
check_cmd "no bpffs: serves, netpath success 0, clear log line" no_bpffs

# --- interfaces that vanish during attach ----------------------------------------------------
churn_vanish() {
	local i out pods errs
	for i in $(seq 40); do
		tb__ip n1 link add "vethz$i" type veth peer name "vethzp$i" 2>/dev/null
		tb__ip n1 link set "vethz$i" master cni0 2>/dev/null
		tb__ip n1 link del "vethz$i" 2>/dev/null
	done
	sleep 0.5 # an observation window: the end state equals the start state, nothing to poll for
	kill -0 "$(tb_agent_pid n1)" || { echo "  agent died"; return 1; }
	out=$(tb_scrape n1) || return 1
	pods=$(tb_metric /dev/stdin nodepath_bpf_attached_interfaces 'layer="pod"' <<<"$out")
	errs=$(tb_metric /dev/stdin nodepath_bpf_attach_errors_total 'layer="pod"' <<<"$out")
	if [ "$pods" != 2 ] || [ "$errs" != 0 ] || grep -q 'vethz' <<<"$out"; then
		echo "  attached pods=$pods (want 2) attach errors=$errs (want 0)"
		grep 'vethz' <<<"$out" | head -3
		return 1
	fi
}
tb_start_agent n1 "$BIN" || die "agent start"
check_cmd "40 veths deleted right after enslaving: no leak, no error, agent alive" churn_vanish

# --- a clean shutdown leaves the hooks counting into the pins (the next agent continues) -------
map_packets() { # NODE: total packets in the pinned counter slots and np_if_stats (all CPUs)
	local dir
	dir=$(tb_bpf_dir "$1")
	{
		bpftool -j map dump pinned "$dir/np_if_slots"
		echo
		bpftool -j map dump pinned "$dir/np_if_stats"
	} | "$TB_PY" -c '
import json, sys
total = 0
for doc in sys.stdin.read().split("\n\n"):
    for e in json.loads(doc):
        # with BTF, bpftool -j puts the named fields under "formatted"
        f = e.get("formatted", e)
        # per-CPU maps list a value per CPU; np_if_slots is a plain array (a region per CPU)
        for val in [v["value"] for v in f["values"]] if "values" in f else [f["value"]]:
            if "stats" in val:  # a slot, both directions: counted when labelled with a device
                if val["ifindex"] != 0:
                    total += sum(d["packets"] for d in val["stats"])
                continue
            total += val["packets"]
print(total)'
}
shutdown_keeps_counting() { # MODE
	local mode=$1 before after
	if [ -n "$(tb_agent_pid n1)" ]; then
		tb_stop_agent n1 TERM || { echo "  agent exit status $?"; return 1; }
	fi
	tb_start_agent n1 "$BIN" --bpf.attach-mode="$mode" || return 1
	tb_send_udp n1a n1b 5 100
	tb_stop_agent n1 TERM || { echo "  exit status $? on SIGTERM"; return 1; }
	before=$(map_packets n1)
	[ "$before" -gt 0 ] || { echo "  nothing counted before shutdown"; return 1; }
	tb_send_udp n1a n1b 25 100
	after=$(map_packets n1)
	# n1a's host veth ingress and n1b's egress: 2 counts per datagram, nothing else sees them
	[ "$((after - before))" = 50 ] || { echo "  counted after shutdown: $((after - before)), want 50"; return 1; }
}
check_cmd "SIGTERM leaves the hooks counting (tcx)" shutdown_keeps_counting tcx
check_cmd "SIGTERM leaves the hooks counting (tc)" shutdown_keeps_counting tc

# --- a full map is counted, not silent -------------------------------------------------------
map_full() {
	local out full entries cap
	# 1 slot (1 device, both directions) and a hash of 2 for the other 4 devices
	tb_start_agent n1 "$BIN" --bpf.map-max-entries=2 || return 1
	grep -q 'replacing it' "$(tb_agent_log n1)" || { echo "  no log line about the replaced pin"; return 1; }
	tb_send_udp n1a n1b 10 100
	tb_send_udp n1a n2a 10 100
	out=$(tb_scrape n1) || return 1
	full=$(tb_metric /dev/stdin nodepath_bpf_map_full_total 'map="np_if_stats"' <<<"$out")
	entries=$(tb_metric /dev/stdin nodepath_bpf_map_entries 'map="np_if_stats"' <<<"$out")
	cap=$(tb_metric /dev/stdin nodepath_bpf_map_capacity 'map="np_if_stats"' <<<"$out")
	# the hash is full (2 keys), the slotted device counted one or both directions
	if [ "$cap" != 4 ] || [ "$entries" -lt 3 ] || [ "$entries" -gt 4 ] || [ "$full" -le 0 ]; then
		echo "  capacity=$cap (want 4) entries=$entries (want 3-4) full=$full (want > 0)"
		return 1
	fi
	tb_stop_agent n1 TERM || { echo "  exit status $? on SIGTERM"; return 1; }
}
check_cmd "map capacity 4: full map reported" map_full

check_summary
