#!/usr/bin/env bash
# Kept-open procfs/sysfs descriptors (fsutil's cache, netclass's per-interface descriptors) never
# serve stale or foreign data: a counter read through a kept /proc/net/snmp descriptor moves
# between scrapes, an MTU change shows at once, a renamed interface keeps its values under its
# new name while a new device with the old name shows its own, a deleted one disappears.
# usage: kept_fds.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
# shellcheck source=tests/e2e/lib/check.sh
. "$(dirname "$0")/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
NS=npkept-$$-$RANDOM
OUT=$(mktemp /tmp/npkept.XXXXXX)
PID=
cleanup() {
	set +e
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$OUT"
	return 0
}
trap cleanup EXIT INT TERM
nsx() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
nsx ip link set lo up
nsx ip link add ka type veth peer name kpa
nsx ip link set ka mtu 1234
# ip netns exec execs the agent: $! is the agent's PID (a shell function in the background
# would be a subshell, and killing it would leave the agent running)
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19109 --collector.disable-defaults \
	--collector.netclass --collector.netstat --log.level=error &
PID=$!
scrape() { wait_until 5 nsx curl -fs -o "$OUT" http://127.0.0.1:19109/metrics || die "no response"; }
val() { awk -v m="$1" '$1 == m { print $2 }' "$OUT"; }
expect() { check "$1" "$(val "$1")" "$2"; } # METRIC WANT
ifindex() { nsx cat "/sys/class/net/$1/ifindex"; }

scrape
a1=$(val node_netstat_Tcp_ActiveOpens)
scrape
scrape
a2=$(val node_netstat_Tcp_ActiveOpens)
# every curl above is an active open in the namespace
if [ -z "$a1" ] || [ -z "$a2" ] || [ "$a2" -le "$a1" ]; then
	bad "Tcp_ActiveOpens did not move through the kept descriptor: '$a1' -> '$a2'"
else
	ok
fi
expect 'node_network_mtu_bytes{device="ka"}' 1234
expect 'node_network_iface_id{device="ka"}' "$(ifindex ka)"

nsx ip link set ka mtu 1300
scrape
expect 'node_network_mtu_bytes{device="ka"}' 1300

old=$(ifindex ka)
nsx ip link set ka name kb
nsx ip link add ka type veth peer name kpb
nsx ip link set ka mtu 1400
scrape
expect 'node_network_mtu_bytes{device="kb"}' 1300
expect 'node_network_iface_id{device="kb"}' "$old"
expect 'node_network_mtu_bytes{device="ka"}' 1400
expect 'node_network_iface_id{device="ka"}' "$(ifindex ka)"

nsx ip link del kb
scrape
expect 'node_network_mtu_bytes{device="kb"}' ""
expect 'node_network_mtu_bytes{device="ka"}' 1400
expect 'node_scrape_collector_success{collector="netclass"}' 1

check_summary
