#!/usr/bin/env bash
# Thousands of CNI cache files, end to end, in a network namespace this test creates: 10,000
# hand-made files (9,000 pods, 400 older stale files naming the same veths, and hostile ones:
# corrupt, truncated, empty, foreign kind, loopback, macvlan, missing args, invalid UTF-8,
# oversized, symlinks, FIFOs, a directory). Checks that
#   A  the real agent answers /-/healthy and /metrics at once, reaches /-/ready 200, and its
#      pod table holds exactly the 9,000 pods (figures: time to health, time to ready);
#   B  the test-only agent, its first cache read held by a gate file, serves /-/healthy 200 and
#      /metrics while /-/ready is 503 with the reason and the table is empty and incomplete;
#      opening the gate makes /-/ready 200 with exactly 9,000 pods (no timing race: the read
#      cannot finish before the gate opens); deleting 100 files afterwards leaves 8,900;
#   C  with the eBPF set-up failed, /-/healthy is 200 and /-/ready 503 naming the failure.
#   usage: bash tests/e2e/cni_scale.test.sh build/nodepath     (as root)
#   AGENT_ARGS="--no-security.drop-privileges" for a sanitizer build (LeakSanitizer cannot run
#   under the seccomp filter)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
E2E_AGENT=$(dirname "$BIN")/nodepath_e2e_agent
NS=np-cniscale-$$
TMP=$(mktemp -d /tmp/np-cniscale.XXXXXX)
PIDS=()
BPF_MOUNTED=

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[ -z "$BPF_MOUNTED" ] || umount "$TMP/bpf" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
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
for t in ip curl python3 mkfifo; do
	command -v "$t" >/dev/null || die "missing tool: $t (scripts/setup.sh --test installs it)"
done

ip netns add "$NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
mkdir "$TMP/bpf"
mount -t bpf bpf "$TMP/bpf" || die "cannot mount bpffs at $TMP/bpf"
BPF_MOUNTED=1

# --- the cache: 10,000 files -----------------------------------------------------------
CACHE=$TMP/cni
PODS=9000
mkdir "$CACHE"
python3 - "$CACHE" "$PODS" tests/fixtures/cni <<'PY' || die "writing the cache files"
import os, sys, time
cache, pods, fix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rd(n):
    with open(os.path.join(fix, n)) as f:
        return f.read()
valid = rd("valid_single")
lo = rd("cni-loopback-5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b-lo")
now = time.time()
def put(name, data, age):
    p = os.path.join(cache, name)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.utime(p, (now - age, now - age))
def pod(i, tag):
    cid = "%064x" % (i * 0x9E3779B97F4A7C15 % (1 << 256))
    veth = "veth%08x" % (i * 2654435761 % (1 << 32))
    return cid, valid.replace("veth3a8c2f1e", veth).replace(
        "cart-7d9f8c6b5-x2k4q", "%s-%05d" % (tag, i)).replace(
        "5b0d3f7e9a1c4e2b8d6f0a3c5e7b9d1f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b", cid)
n = 0
for i in range(pods):                     # 9,000 pods
    cid, d = pod(i, "pod")
    put("cbr0-%s-eth0" % cid, d, 3600); n += 1
stale = set(k * 22 for k in range(400))
for i in sorted(stale):                   # 400 stale files, a day older, same veths
    cid, d = pod(i, "stale")
    put("cbr0-%064x-eth0" % (i + 1), d, 86400); n += 1
with open(os.path.join(os.path.dirname(cache), "deletable"), "w") as f:
    for i in [i for i in range(pods) if i not in stale][:100]:  # no stale file takes over
        f.write("cbr0-%s-eth0\n" % pod(i, "pod")[0])
half = valid[: len(valid) // 2]
for i in range(200): put("cbr0-corrupt%04d-eth0" % i, "{\"kind\":\"cniCacheV1\",,%d" % i, 3600); n += 1
for i in range(150): put("cbr0-trunc%04d-eth0" % i, half, 3600); n += 1
for i in range(10): put("cbr0-empty%04d-eth0" % i, "", 3600); n += 1
for i in range(50): put("cbr0-foreign%04d-eth0" % i, rd("foreign_kind_v2"), 3600); n += 1
for i in range(100): put("cni-loopback-%064x-lo" % i, lo, 3600); n += 1
for i in range(50): put("macvlan-%04d-net1" % i, rd("macvlan_no_host_iface"), 3600); n += 1
for i in range(20): put("cbr0-noargs%04d-eth0" % i, rd("missing_cniargs"), 3600); n += 1
for i in range(10):
    put("cbr0-utf8%04d-eth0" % i, valid.replace("veth3a8c2f1e", "vethbad%05d" % i).encode()
        .replace(b"cart-7d9f8c6b5-x2k4q", b"cart-\xff\xfe"), 3600); n += 1
for i in range(2):
    put("cbr0-big%d-eth0" % i, valid.replace("\"api\"", "\"" + "x" * (1 << 20) + "\""), 3600); n += 1
for i in range(5): os.symlink("/etc/shadow", os.path.join(cache, "cbr0-link%d-eth0" % i)); n += 1
for i in range(2): os.mkfifo(os.path.join(cache, "cbr0-fifo%d-eth0" % i)); n += 1
os.mkdir(os.path.join(cache, "cbr0-dir-eth0")); n += 1
assert n == 10000, n
PY
check "cache files written" "$(find "$CACHE" -mindepth 1 -maxdepth 1 | wc -l)" 10000

# --- helpers ------------------------------------------------------------------------------
PORT=9100 # inside this test's own namespace
BASE=http://127.0.0.1:$PORT
code_of() { nsx curl -s -o "$TMP/body" --max-time 5 -w '%{http_code}' "$BASE$1" || true; }
metric() { # metric NAME: its value in the last scrape ($TMP/metrics)
	awk -v n="$1" '$1 == n { print $2 }' "$TMP/metrics"
}
scrape() { nsx curl -s --max-time 30 -o "$TMP/metrics" "$BASE/metrics"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
AGENT_PID=
start() { # start BINARY LOG PIN-PATH ARGS...
	local bin=$1 log=$2 pin=$3
	shift 3
	ip netns exec "$NS" "$bin" --web.listen-address=127.0.0.1:$PORT --path.cni-cache="$CACHE" \
		--bpf.pin-path="$pin" --path.flannel-subnet="$TMP/no-subnet.env" \
		--collector.netpath.node-device=lo ${AGENT_ARGS:-} "$@" 2>"$log" &
	AGENT_PID=$!
	AGENT_LOG=$log
	PIDS+=("$AGENT_PID")
}
stop() {
	local rc=0
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" || rc=$?
	check "agent exits 0 on SIGTERM" "$rc" 0
	[ "$rc" = 0 ] || tail -n 20 "$AGENT_LOG" >&2
}
healthy() { [ "$(code_of /-/healthy)" = 200 ]; }
ready() { [ "$(code_of /-/ready)" = 200 ]; }

# --- A: the real agent ----------------------------------------------------------------
section "A: nodepath with 10,000 cache files"
T0=$(date +%s%N)
start "$BIN" "$TMP/agent-a.log" "$TMP/bpf/np"
wait_until 30 healthy || { cat "$TMP/agent-a.log" >&2; die "no /-/healthy within 30 s"; }
HEALTHY_MS=$(ms_since "$T0")
ok "/-/healthy 200 after $HEALTHY_MS ms"
# Inside the DaemonSet's liveness budget (5 s delay + 3 x 10 s); before, this many files took
# 564 s. That the read does not delay it at all is what B shows.
check_cmd "/-/healthy within 30 s of start" [ "$HEALTHY_MS" -lt 30000 ]
wait_until 120 ready || bad "/-/ready not 200 within 120 s: $(cat "$TMP/body")"
READY_MS=$(ms_since "$T0")
ok "/-/ready 200 after $READY_MS ms"
check "/-/ready body" "$(cat "$TMP/body")" "OK"
check "/-/healthy still 200" "$(code_of /-/healthy)" 200
scrape || bad "scrape"
check "nodepath_pod_table_complete" "$(metric nodepath_pod_table_complete)" 1
check "nodepath_pod_table_entries: exactly the pods" "$(metric nodepath_pod_table_entries)" "$PODS"
check "netpath collector succeeded" \
	"$(metric 'node_scrape_collector_success{collector="netpath"}')" 1
check "read logged with the pod count" \
	"$(grep -c "msg=\"CNI cache read\" dir=$CACHE pods=$PODS " "$TMP/agent-a.log")" 1
stop
echo "figures: healthy after $HEALTHY_MS ms, ready after $READY_MS ms"

# --- B: the first read held by a gate -----------------------------------------------------
section "B: first read held open by a gate"
GATE=$TMP/gate
start "$E2E_AGENT" "$TMP/agent-b.log" "$TMP/bpf/np" --e2e.cni-cache-gate="$GATE" --no-collector.e2e_slow \
	--no-collector.e2e_fail --no-collector.e2e_labels
wait_until 30 healthy || { cat "$TMP/agent-b.log" >&2; die "no /-/healthy within 30 s"; }
ok "/-/healthy 200 while the cache read waits"
check "/-/ready 503 while the cache is being read" "$(code_of /-/ready)" 503
check "/-/ready reason" "$(cat "$TMP/body")" "reading the CNI cache (0 pods so far)"
scrape || bad "scrape while reading"
check "metrics served meanwhile: nodepath_pod_table_complete" \
	"$(metric nodepath_pod_table_complete)" 0
check "metrics served meanwhile: nodepath_pod_table_entries" \
	"$(metric nodepath_pod_table_entries)" 0
check "HEAD /-/ready 503 too" \
	"$(nsx curl -s -I -o /dev/null --max-time 5 -w '%{http_code}' "$BASE/-/ready")" 503
touch "$GATE"
wait_until 120 ready || bad "/-/ready not 200 within 120 s of the gate: $(cat "$TMP/body")"
scrape || bad "scrape after the read"
check "after the gate: nodepath_pod_table_complete" "$(metric nodepath_pod_table_complete)" 1
check "after the gate: nodepath_pod_table_entries" "$(metric nodepath_pod_table_entries)" "$PODS"
# Events after the read: 100 pods' files go (one inotify event each, O(log n) per event).
check "pods to delete" "$(wc -l <"$TMP/deletable")" 100
while read -r f; do rm "$CACHE/$f"; done <"$TMP/deletable"
entries() { scrape && [ "$(metric nodepath_pod_table_entries)" = "$1" ]; }
wait_until 10 entries $((PODS - 100)) ||
	bad "after deleting 100 files: $(metric nodepath_pod_table_entries) entries, want $((PODS - 100))"
check "after deleting 100 files: entries" "$(metric nodepath_pod_table_entries)" $((PODS - 100))
check "/-/ready stays 200" "$(code_of /-/ready)" 200
stop

# --- C: a failed eBPF set-up keeps the agent live but not ready -------------------------
section "C: eBPF set-up failed"
start "$BIN" "$TMP/agent-c.log" /proc/nodepath-no-bpffs-here
wait_until 30 healthy || { cat "$TMP/agent-c.log" >&2; die "no /-/healthy within 30 s"; }
ok "/-/healthy 200 without a datapath"
check "/-/ready 503 without a datapath" "$(code_of /-/ready)" 503
check_eval "/-/ready reason names the set-up failure (got '$(cat "$TMP/body")')" \
	'grep -q "^datapath set-up failed at " "$TMP/body"'
stop

check_summary
