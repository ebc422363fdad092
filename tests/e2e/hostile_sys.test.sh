#!/usr/bin/env bash
# nodepath on a hostile sysfs tree (tests/fixtures/hostile/sys: malformed, huge, empty and
# missing attribute files): the agent keeps serving, the output parses (promtool), and exactly
# the collectors fed malformed numbers report node_scrape_collector_success 0, with no series.
# usage: hostile_sys.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
command -v promtool >/dev/null || die "promtool missing"
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
	--collector.xfs --collector.bonding --collector.nvme --collector.dmi \
	--collector.btrfs \
	--log.level=error 2>/dev/null &
PID=$!
wait_until 5 ip netns exec "$NS" curl -fs -o "$OUT" http://127.0.0.1:19105/metrics ||
	die "no response"
expect() { # collector success
	check "$1: node_scrape_collector_success" \
		"$(grep "^node_scrape_collector_success{collector=\"$1\"} " "$OUT" | cut -d' ' -f2)" "$2"
}
# malformed numbers: the collector fails, nothing half-written is left behind
expect netclass 0
expect cpufreq 0
expect powersupplyclass 0
expect edac 0
expect thermal_zone 0
# one of two XFS filesystems has a malformed statistics line
expect xfs 0
# a bond master without its bonding/slaves file
expect bonding 0
# an NVMe controller without its serial attribute
expect nvme 0
# a DMI attribute larger than a sysfs page
expect dmi 0
# a btrfs layout size that is not a number
expect btrfs 0
# unparsable sensor values are skipped (as node_exporter), the rest still reported
expect hwmon 1
# no diskstats/mdstat/1/mounts in that tree: missing files
expect diskstats 0
expect mdadm 1
expect filesystem 0
# every .prom there is broken: collector succeeds, scrape_error 1
expect textfile 1
check "textfile scrape_error" "$(grep -c '^node_textfile_scrape_error 1$' "$OUT" || true)" 1
for fam in node_network_ node_cpu_frequency node_power_supply node_edac node_thermal_zone \
	node_xfs_ node_bonding_ node_nvme_ node_dmi_ node_btrfs_; do
	check "series of a failed collector ($fam) left in the output" "$(grep -c "^$fam" "$OUT" || true)" 0
done
check "hwmon in0 (1e308 mV)" \
	"$(grep -c '^node_hwmon_in_volts{chip="hwmon0",sensor="in0"} 1e+305$' "$OUT" || true)" 1
if ! promtool check metrics <"$OUT" >/dev/null 2>&1 &&
	promtool check metrics <"$OUT" 2>&1 | grep -qE 'error while linting|parsing error'; then
	bad "promtool cannot parse the output"
else
	ok
fi
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
check_summary
