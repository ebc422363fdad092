#!/usr/bin/env bash
# Pod namespaces the agent could not resolve are picked up once they appear, without a pod-table
# change: the agent (in a namespace of its own, drops on) reads a CNI cache of one pod whose
# netns exists, one whose netns is created later and 500 stale files whose namespaces are gone;
# nodepath_drop_namespaces{kind="pod"} is exactly 1, stays 1 after the directory state settled,
# and is exactly 2 within seconds of `ip netns add` of the late one.
#   usage: bash tests/e2e/drops_netns_late.test.sh build/nodepath     (as root)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
NS=np-dlate-$$
NS_A=np-dlate-$$-a
NS_B=np-dlate-$$-b
TMP=$(mktemp -d /tmp/np-dlate.XXXXXX)
PID=
BPF_MOUNTED=

cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -z "$BPF_MOUNTED" ] || umount "$TMP/bpf" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/e2e/lib/check.sh
. "$(dirname "$0")/lib/check.sh"
CHECK_VERBOSE=1

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, BPF)"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for t in ip curl python3; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/setup.sh --test installs it)"
done

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns add "$NS_A"
mkdir "$TMP/bpf" "$TMP/cni"
mount -t bpf bpf "$TMP/bpf" || die "cannot mount bpffs at $TMP/bpf"
BPF_MOUNTED=1
python3 - "$TMP/cni" "$(dirname "$0")/../fixtures/cni/valid_single" "$NS_A" "$NS_B" <<'PY' ||
import sys
cache, fix, a, b = sys.argv[1:]
valid = open(fix).read()
def put(i, netns):
    cid = "%064x" % (i * 0x9E3779B97F4A7C15 % (1 << 256) + 1)
    d = (valid.replace("veth3a8c2f1e", "veth%08x" % i)
         .replace("/var/run/netns/cni-3c1f6a2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b", netns)
         .replace("5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b", cid))
    with open("%s/cbr0-%s-eth0" % (cache, cid), "w") as f:
        f.write(d)
put(1, "/var/run/netns/" + a)
put(2, "/var/run/netns/" + b)
for i in range(500):
    put(100 + i, "/var/run/netns/np-dlate-gone-%d" % i)
PY
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

ip netns exec "$NS" "$BIN" --web.listen-address=127.0.0.1:$PORT --path.cni-cache="$TMP/cni" \
	--bpf.pin-path="$TMP/bpf/np" --path.flannel-subnet="$TMP/no-subnet.env" \
	--collector.netpath.node-device=lo 2>"$TMP/log" &
PID=$!
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
check_summary
