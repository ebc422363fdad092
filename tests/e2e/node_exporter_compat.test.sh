#!/usr/bin/env bash
# Live side-by-side: Debian's prometheus-node-exporter 1.5 and nodepath, both bound to 127.0.0.1
# in a network namespace this test creates, scrape the same host. For every collector both run,
# family names, types and label names must be identical; stable values (MemTotal, CPU count,
# filesystem sizes, boot time...) equal. Prints the per-collector match table.
# usage: node_exporter_compat.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$HERE/lib/check.sh"
NE=$(command -v prometheus-node-exporter || true)
[ -x "$NE" ] || die "prometheus-node-exporter not installed"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
command -v python3 >/dev/null || die "python3 missing"

TAG=$$-$RANDOM
NS=npcompat-$TAG
TF=$(mktemp -d /tmp/npcompat-tf.XXXXXX)
NE_PID= NP_PID=
cleanup() {
	set +e # every step must run even if an earlier one fails
	for pid in $NE_PID $NP_PID; do
		kill "$pid" 2>/dev/null
	done
	for pid in $NE_PID $NP_PID; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TF"
	return 0
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
# A veth pair in the test namespace, so netclass/netdev also see a device with a speed, a
# duplex and a carrier (lo has none of these). IPv6 off: no RS/MLD traffic changing counters.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$NS" ip link add npc0 mtu 1450 type veth peer name npc1
ip netns exec "$NS" ip link set npc0 up
ip netns exec "$NS" ip link set npc1 up
printf '# HELP compat_textfile_value A value both exporters read.\n# TYPE compat_textfile_value gauge\ncompat_textfile_value{src="compat"} 42\n' >"$TF/compat.prom"

# Debian's defaults differ from upstream: systemd collector on, lo excluded from netdev, /run,
# /mnt and /media excluded from filesystem. Undo all three so the two programs run the same
# collectors on the same devices and mounts.
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19101 --no-collector.systemd \
	--collector.netdev.device-exclude= --collector.textfile.directory="$TF" \
	--collector.filesystem.mount-points-exclude='^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)' \
	--log.level=warn >"$TF/ne.log" 2>&1 &
NE_PID=$!
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19102 --no-collector.netpath \
	--collector.textfile.directory="$TF" --log.level=warn >"$TF/np.log" 2>&1 &
NP_PID=$!

both_up() {
	ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:19101/metrics &&
		ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:19102/metrics
}
wait_until 5 both_up || die "the exporters do not answer"
rc=0
ip netns exec "$NS" python3 "$HERE/lib/compat.py" http://127.0.0.1:19101/metrics \
	http://127.0.0.1:19102/metrics || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "--- node_exporter log"; tail -5 "$TF/ne.log"
	echo "--- nodepath log"; tail -5 "$TF/np.log"
	bad "node_exporter compatibility"
else
	ok
fi
check_summary
