#!/usr/bin/env bash
# btrfs collector on a mounted filesystem: node_exporter 1.5 and nodepath read the same sysfs and
# the same mount (a two-device raid1 btrfs on loop devices this test creates, mounted in the
# private mount namespace of a network namespace it creates) and must write the same samples,
# including the ioctl-only device families (device_errors_total, device_unused_bytes, the
# btrfs_dev_uuid label). Mounts are found through a procfs tree holding only a 1/mounts file.
# usage: btrfs.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
NE=$(command -v prometheus-node-exporter || true)
[ -x "$NE" ] || die "prometheus-node-exporter not installed"
command -v mkfs.btrfs >/dev/null || die "mkfs.btrfs missing (package btrfs-progs)"
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null ||
	die "the kernel has no btrfs"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
NS=npbtrfs-$$-$RANDOM
S=$(mktemp -d /tmp/npbtrfs.XXXXXX)
LOOPS=()
cleanup() {
	set +e
	ip netns del "$NS" 2>/dev/null # the mount and the agents die with the inner shell
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$S"
	return 0
}
trap cleanup EXIT INT TERM
truncate -s 300M "$S/a.img" "$S/b.img"
LOOPS+=("$(losetup --find --show "$S/a.img")")
LOOPS+=("$(losetup --find --show "$S/b.img")")
mkfs.btrfs -q -f -L "$NS" -d raid1 -m raid1 "${LOOPS[0]}" "${LOOPS[1]}" >/dev/null
mkdir -p "$S/mnt" "$S/proc/1"
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" bash -euo pipefail -c '
	S=$1 NE=$2 NP=$3 ROOT=$4 A=$5 B=$6
	mount -t btrfs -o "device=$A,device=$B" "$A" "$S/mnt"
	echo "$A $S/mnt btrfs rw,relatime 0 0" >"$S/proc/1/mounts"
	args=(--collector.disable-defaults --collector.btrfs --path.procfs="$S/proc")
	"$NE" --web.listen-address=127.0.0.1:19111 "${args[@]}" >"$S/ne.log" 2>&1 &
	ne=$!
	"$NP" --web.listen-address=127.0.0.1:19112 "${args[@]}" --log.level=error >"$S/np.log" 2>&1 &
	np=$!
	trap "rc=\$?; set +e; kill $ne $np 2>/dev/null; wait $ne $np 2>/dev/null; exit \$rc" EXIT
	for _ in $(seq 50); do
		curl -fs -o /dev/null http://127.0.0.1:19111/metrics &&
			curl -fs -o /dev/null http://127.0.0.1:19112/metrics && break
		sleep 0.1
	done
	curl -fs http://127.0.0.1:19112/metrics >"$S/np.prom"
	python3 "$ROOT/tests/e2e/lib/compat.py" --exact http://127.0.0.1:19111/metrics \
		http://127.0.0.1:19112/metrics
' bash "$S" "$NE" "$NODEPATH" "$ROOT" "${LOOPS[0]}" "${LOOPS[1]}" && ok ||
	bad "node_exporter and nodepath differ on a mounted btrfs"
uuid=$(blkid -s UUID -o value "${LOOPS[0]}")
# Not vacuous: the ioctl families are there for both devices of this filesystem.
check "device_errors_total series of the test filesystem" \
	"$(grep -c "^node_btrfs_device_errors_total{.*uuid=\"$uuid\"}" "$S/np.prom" || true)" 10
check "device_unused_bytes series of the test filesystem" \
	"$(grep -c "^node_btrfs_device_unused_bytes{.*uuid=\"$uuid\"}" "$S/np.prom" || true)" 2
check "device_size_bytes (600 MiB over two devices)" \
	"$(grep "^node_btrfs_device_size_bytes{.*uuid=\"$uuid\"}" "$S/np.prom" |
		awk '{ s += $2 } END { print s }')" 629145600
check "info carries the label" \
	"$(grep -c "^node_btrfs_info{label=\"$NS\",uuid=\"$uuid\"} 1$" "$S/np.prom" || true)" 1
check_summary
