#!/usr/bin/env bash
# Pod namespaces the agent could not resolve are picked up once they appear, without a pod-table
# change: the agent (in a namespace of its own, drops on) reads a CNI cache of one pod whose
# netns exists, one whose netns is created later and 500 stale files whose namespaces are gone;
# nodepath_drop_namespaces{kind="pod"} is exactly 1, stays 1 after the directory state settled,
# and is exactly 2 within seconds of `ip netns add` of the late one.
# Then a pod's drop counts survive a restart whose first read of the cache is slow: N datagrams
# to a closed port in the live pod's namespace, the agent restarted as the test-only agent with
# its cache read held by a gate file past its first link-watch ticks; once the gate opens, the
# pod's NO_SOCKET count is still N (pinned counters are judged against the pods only once the
# cache has been read in full); and after a restart with the cache directory missing, and one more
# with it back, still N. Last, a pod deleted while no agent ran: its pinned counts are removed
# once the cache has been read, the live pod's stay N.
#   usage: bash tests/e2e/drops_netns_late.test.sh build/nodepath     (as root)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
E2E_AGENT=$(dirname "$BIN")/nodepath_e2e_agent
NS=np-dlate-$$
NS_A=np-dlate-$$-a
NS_B=np-dlate-$$-b
NS_C=np-dlate-$$-c
TMP=$(mktemp -d /tmp/np-dlate.XXXXXX)
PID=
BPF_MOUNTED=

cleanup() {
	# A gated agent's watcher waits in the gate: open it, so that the agent can stop.
	[ -z "${GATE:-}" ] || touch "$GATE" 2>/dev/null || true
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -z "$BPF_MOUNTED" ] || umount "$TMP/bpf" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/e2e/lib/check.sh
. "$(dirname "$0")/lib/check.sh"
CHECK_VERBOSE=1

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, BPF)"
[ -x "$BIN" ] || die "no agent binary at $BIN"
[ -x "$E2E_AGENT" ] || die "no $E2E_AGENT (CMake builds it with the tests)"
for t in ip curl python3; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/setup.sh --test installs it)"
done

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns add "$NS_A"
mkdir "$TMP/bpf" "$TMP/cni"
mount -t bpf bpf "$TMP/bpf" || die "cannot mount bpffs at $TMP/bpf"
BPF_MOUNTED=1
# put_pods I:NETNS...: a cache file per pod I (veth%08x of I) naming /var/run/netns/NETNS
put_pods() {
	python3 - "$TMP/cni" "$(dirname "$0")/../fixtures/cni/valid_single" "$@" <<'PY'
import sys
cache, fix = sys.argv[1:3]
valid = open(fix).read()
for arg in sys.argv[3:]:
    i, netns = arg.split(":", 1)
    i = int(i)
    cid = "%064x" % (i * 0x9E3779B97F4A7C15 % (1 << 256) + 1)
    d = (valid.replace("veth3a8c2f1e", "veth%08x" % i)
         .replace("/var/run/netns/cni-3c1f6a2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b", "/var/run/netns/" + netns)
         .replace("5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b", cid))
    with open("%s/cbr0-%s-eth0" % (cache, cid), "w") as f:
        f.write(d)
PY
}
# shellcheck disable=SC2046
put_pods "1:$NS_A" "2:$NS_B" $(for i in $(seq 0 499); do echo "$((100 + i)):np-dlate-gone-$i"; done) ||
	die "writing the cache files"

PORT=9100 # inside this test's own namespace
pod_namespaces() {
	ip netns exec "$NS" curl -s --max-time 10 "http://127.0.0.1:$PORT/metrics" |
		awk '$1 == "nodepath_drop_namespaces{kind=\"pod\"}" { print $2 }'
}
ready() {
	[ "$(ip netns exec "$NS" curl -s -o /dev/null --max-time 5 -w '%{http_code}' \
		"http://127.0.0.1:$PORT/-/ready")" = 200 ]
}

# start_agent BIN LOG [FLAG...]: the CNI cache is $CNI_DIR when set, else the test's
start_agent() {
	local bin=$1 log=$2
	shift 2
	ip netns exec "$NS" "$bin" --web.listen-address=127.0.0.1:$PORT \
		--path.cni-cache="${CNI_DIR:-$TMP/cni}" \
		--bpf.pin-path="$TMP/bpf/np" --path.flannel-subnet="$TMP/no-subnet.env" \
		--collector.netpath.node-device=lo "$@" 2>"$log" &
	PID=$!
}
start_agent "$BIN" "$TMP/log"
section "agent with 1 live, 1 late and 500 stale pod namespaces"
wait_until 60 ready || { tail "$TMP/log" >&2; die "agent not ready"; }
poll_one() { [ "$(pod_namespaces)" = 1 ]; }
check_cmd "the live pod's namespace counts" wait_until 10 poll_one
sleep 4 # longer than the agent trusts a fresh directory state: the settled state is compared
check "still 1 pod namespace once settled" "$(pod_namespaces)" 1
ip netns add "$NS_B"
poll_two() { [ "$(pod_namespaces)" = 2 ]; }
check_cmd "the late pod's namespace counts once it exists" wait_until 10 poll_two
check "exactly 2 pod namespaces" "$(pod_namespaces)" 2

section "a restart whose first cache read is slow keeps the pods' drop counts"
N=25
CLOSED_PORT=9 # nothing listens in the pod's namespace
PSEL='interface="veth00000001",namespace="shop",pod="cart-7d9f8c6b5-x2k4q",reason="NO_SOCKET"'
pod_drops() {
	ip netns exec "$NS" curl -s --max-time 10 "http://127.0.0.1:$PORT/metrics" |
		awk -v s="nodepath_pod_drops_total{$PSEL}" '$1 == s { v = $2 } END { print v + 0 }'
}
# A pod's drops are shown with its host veth, a port of cni0: give the live pod one, as the CNI
# plugins would.
ip -n "$NS" link add cni0 type bridge
ip -n "$NS" link set cni0 up
ip -n "$NS" link add veth00000001 type veth peer name eth0 netns "$NS_A"
ip -n "$NS" link set veth00000001 master cni0 up
ip -n "$NS_A" link set eth0 up
ip -n "$NS_A" link set lo up
# send_closed NETNS: N datagrams to the closed port on the namespace's loopback
send_closed() {
	ip netns exec "$1" python3 - "$N" "$CLOSED_PORT" <<'PY' || die "sending in $1"
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(b"x" * 32, ("127.0.0.1", port))
PY
}
send_closed "$NS_A"
poll_n() { [ "$(pod_drops)" = "$N" ]; }
check_cmd "the pod's NO_SOCKET count is $N" wait_until 10 poll_n
stop_agent() {
	local status=0
	kill -TERM "$PID"
	wait "$PID" || status=$?
	PID=
	check "the agent's exit status on SIGTERM" "$status" 0
}
stop_agent
GATE=$TMP/gate
start_agent "$E2E_AGENT" "$TMP/log-gated" --e2e.cni-cache-gate="$GATE" --no-collector.e2e_slow \
	--no-collector.e2e_fail --no-collector.e2e_labels
# ticked LOG: the link watch's first tick synced the drop namespaces, then logged the path
# classes it set; removed LOG: times the agent removed pinned entries of namespaces gone
ticked() { grep -q 'msg="path classes updated"' "$1"; }
removed() { grep -c 'msg="removed pinned drop counter entries' "$1" || true; }
wait_until 60 ticked "$TMP/log-gated" || { tail "$TMP/log-gated" >&2; die "the gated agent never ticked"; }
sleep 2 # a few more ticks while the cache read waits
check "no pod named while the cache read waits" "$(pod_namespaces)" 0
touch "$GATE"
wait_until 60 ready || { tail "$TMP/log-gated" >&2; die "the gated agent never got ready"; }
check_cmd "both pod namespaces count again" wait_until 10 poll_two
check "the pod's NO_SOCKET count carried over the restart" "$(pod_drops)" "$N"
check "nothing removed as gone" "$(removed "$TMP/log-gated")" 0

section "a restart with the CNI cache directory missing keeps them too"
stop_agent
CNI_DIR=$TMP/no-cni start_agent "$BIN" "$TMP/log-nocache"
wait_until 60 ready || { tail "$TMP/log-nocache" >&2; die "the agent never got ready"; }
wait_until 60 ticked "$TMP/log-nocache" || { tail "$TMP/log-nocache" >&2; die "the agent never ticked"; }
sleep 2 # a few more ticks with no pods known
check "no pod namespace without the cache" "$(pod_namespaces)" 0
check "nothing removed as gone without the cache" "$(removed "$TMP/log-nocache")" 0
stop_agent
start_agent "$BIN" "$TMP/log-again"
wait_until 60 ready || { tail "$TMP/log-again" >&2; die "the agent never got ready"; }
check_cmd "both pod namespaces count once the cache is back" wait_until 10 poll_two
check "the pod's NO_SOCKET count carried over both restarts" "$(pod_drops)" "$N"

section "a pod deleted while no agent ran: its counts go, the live pod's stay"
# entries_of INODE: np_drop_stats keys of that network namespace
entries_of() {
	bpftool map dump pinned "$TMP/bpf/np/np_drop_stats" -j | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("formatted", e)["key"]["netns"] == int(sys.argv[1])))' "$1"
}
ip netns add "$NS_C"
ip -n "$NS_C" link set lo up
INODE_C=$(ip netns exec "$NS_C" stat -L -c %i /proc/self/ns/net)
put_pods "3:$NS_C" || die "writing pod C's cache file"
poll_three() { [ "$(pod_namespaces)" = 3 ]; }
check_cmd "the third pod's namespace counts" wait_until 10 poll_three
send_closed "$NS_C"
counted_c() { [ "$(entries_of "$INODE_C")" -gt 0 ]; }
check_cmd "the third pod's drops are pinned" wait_until 10 counted_c
stop_agent
# While no agent runs: the third pod goes (namespace and cache file), and so do the stale files,
# so that every namespace the cache names is reachable and the new agent can judge.
ip netns del "$NS_C"
grep -l -e "/var/run/netns/$NS_C\"" -e np-dlate-gone- "$TMP"/cni/* | xargs rm -f
check "cache files left: the two live pods" "$(find "$TMP/cni" -type f | wc -l)" 2
start_agent "$BIN" "$TMP/log-purge"
wait_until 60 ready || { tail "$TMP/log-purge" >&2; die "the agent never got ready"; }
purged() { [ "$(removed "$TMP/log-purge")" -gt 0 ]; }
check_cmd "the agent removed the deleted pod's entries" wait_until 10 purged
check "no entry of the deleted pod's namespace left" "$(entries_of "$INODE_C")" 0
check_cmd "both live pod namespaces count" wait_until 10 poll_two
check "the live pod's NO_SOCKET count is still $N" "$(pod_drops)" "$N"
check_summary
