#!/usr/bin/env bash
# The filesystem collector caches the mount table until /proc/1/mounts signals a change. In a new
# PID + mount + network namespace (so /proc/1/mounts is this test's own table and nothing is
# mounted on the host), a tmpfs mounted between two scrapes must appear with its exact size, and
# disappear once unmounted.
# usage: filesystem_mounts.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
[ -x "$NODEPATH" ] || { echo "FAIL: $NODEPATH not found" >&2; exit 1; }
D=$(mktemp -d /tmp/npmnt.XXXXXX)
trap 'rmdir "$D" 2>/dev/null; true' EXIT INT TERM
# Everything, including the mount and the agent, lives and dies with the unshared namespaces.
timeout 60 unshare -m -p -f -n --mount-proc bash -euo pipefail -c '
	D=$1 NODEPATH=$2
	mount --make-rprivate /
	ip link set lo up
	"$NODEPATH" --web.listen-address=127.0.0.1:19106 --collector.disable-defaults \
		--collector.filesystem --web.disable-exporter-metrics --log.level=error &
	pid=$!
	trap "rc=\$?; set +e; kill $pid 2>/dev/null; wait $pid 2>/dev/null; umount $D 2>/dev/null; exit \$rc" EXIT
	scrape() { curl -fs http://127.0.0.1:19106/metrics; }
	for _ in $(seq 50); do scrape >/dev/null && break; sleep 0.1; done
	scrape | grep -q "mountpoint=\"$D\"" && { echo "FAIL: $D reported before the mount"; exit 1; }
	mount -t tmpfs -o size=8m,nr_inodes=64 npmnt-test "$D"
	got=$(scrape | grep "^node_filesystem_size_bytes{device=\"npmnt-test\"" || true)
	[ "$got" = "node_filesystem_size_bytes{device=\"npmnt-test\",fstype=\"tmpfs\",mountpoint=\"$D\"} 8.388608e+06" ] ||
		{ echo "FAIL: new mount not reported: $got"; exit 1; }
	scrape | grep -qx "node_filesystem_files{device=\"npmnt-test\",fstype=\"tmpfs\",mountpoint=\"$D\"} 64" ||
		{ echo "FAIL: inode count"; exit 1; }
	umount "$D"
	scrape | grep -q "mountpoint=\"$D\"" && { echo "FAIL: unmounted $D still reported"; exit 1; }
	echo "PASS: filesystem follows mount table changes"
' bash "$D" "$NODEPATH"
