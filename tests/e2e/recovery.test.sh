#!/usr/bin/env bash
# A datapath set-up that fails is retried with backoff, without a restart: in a one-node testbed
# (testbed.sh), the pin path is occupied by a pinned object that is not a directory, so the set-up
# fails (stage load, ENOTDIR). Meanwhile /-/healthy answers 200, the host collectors succeed,
# node_scrape_collector_success{collector="netpath"} is 0, nodepath_datapath_state says
# retrying and nodepath_datapath_setup_failures_total counts the attempts; the retries come 1, 2,
# 4 s apart. Once the object is removed the same process sets up at its next retry and counts a
# batch exactly.
#
#   bash tests/e2e/recovery.test.sh build/nodepath        (root; exit 0 = pass)
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/testbed.sh
TB_NODES=n1
source tests/e2e/testbed.sh
# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for tool in ip bpftool curl "$TB_PY"; do command -v "$tool" >/dev/null || die "missing $tool"; done

tb_trap
tb_up || die "testbed failed"
PIN=$(tb_bpf_dir n1)/np
LOG=$(tb_agent_log n1)
SNAP=$TB_RUN/snap
mkdir -p "$SNAP"

metric() { tb_scrape n1 | tb_metric /dev/stdin "$1" "${2:-}" || echo missing; }
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }
metric_ge() { local v; v=$(metric "$1" "$2"); [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]; }
http_code() { tb_exec n1 curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$TB_AGENT_PORT$1"; }

section "pin path occupied: set-up fails, the agent serves and retries"
bpftool map create "$PIN" type array key 4 value 4 entries 1 name np_occupier ||
	die "cannot pin the occupying map"
ip netns exec "$(tb_ns n1)" "$BIN" --web.listen-address="127.0.0.1:$TB_AGENT_PORT" \
	--bpf.pin-path="$PIN" --collector.netpath.node-device=eth0 </dev/null >>"$LOG" 2>&1 &
echo $! >"$TB_RUN/pids/agent-n1"
PID=$!
wait_until 10 metric_is nodepath_datapath_state 'state="retrying"' 1 || bad "state not retrying"
check "/-/healthy while the set-up fails" "$(http_code /-/healthy)" 200
check "netpath collector fails meanwhile" \
	"$(metric node_scrape_collector_success 'collector="netpath"')" 0
check "other collectors succeed meanwhile (loadavg)" \
	"$(metric node_scrape_collector_success 'collector="loadavg"')" 1
check "state ready is 0" "$(metric nodepath_datapath_state 'state="ready"')" 0
check "no counters while the set-up fails" "$(tb_scrape n1 | grep -c '^nodepath_pod_transmit_packets_total' || true)" 0
# first attempt at 0 s, retries 1, 3, 7 s after it
wait_until 12 metric_ge nodepath_datapath_setup_failures_total 'error="ENOTDIR",stage="load"' 4 ||
	bad "fewer than 4 failed attempts within 12 s: $(metric nodepath_datapath_setup_failures_total)"
check "backoff: the first retries come 1, 2, 4, 8 s apart" \
	"$(grep -o 'retry_seconds=[0-9]*' "$LOG" | head -4 | cut -d= -f2 | tr '\n' ' ')" "1 2 4 8 "

section "fixed: the same process sets up at its next retry"
FAILS=$(metric nodepath_datapath_setup_failures_total 'error="ENOTDIR",stage="load"')
rm "$PIN" || die "cannot remove the occupying pin"
wait_until 20 metric_is nodepath_datapath_state 'state="ready"' 1 || bad "not ready within 20 s (16 s backoff + slack)"
check "same agent process" "$(tb_agent_pid n1)" "$PID"
wait_until 5 metric_is nodepath_bpf_attached_interfaces 'layer="pod"' 2 || bad "pods not attached"
check "netpath collector succeeds" "$(metric node_scrape_collector_success 'collector="netpath"')" 1
check "retrying is 0" "$(metric nodepath_datapath_state 'state="retrying"')" 0
check "no failure counted after the fix" \
	"$(metric nodepath_datapath_setup_failures_total 'error="ENOTDIR",stage="load"')" "$FAILS"
grep -q 'msg="datapath set-up succeeded after retrying"' "$LOG" && ok || bad "log: set-up success missing"
# the retry runs with the capabilities kept after start: the drop program's light skeleton loads
check "drop counters loaded by the retried set-up" "$(metric nodepath_drops_state 'state="loaded"')" 1

VA=$(tb_pod_veth n1a)
VB=$(tb_pod_veth n1b)
tb_scrape n1 >"$SNAP/a.prom"
tb_sysstats n1 >"$SNAP/a.sys"
tb_send_udp n1a n1b 40 200
tb_scrape n1 >"$SNAP/b.prom"
tb_sysstats n1 >"$SNAP/b.sys"
d() { echo $(($(tb_metric "$SNAP/b.prom" "$1" "$2") - $(tb_metric "$SNAP/a.prom" "$1" "$2"))); }
k() { echo $(($(tb_sysstat "$SNAP/b.sys" "$1" "$2") - $(tb_sysstat "$SNAP/a.sys" "$1" "$2"))); }
check "pod n1a transmit packets" "$(d nodepath_pod_transmit_packets_total "interface=\"$VA\"")" 40
check "pod n1a transmit bytes" "$(d nodepath_pod_transmit_bytes_total "interface=\"$VA\"")" $((40 * 242))
check "pod n1b receive packets" "$(d nodepath_pod_receive_packets_total "interface=\"$VB\"")" 40
check "pod n1a transmit packets = kernel" "$(d nodepath_pod_transmit_packets_total "interface=\"$VA\"")" "$(k "$VA" rx_packets)"
check "pod n1b receive bytes = kernel" "$(d nodepath_pod_receive_bytes_total "interface=\"$VB\"")" "$(k "$VB" tx_bytes)"

rc=0
tb_stop_agent n1 TERM || rc=$?
check "agent exit status on SIGTERM" "$rc" 0
check_cmd "node-cleanup.sh" tb_exec n1 deploy/node-cleanup.sh --pin-path "$PIN"
check_summary
