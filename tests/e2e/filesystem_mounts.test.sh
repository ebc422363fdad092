#!/usr/bin/env bash
# The filesystem collector caches the mount table until /proc/1/mounts signals a change. In a new
# PID + mount + network namespace (so /proc/1/mounts is this test's own table and nothing is
# mounted on the host), a tmpfs mounted between two scrapes must appear with its exact size, and
# disappear once unmounted.
# usage: filesystem_mounts.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
D=$(mktemp -d /tmp/npmnt.XXXXXX)
trap 'rmdir "$D" 2>/dev/null; true' EXIT INT TERM
# Everything, including the mount and the agent, lives and dies with the unshared namespaces.
timeout 60 unshare -m -p -f -n --mount-proc bash -euo pipefail -c '
	D=$1 NODEPATH=$2
	CHECK_NAME=filesystem_mounts
	. "$3/tests/e2e/lib/check.sh"
	mount --make-rprivate /
	ip link set lo up
	"$NODEPATH" --web.listen-address=127.0.0.1:19106 --collector.disable-defaults \
		--collector.filesystem --web.disable-exporter-metrics --log.level=error &
	pid=$!
	trap "rc=\$?; set +e; kill $pid 2>/dev/null; wait $pid 2>/dev/null; umount $D 2>/dev/null; exit \$rc" EXIT
	scrape() { curl -fs http://127.0.0.1:19106/metrics; }
	mounted() { grep -c "mountpoint=\"$D\"" <<<"$(scrape)" || true; }
	wait_until 5 scrape >/dev/null || die "agent not serving"
	check "series of $D before the mount" "$(mounted)" 0
	mount -t tmpfs -o size=8m,nr_inodes=64 npmnt-test "$D"
	out=$(scrape)
	check "new mount: size" "$(grep "^node_filesystem_size_bytes{device=\"npmnt-test\"" <<<"$out" || true)" \
		"node_filesystem_size_bytes{device=\"npmnt-test\",fstype=\"tmpfs\",mountpoint=\"$D\"} 8.388608e+06"
	check "new mount: inodes" "$(grep "^node_filesystem_files{device=\"npmnt-test\"" <<<"$out" || true)" \
		"node_filesystem_files{device=\"npmnt-test\",fstype=\"tmpfs\",mountpoint=\"$D\"} 64"
	umount "$D"
	check "series of $D after the unmount" "$(mounted)" 0
	check_summary
' bash "$D" "$NODEPATH" "$ROOT"
