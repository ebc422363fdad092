#!/usr/bin/env bash
# What an agent leaves on a node and deploy/node-cleanup.sh, in testbed node n1 (tc mode):
# after SIGTERM no nodepath filter remains and the pins stay (docs/deploy.md, "Removing");
# after kill -9 the filters stay; node-cleanup.sh --dry-run changes nothing, then removes exactly
# nodepath's filters, the pins and (--qdisc) the clsact qdiscs left empty, keeping another
# program's filter and its qdisc. Usage: bash tests/e2e/cleanup.test.sh build/nodepath
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

start_agent() {
	local out=
	ip netns exec "$(tb_ns n1)" "$agent" --web.listen-address=127.0.0.1:9100 --bpf.attach-mode=tc \
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

# A clean stop removes the filters and keeps the pins.
start_agent
check "nodepath filters (5 devices x 2 directions)" "$(ours)" 10
rc=0
tb_stop_agent n1 TERM || rc=$?
check "agent exit status on SIGTERM" "$rc" 0
check "nodepath filters left after SIGTERM" "$(ours)" 0
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
check_summary
