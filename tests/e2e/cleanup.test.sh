#!/usr/bin/env bash
# What an agent leaves on a node and deploy/node-cleanup.sh, in testbed node n1. tc mode: after
# SIGTERM and after kill -9 the filters stay (counting for the next agent) with the pins
# (docs/deploy.md, "Removing"); node-cleanup.sh --dry-run changes nothing, then removes exactly
# nodepath's filters, the pins and (--qdisc) the clsact qdiscs left empty, keeping another
# program's filter and its qdisc. tcx mode: after SIGTERM the pinned links stay attached;
# node-cleanup.sh detaches them all and removes the pins, the programs are unloaded.
# Usage: bash tests/e2e/cleanup.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=$(readlink -f "${1:-build/nodepath}")
[ "$(id -u)" -eq 0 ] || die "must run as root"
for tool in tc bpftool curl; do command -v "$tool" >/dev/null || die "$tool not found"; done
[ -x "$agent" ] || die "agent binary $agent not found"

source tests/e2e/testbed.sh
tb_trap
tb_up || die "testbed"
pins="$(tb_bpf_dir n1)/nodepath" # as the DaemonSet: a directory inside the node's bpffs

start_agent() { # [MODE]
	local out=
	ip netns exec "$(tb_ns n1)" "$agent" --web.listen-address=127.0.0.1:9100 \
		--bpf.attach-mode="${1:-tc}" \
		--bpf.pin-path="$pins" --collector.netpath.node-device=eth0 \
		</dev/null >>"$TB_RUN/log/agent-n1.log" 2>&1 &
	echo $! >"$TB_RUN/pids/agent-n1"
	for _ in $(seq 250); do
		out=$(tb_scrape n1 2>/dev/null) || true
		case $out in *'nodepath_bpf_attached_interfaces{layer="pod"} 2'*) return 0 ;; esac
		sleep 0.04
	done
	tail -20 "$TB_RUN/log/agent-n1.log" >&2
	die "agent not attached within 10 s"
}
ours() { # number of nodepath filters on all devices of n1
	local n=0 dev dir
	for dev in $(tb_exec n1 ls /sys/class/net); do
		for dir in ingress egress; do
			n=$((n + $(tb_exec n1 tc filter show dev "$dev" "$dir" 2>/dev/null | grep -c 'handle 0x6e70 ' || true)))
		done
	done
	echo "$n"
}

# Another program's filter on cni0 (classic BPF "return 0": matches nothing, traffic unaffected)
# must survive everything.
tb_exec n1 tc qdisc add dev cni0 clsact
tb_exec n1 tc filter add dev cni0 ingress protocol all pref 2 bpf bytecode '1,6 0 0 0,' 

# A clean stop keeps the filters counting and the pins.
start_agent
check "nodepath filters (5 devices x 2 directions)" "$(ours)" 10
rc=0
tb_stop_agent n1 TERM || rc=$?
check "agent exit status on SIGTERM" "$rc" 0
check "nodepath filters left after SIGTERM" "$(ours)" 10
check_cmd "pins kept after SIGTERM" test -n "$(ls -A "$pins")"

# kill -9 leaves the filters (still counting into the pins).
start_agent
prog_ids=$(tb_exec n1 bpftool net show | sed -n 's/.* id \([0-9]*\)$/\1/p' | sort -u)
[ -n "$prog_ids" ] || die "no program ids"
rc=0
tb_stop_agent n1 KILL || rc=$?
check "agent killed by SIGKILL" "$rc" 137
check "filters that outlive kill -9" "$(ours)" 10

tb_exec n1 deploy/node-cleanup.sh --pin-path "$pins" --qdisc --dry-run >/dev/null
check "filters after --dry-run" "$(ours)" 10
check_cmd "pins kept by --dry-run" test -d "$pins"
check_cmd "node-cleanup.sh" tb_exec n1 deploy/node-cleanup.sh --pin-path "$pins" --qdisc
check "nodepath filters left after node-cleanup.sh" "$(ours)" 0
check_cmd "pins removed" test ! -e "$pins"
check "the foreign filter kept" \
	"$(tb_exec n1 tc filter show dev cni0 ingress | grep -c "bytecode '1,6 0 0 0'" || true)" 1
check "the foreign filter's clsact kept" "$(tb_exec n1 tc qdisc show dev cni0 | grep -c clsact || true)" 1
check "clsact qdiscs left (only cni0's)" "$(tb_exec n1 tc qdisc show | grep -c clsact || true)" 1
for id in $prog_ids; do
	if bpftool prog show id "$id" >/dev/null 2>&1; then bad "program $id still loaded"; else ok; fi
done
echo "cleanup.test: node-cleanup.sh unloaded $(echo "$prog_ids" | wc -l) programs"

# tcx: SIGTERM leaves the pinned links attached; node-cleanup.sh detaches and unloads them.
tcx_ours() { # nodepath programs in the tcx chains of all devices of n1
	local n=0 dev dir id
	for dev in $(tb_exec n1 ls /sys/class/net); do
		for dir in ingress egress; do
			for id in $(tb_tcx_progs n1 "$dev" "$dir"); do
				case $(tb_prog_name "$id") in np_*) n=$((n + 1)) ;; esac
			done
		done
	done
	echo "$n"
}
start_agent tcx
check "tcx: nodepath programs (5 devices x 2 directions)" "$(tcx_ours)" 10
check "tcx: pinned links" "$(ls -A "$pins/links" | wc -l)" 10
prog_ids=$(for dev in $(tb_exec n1 ls /sys/class/net); do
	for dir in ingress egress; do tb_tcx_progs n1 "$dev" "$dir"; done; done | sort -u)
rc=0
tb_stop_agent n1 TERM || rc=$?
check "tcx: agent exit status on SIGTERM" "$rc" 0
check "tcx: nodepath programs left attached after SIGTERM" "$(tcx_ours)" 10
check_cmd "tcx: node-cleanup.sh" tb_exec n1 deploy/node-cleanup.sh --pin-path "$pins"
check "tcx: nodepath programs after node-cleanup.sh" "$(tcx_ours)" 0
check_cmd "tcx: pins removed" test ! -e "$pins"
gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }
for id in $prog_ids; do
	# the last reference goes asynchronously after the links are detached
	if wait_until 3 gone "$id"; then ok; else bad "tcx: program $id still loaded"; fi
done
check "tcx: programs that were attached (plain, pod, node x 2 directions)" "$(echo "$prog_ids" | wc -w)" 6
check_summary
