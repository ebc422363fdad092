#!/bin/sh
# Removes what nodepath leaves on a node after `kubectl delete -k deploy/kubernetes/`: an agent
# that exits leaves its hooks counting so that the next one continues without a gap. That is its
# tcx links (pinned under <pin path>/links: removing a pin detaches the link), its clsact filters
# (tc mode), optionally the clsact qdiscs that are then empty, and its pinned maps (the counters).
# Run it as root in the node's network namespace (ssh, or `kubectl debug node/NAME` with
# nsenter), after the agent is gone: a running agent would re-attach.
#
#   node-cleanup.sh [--pin-path DIR] [--qdisc] [--dry-run]
#
# Only nodepath's own filters are removed: handle 0x6e70 at preference 1 on clsact ingress and
# egress (src/loader.c). --qdisc also deletes a clsact qdisc when no filter of anyone is left on
# either of its hooks; leave it out if other agents (Cilium, Calico) may attach later.
set -eu

pin=/sys/fs/bpf/nodepath
qdisc=0
run=
while [ $# -gt 0 ]; do
	case $1 in
	--pin-path) pin=$2; shift 2 ;;
	--qdisc) qdisc=1; shift ;;
	--dry-run) run=echo; shift ;;
	*) echo "node-cleanup: unknown argument $1" >&2; exit 2 ;;
	esac
done
command -v tc >/dev/null || { echo "node-cleanup: tc (iproute2) not found" >&2; exit 1; }

filters=0
qdiscs=0
for dev in $(ls /sys/class/net); do
	tc qdisc show dev "$dev" 2>/dev/null | grep -q '^qdisc clsact' || continue
	for dir in ingress egress; do
		if tc filter show dev "$dev" "$dir" 2>/dev/null | grep -q 'handle 0x6e70 '; then
			$run tc filter del dev "$dev" "$dir" protocol all pref 1 handle 0x6e70 bpf
			filters=$((filters + 1))
		fi
	done
	if [ "$qdisc" -eq 1 ] && [ -z "$run" ] &&
		[ -z "$(tc filter show dev "$dev" ingress)$(tc filter show dev "$dev" egress)" ]; then
		tc qdisc del dev "$dev" clsact
		qdiscs=$((qdiscs + 1))
	fi
done

pins=0
links=0
if [ -d "$pin" ]; then
	[ -d "$pin/links" ] && links=$(ls -A "$pin/links" | wc -l)
	# Pin names have no dots: names with one (maps.debug, progs.debug at a bpffs root) are the
	# kernel's. The contents, then the directory: the pin path may be a bpffs mount point.
	pins=$(find "$pin" -mindepth 1 -not -type d -not -name '*.*' | wc -l)
	$run find "$pin" -mindepth 1 -not -name '*.*' -delete
	if ! mountpoint -q "$pin"; then $run rmdir "$pin"; fi
fi
echo "node-cleanup: removed $filters nodepath filters, $qdiscs empty clsact qdiscs, $pins pins ($links tcx links) under $pin${run:+ (dry run)}"
