#!/usr/bin/env bash
# node_exporter 1.5 and nodepath read the same fixture tree (tests/fixtures: sysfs from a laptop,
# a Super-I/O board, a Xeon with EDAC and a Kubernetes node; mdstat in every state; diskstats with
# udev data; text files; the /proc fixtures) and must write the same samples: family names, types, HELP, label names
# and values, collector by collector. Both run in a network namespace this test creates.
# usage: node_exporter_fixtures.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NE=$(command -v prometheus-node-exporter || true)
[ -x "$NE" ] || { echo "FAIL: prometheus-node-exporter not installed" >&2; exit 1; }
[ -x "$NODEPATH" ] || { echo "FAIL: $NODEPATH not found" >&2; exit 1; }
NS=npfixcmp-$$-$RANDOM
LOG=$(mktemp -d /tmp/npfixcmp.XXXXXX)
NE_PID= NP_PID=
cleanup() {
	set +e
	for pid in $NE_PID $NP_PID; do kill "$pid" 2>/dev/null; done
	for pid in $NE_PID $NP_PID; do wait "$pid" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$LOG"
	return 0
}
trap cleanup EXIT INT TERM
cd "$ROOT"
touch -d @1700000000 tests/fixtures/textfile/*
# Every collector whose input is a file under the path flags. Not netdev: node_exporter 1.5 reads
# interface counters over rtnetlink by default (--collector.netdev.netlink), ignoring
# --path.procfs. Not filesystem (statvfs of live mounts; see golden.test.sh), nor the clock/uname
# ones.
args=(--collector.disable-defaults --collector.netclass --collector.cpufreq --collector.hwmon
	--collector.thermal_zone --collector.powersupplyclass --collector.edac --collector.mdadm
	--collector.diskstats --collector.textfile --collector.arp --collector.conntrack
	--collector.cpu --collector.entropy --collector.filefd --collector.loadavg --collector.meminfo
	--collector.netstat --collector.pressure --collector.schedstat --collector.sockstat
	--collector.softnet --collector.stat --collector.udp_queues --collector.vmstat
	--path.sysfs=tests/fixtures/sys
	--path.procfs=tests/fixtures/proc --path.udev.data=tests/fixtures/root/run/udev/data
	--collector.textfile.directory=tests/fixtures/textfile)
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:19107 "${args[@]}" >"$LOG/ne.log" 2>&1 &
NE_PID=$!
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19108 "${args[@]}" \
	--log.level=error >"$LOG/np.log" 2>&1 &
NP_PID=$!
for _ in $(seq 50); do
	ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:19107/metrics &&
		ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:19108/metrics && break
	sleep 0.1
done
if ! ip netns exec "$NS" python3 "$ROOT/tests/e2e/lib/compat.py" --exact \
	http://127.0.0.1:19107/metrics http://127.0.0.1:19108/metrics; then
	grep -E 'level=(error|warn)' "$LOG/ne.log" | grep -v 'root user' | tail -5
	echo "FAIL: node_exporter and nodepath differ on the fixture tree"
	exit 1
fi
echo "PASS: identical to node_exporter 1.5 on the fixture tree"
