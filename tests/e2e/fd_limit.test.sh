#!/usr/bin/env bash
# 1,000 pods under a soft and hard RLIMIT_NOFILE of 1,024 (prlimit: the hard limit cannot rescue
# it): in a namespace of its own, a bridge cni0 with 1,000 host veths (made with ip -batch) and
# the agent in tcx mode. Every host veth is hooked: 1,000 by nodepath_bpf_attached_interfaces
# {layer="pod"}, 2,000 pinned links for them, and BPF_PROG_QUERY finds exactly one program on
# both hooks of each; the agent holds no descriptor per pod, and no collector fails that did not
# fail before the pods existed. Usage: bash tests/e2e/fd_limit.test.sh build/nodepath (root)
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${1:-build/nodepath}")
# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh

PODS=${FD_LIMIT_PODS:-1000}
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"
for tool in ip prlimit curl python3; do command -v "$tool" >/dev/null || die "missing $tool"; done

TAG=npfd$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS=$TAG-node
RUN=/run/$TAG
PIN=$RUN/bpf
PID=
cleanup() {
	set +e
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	mountpoint -q "$PIN" && umount "$PIN"
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$PIN" || die "mkdir $PIN"
mount -t bpf bpf "$PIN" || die "mount bpffs"
ip netns add "$NS" || die "netns"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth0peer
ip -n "$NS" link set eth0 up
ip -n "$NS" link add cni0 type bridge
ip -n "$NS" link set cni0 up

scrape() { ip netns exec "$NS" curl -sSf --max-time 10 http://127.0.0.1:9100/metrics; }
metric() { # FAMILY SELECTOR
	scrape | awk -v f="$1" -v s="$2" 'index($0, f "{" s "} ") == 1 { print $2; found = 1 }
		END { if (!found) print "missing" }'
}
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }
failing() { scrape | grep '^node_scrape_collector_success{.*} 0$' | sort; }

section "agent under prlimit --nofile=1024:1024"
ip netns exec "$NS" prlimit --nofile=1024:1024 "$BIN" --web.listen-address=127.0.0.1:9100 \
	--bpf.pin-path="$PIN" --bpf.attach-mode=tcx --collector.netpath.node-device=eth0 \
	--path.cni-cache="$RUN/cni" </dev/null >"$RUN/agent.log" 2>&1 &
PID=$!
wait_until 20 metric_is nodepath_bpf_attached_interfaces 'layer="bridge"' 1 ||
	die "agent not up: $(tail -5 "$RUN/agent.log")"
check "soft open-files limit of the agent" "$(awk '/Max open files/ { print $4 }' "/proc/$PID/limits")" 1024
check "hard open-files limit of the agent" "$(awk '/Max open files/ { print $5 }' "/proc/$PID/limits")" 1024
FAILING_BEFORE=$(failing)
bpf_fds() { # descriptors of BPF objects (links, maps, programs) the agent holds
	local f n=0
	for f in /proc/"$PID"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in anon_inode:bpf*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}
BPF_FDS_BEFORE=$(bpf_fds)

section "$PODS host veths in cni0, made in batches"
for ((i = 0; i < PODS; i++)); do
	printf 'link add veth%08x type veth peer name pod%08x\nlink set veth%08x master cni0 up\n' \
		"$i" "$i" "$i"
done >"$RUN/batch"
ip -n "$NS" -batch "$RUN/batch" || die "ip -batch"
check "host veths in cni0" "$(ip -n "$NS" -o link show master cni0 | wc -l)" "$PODS"
T0=$(date +%s)
for _ in $(seq 300); do # a scrape per second: each one carries every pod's series
	[ "$(metric nodepath_bpf_attached_interfaces 'layer="pod"')" = "$PODS" ] && break
	sleep 1
done
echo "pods hooked: $(metric nodepath_bpf_attached_interfaces 'layer="pod"') of $PODS after $(($(date +%s) - T0)) s"
check "pods hooked (agent's metric)" "$(metric nodepath_bpf_attached_interfaces 'layer="pod"')" "$PODS"
check "attach errors" "$(metric nodepath_bpf_attach_errors_total 'layer="pod"')" 0
check "pinned links of the host veths" "$(ls "$PIN/links" | grep -c '_veth[0-9a-f]\{8\}_')" $((PODS * 2))
# BPF_PROG_QUERY on every host veth, both directions (bpftool 7.1 cannot list tcx)
check "host veths with exactly one tcx program per direction (BPF_PROG_QUERY)" "$(ip netns exec "$NS" python3 -c '
import ctypes, os, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def count(ifindex, typ):
    ids = (ctypes.c_uint32 * 8)()
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("<IIIIQI", attr, 0, ifindex, typ, 0, 0, ctypes.addressof(ids), 8)
    if libc.syscall(321, 16, attr, 128) < 0:
        raise SystemExit("BPF_PROG_QUERY: errno %d" % ctypes.get_errno())
    return struct.unpack_from("<I", attr, 24)[0]
n = 0
for name in os.listdir("/sys/class/net"):
    if name.startswith("veth") and all(count(socket.if_nametoindex(name), t) == 1 for t in (46, 47)):
        n += 1
print(n)
')" "$PODS"
echo "agent descriptors: $(ls "/proc/$PID/fd" | wc -l) with $PODS pods (BPF: $(bpf_fds), $BPF_FDS_BEFORE with none)"
check "BPF descriptors (links, maps, programs) with $PODS pods: as with none" "$(bpf_fds)" "$BPF_FDS_BEFORE"
check "collectors failing (as before the pods existed)" "$(failing)" "$FAILING_BEFORE"
check "netpath collector" "$(metric node_scrape_collector_success 'collector="netpath"')" 1
check "no EMFILE in the log" "$(grep -c 'Too many open files' "$RUN/agent.log" || true)" 0
check_summary
