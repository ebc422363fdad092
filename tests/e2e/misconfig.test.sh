#!/usr/bin/env bash
# Misconfiguration speaks, in a network namespace this test creates (with its own bpffs):
# - a busy listen port stops the agent at once, before any program is attached (tc mode, whose
#   filters would outlive the process: none is left on the named device, no pin is created);
# - devices named by --collector.netpath.*-device that do not exist are logged once each, naming
#   the flag; a missing one that appears is logged once, and its disappearance once more;
# - a missing CNI cache directory and a missing flannel subnet.env are logged once each, naming
#   the flag; the directory appearing is logged once;
# - without CAP_BPF the error names CAP_BPF (not libbpf's CONFIG_BPF_SYSCALL/RLIMIT_MEMLOCK
#   hint) and host statistics are still served; a pin path that is no bpffs, without
#   CAP_SYS_ADMIN to mount one, names the bpffs;
# - an invalid filter pattern stops the agent naming the flag.
# usage: bash tests/e2e/misconfig.test.sh build/nodepath   (root)
set -euo pipefail
BIN=$(readlink -f "${1:-build/nodepath}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$HERE/lib/check.sh"
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "$BIN not found"
for tool in tc python3 curl setpriv; do command -v "$tool" >/dev/null || die "$tool not found"; done

NS=np-misconf-$$-$RANDOM
TMP=$(mktemp -d /tmp/np-misconf.XXXXXX)
PIDS=()
cleanup() {
	set +e # every step must run even if an earlier one fails
	# The agents' own PIDs (ip netns exec and the wrappers exec into them): killing a
	# background job's subshell would leave the agent running.
	for f in "$TMP"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT INT TERM

nsx() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip link set lo up
nsx ip link add mc0 type veth peer name mc1
nsx ip link set mc0 up
nsx ip link set mc1 up
nsx ip link add veth7 type veth peer name mcx7
mkdir -p "$TMP/bpf"

# run_agent LOG ARGS...: the agent in the namespace, on a bpffs mounted in its private mount
# namespace (ip netns exec unshares one); the pins live under $TMP/bpf/pins; its PID goes to
# LOG.pid (stop_agent LOG ends it).
run_agent() {
	local log=$1
	shift
	nsx bash -c 'echo $$ >"$1"; mount -t bpf bpf "$2" && shift 2 && exec "$@"' bash "$log.pid" \
		"$TMP/bpf" "$BIN" \
		--bpf.pin-path="$TMP/bpf/pins" --bpf.attach-mode=tc --path.cni-cache="$TMP/cni" \
		--path.flannel-subnet="$TMP/subnet.env" "$@" \
		</dev/null >"$log" 2>&1
}
stop_agent() { # stop_agent LOG
	kill "$(cat "$1.pid")" 2>/dev/null || true
	wait_until 5 bash -c '! kill -0 "$1" 2>/dev/null' bash "$(cat "$1.pid")" || bad "agent of $1 did not stop"
	rm -f "$1.pid" # a stale PID must not be killed by cleanup once reused
}
filters() { # nodepath's tc filters on mc0, both directions
	local n=0 dir
	for dir in ingress egress; do
		n=$((n + $(nsx tc filter show dev mc0 "$dir" 2>/dev/null | grep -c 'handle 0x6e70 ' || true)))
	done
	echo "$n"
}

section "busy listen port"
nsx python3 -c 'import os,socket,sys,time
open(sys.argv[1], "w").write(str(os.getpid()))
s=socket.socket(); s.bind(("127.0.0.1",9100)); s.listen(); print("up", flush=True); time.sleep(60)' \
	"$TMP/holder.pid" >"$TMP/holder.out" 2>&1 &
PIDS+=($!)
wait_until 15 grep -q up "$TMP/holder.out" || die "port holder did not start: $(cat "$TMP/holder.out")"
t0=$(date +%s%3N)
rc=0
run_agent "$TMP/busy.log" --web.listen-address=127.0.0.1:9100 --collector.netpath.node-device=mc0 || rc=$?
rm -f "$TMP/busy.log.pid"
ms=$(($(date +%s%3N) - t0))
check "busy port: exit status" "$rc" 1
check_eval "busy port: exits within 5 s (took $ms ms)" '[ "$ms" -lt 5000 ]'
check "busy port: the error names the address" \
	"$(grep -c 'level=error msg="cannot listen" address=127.0.0.1:9100 err="Address already in use"' "$TMP/busy.log")" 1
check "busy port: no BPF object was opened" "$(grep -c 'BPF programs loaded\|attached' "$TMP/busy.log")" 0
check "busy port: no nodepath filter on mc0" "$(filters)" 0
check_cmd "busy port: no pin path created" test ! -e "$TMP/bpf/pins"
kill "$(cat "$TMP/holder.pid")"
rm -f "$TMP/holder.pid"

section "named devices that do not exist"
LOG=$TMP/agent.log
run_agent "$LOG" --web.listen-address=127.0.0.1:9101 --collector.netpath.node-device=mc0,nope0 \
	--collector.netpath.overlay-device=flannel.1 --collector.netpath.bridge-device=cni0 &
PIDS+=($!)
wait_until 10 nsx curl -fs -o /dev/null http://127.0.0.1:9101/metrics || { tail -20 "$LOG"; die "agent does not answer"; }
warned() { grep -c "level=warn msg=\"the configured device $1\" flag=collector.netpath.$2 device=$3\$" "$LOG" || true; }
gone='does not exist; it is hooked when it appears'
check "nope0 (node-device) logged once" "$(warned "$gone" node-device nope0)" 1
check "flannel.1 (overlay-device) logged once" "$(warned "$gone" overlay-device flannel.1)" 1
check "cni0 (bridge-device) logged once" "$(warned "$gone" bridge-device cni0)" 1
check "mc0 exists: nothing logged about it" "$(grep -c 'configured device.*device=mc0' "$LOG" || true)" 0
check "mc0 attached (2 filters)" "$(filters)" 2
nsx ip link add flannel.1 type veth peer name mcf1
appeared() { grep -c 'level=info msg="the configured device appeared" flag=collector.netpath.overlay-device device=flannel.1$' "$LOG" || true; }
wait_until 5 test "$(appeared)" = 1 || true
check "flannel.1 appeared: logged once" "$(appeared)" 1
nsx ip link del flannel.1
wait_until 5 test "$(warned disappeared overlay-device flannel.1)" = 1 || true
check "flannel.1 disappeared: logged once" "$(warned disappeared overlay-device flannel.1)" 1
check "missing CNI cache directory: logged once, naming the flag" \
	"$(grep -c "level=warn msg=\"the CNI cache directory does not exist: pods have no names until it appears\" flag=path.cni-cache path=$TMP/cni err=\"No such file or directory\"\$" "$LOG")" 1
check "missing subnet.env: logged once, naming the flag" \
	"$(grep -c "level=warn msg=\"the flannel subnet file is not readable: pod traffic is not classed same_node or cross_node until it is\" flag=path.flannel-subnet path=$TMP/subnet.env err=\"No such file or directory\"\$" "$LOG")" 1
mkdir "$TMP/cni"
cni_up() { grep -c "level=info msg=\"the CNI cache directory appeared\" flag=path.cni-cache path=$TMP/cni\$" "$LOG" || true; }
wait_until 5 test "$(cni_up)" = 1 || true
check "CNI cache directory appeared: logged once" "$(cni_up)" 1
sleep 1.5 # a resync or two: no repeats
check "missing devices are not logged again" "$(grep -c 'configured device' "$LOG")" 5
check "missing files are not logged again" "$(grep -c 'CNI cache directory\|flannel subnet file' "$LOG")" 3
stop_agent "$LOG"

section "missing privileges"
# capless LOG DROP ARGS...: the agent without the capabilities DROP (setpriv names, e.g.
# -bpf,-sys_admin); the bpffs is mounted before they are dropped, unless MOUNT=0.
capless() {
	local log=$1 drop=$2
	shift 2
	nsx bash -c 'echo $$ >"$1"; [ "$2" = 0 ] || mount -t bpf bpf "$3"; d=$4; shift 4
		exec setpriv --bounding-set="$d" --inh-caps="$d" -- "$@"' bash "$log.pid" "${MOUNT:-1}" \
		"$TMP/bpf2" "$drop" "$BIN" --bpf.pin-path="$TMP/bpf2/pins" --bpf.attach-mode=tc \
		--collector.netpath.node-device=mc0 --collector.netpath.overlay-device= \
		--collector.netpath.bridge-device= --path.cni-cache="$TMP/cni" "$@" </dev/null >"$log" 2>&1
}
mkdir -p "$TMP/bpf2"
capless "$TMP/nocap.log" -bpf,-sys_admin --web.listen-address=127.0.0.1:9104 &
p=$!
PIDS+=($p)
wait_until 10 nsx curl -fs -o "$TMP/nocap.prom" http://127.0.0.1:9104/metrics || { tail -5 "$TMP/nocap.log"; die "capless agent does not answer"; }
check "no CAP_BPF: the error names it" \
	"$(grep -c 'level=error msg="cannot load BPF programs: missing privileges" missing=CAP_BPF err="Operation not permitted"$' "$TMP/nocap.log")" 1
check "no CAP_BPF: libbpf's CONFIG_BPF_SYSCALL / RLIMIT_MEMLOCK hint is not a warning" \
	"$(grep -c 'level=warn.*\(CONFIG_BPF_SYSCALL\|RLIMIT_MEMLOCK\)' "$TMP/nocap.log" || true)" 0
check "no CAP_BPF: netpath reports failure" \
	"$(grep -c '^node_scrape_collector_success{collector="netpath"} 0$' "$TMP/nocap.prom")" 1
check "no CAP_BPF: host statistics are served" \
	"$(grep -c '^node_scrape_collector_success{collector="meminfo"} 1$' "$TMP/nocap.prom")" 1
stop_agent "$TMP/nocap.log"
MOUNT=0 capless "$TMP/nobpffs.log" -sys_admin --web.listen-address=127.0.0.1:9105 &
p=$!
PIDS+=($p)
wait_until 10 nsx curl -fs -o /dev/null http://127.0.0.1:9105/metrics || { tail -5 "$TMP/nobpffs.log"; die "agent without bpffs does not answer"; }
check "no bpffs at the pin path: the error names it" \
	"$(grep -c 'msg="pin path is not on a bpffs and mounting one there failed" path=[^ ]* missing="a bpffs mounted at the pin path (or CAP_SYS_ADMIN to mount one)" err="Operation not permitted"$' "$TMP/nobpffs.log")" 1
stop_agent "$TMP/nobpffs.log"

section "invalid filter pattern"
rc=0
run_agent "$TMP/re.log" --web.listen-address=127.0.0.1:9102 --no-collector.netpath \
	'--collector.netdev.device-exclude=^(veth|cali' || rc=$?
rm -f "$TMP/re.log.pid"
check "invalid pattern: exit status" "$rc" 1
check "invalid pattern: the error names the flag" \
	"$(grep -c 'msg="invalid regular expression" flag=collector.netdev.device-exclude pattern=\^(veth|cali err="missing closing parenthesis"' "$TMP/re.log")" 1
rc=0
nsx bash -c 'echo $$ >"$1"; shift; exec "$@"' bash "$TMP/re2.log.pid" "$BIN" \
	--web.listen-address=127.0.0.1:9103 --no-collector.netpath \
	'--collector.netdev.device-exclude=(?i)^VETH\d+?$' >"$TMP/re2.log" 2>&1 &
PIDS+=($!)
wait_until 5 nsx curl -fs -o "$TMP/re2.prom" http://127.0.0.1:9103/metrics || { tail -5 "$TMP/re2.log"; die "agent with an RE2 filter does not answer"; }
check "RE2 filter: the agent serves, netdev succeeds" \
	"$(grep -c '^node_scrape_collector_success{collector="netdev"} 1$' "$TMP/re2.prom")" 1
check "RE2 filter: (?i)^VETH\\d+?\$ drops veth7" \
	"$(grep -c '^node_network_receive_bytes_total{device="veth7"}' "$TMP/re2.prom")" 0
check "RE2 filter: mc0 is not veth<digits>, kept" \
	"$(grep -c '^node_network_receive_bytes_total{device="mc0"}' "$TMP/re2.prom")" 1
stop_agent "$TMP/re2.log"
check_summary
