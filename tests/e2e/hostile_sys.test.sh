#!/usr/bin/env bash
# nodepath on a hostile sysfs tree (tests/fixtures/hostile/sys: malformed, huge, empty and
# missing attribute files): the agent keeps serving, the output parses (promtool), and exactly
# the collectors fed malformed numbers report node_scrape_collector_success 0, with no series.
# usage: hostile_sys.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$NODEPATH" ] || { echo "FAIL: $NODEPATH not found" >&2; exit 1; }
command -v promtool >/dev/null || { echo "FAIL: promtool missing" >&2; exit 1; }
NS=nphostile-$$-$RANDOM
OUT=$(mktemp /tmp/nphostile.XXXXXX)
TFD=$(mktemp -d /tmp/nphostile-tf.XXXXXX)
PID=
cleanup() {
	set +e
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT" "$TFD"
	return 0
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
cd "$ROOT"
# the hostile text-format files, under the name the textfile collector reads
for f in tests/fixtures/hostile/sys/tf.*; do cp "$f" "$TFD/$(basename "$f" | cut -d. -f2).prom"; done
ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:19105 --collector.disable-defaults \
	--web.disable-exporter-metrics --path.sysfs=tests/fixtures/hostile/sys \
	--path.procfs=tests/fixtures/hostile/sys --path.udev.data=tests/fixtures/hostile/sys \
	--collector.netclass --collector.cpufreq --collector.hwmon --collector.thermal_zone \
	--collector.powersupplyclass --collector.edac --collector.mdadm --collector.diskstats \
	--collector.filesystem --collector.textfile --collector.textfile.directory="$TFD" \
	--log.level=error 2>/dev/null &
PID=$!
for _ in $(seq 50); do
	ip netns exec "$NS" curl -fs -o "$OUT" http://127.0.0.1:19105/metrics && break
	sleep 0.1
done
[ -s "$OUT" ] || { echo "FAIL: no response"; exit 1; }
fail=0
expect() { # collector success
	if ! grep -qx "node_scrape_collector_success{collector=\"$1\"} $2" "$OUT"; then
		echo "FAIL: $1: want success $2, got: $(grep "collector=\"$1\"" "$OUT" | grep success)"
		fail=1
	fi
}
# malformed numbers: the collector fails, nothing half-written is left behind
expect netclass 0
expect cpufreq 0
expect powersupplyclass 0
expect edac 0
expect thermal_zone 0
# unparsable sensor values are skipped (as node_exporter), the rest still reported
expect hwmon 1
# no diskstats/mdstat/1/mounts in that tree: missing files
expect diskstats 0
expect mdadm 1
expect filesystem 0
# every .prom there is broken: collector succeeds, scrape_error 1
expect textfile 1
grep -qx 'node_textfile_scrape_error 1' "$OUT" || { echo "FAIL: textfile scrape_error"; fail=1; }
for fam in node_network_ node_cpu_frequency node_power_supply node_edac node_thermal_zone; do
	if grep -q "^$fam" "$OUT"; then
		echo "FAIL: series of a failed collector left in the output: $(grep "^$fam" "$OUT" | head -1)"
		fail=1
	fi
done
grep -q '^node_hwmon_in_volts{chip="hwmon0",sensor="in0"} 1e+305$' "$OUT" ||
	{ echo "FAIL: hwmon in0 (1e308 mV) missing"; fail=1; }
if ! promtool check metrics <"$OUT" >/dev/null 2>&1 &&
	promtool check metrics <"$OUT" 2>&1 | grep -qE 'error while linting|parsing error'; then
	echo "FAIL: promtool cannot parse the output"
	fail=1
fi
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
[ "$fail" -eq 0 ] && echo "PASS: hostile sysfs"
exit "$fail"
