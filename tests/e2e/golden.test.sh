#!/usr/bin/env bash
# End-to-end golden test: runs nodepath with --path.procfs/--path.sysfs/--path.rootfs/--path.udev.data
# on the fixture tree (tests/fixtures), scrapes it over HTTP inside a network namespace this test
# creates, and diffs the exposition with tests/e2e/golden/fixtures.prom. Then runs
# `promtool check metrics` on it.
#   bash tests/e2e/golden.test.sh build/nodepath            compare
#   bash tests/e2e/golden.test.sh build/nodepath --update   regenerate the golden file
# Only collectors whose output is a function of the fixture files run (the list is explicit, so a
# new collector does not silently change the golden). Left out: time, timex, uname, os (live
# clock/kernel), netpath (BPF), process_* (--web.disable-exporter-metrics). Sample lines of
# node_scrape_collector_duration_seconds and nodepath_build_info are dropped before the diff.
# Filesystems: the mounts fixture names mount points that this test backs with tmpfs mounts of
# fixed size and inode count under a scratch --path.rootfs, in the private mount namespace of
# `ip netns exec`, so statvfs results are exact.
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
UPDATE=${2:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GOLDEN=$ROOT/tests/e2e/golden/fixtures.prom
COLLECTORS="arp bonding btrfs conntrack cpu cpufreq diskstats dmi edac entropy filefd filesystem
hwmon ipvs loadavg mdadm meminfo netclass netdev netstat nfs nfsd nvme powersupplyclass pressure
schedstat sockstat softnet stat textfile thermal_zone udp_queues vmstat xfs"

# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
command -v promtool >/dev/null || die "promtool missing (package prometheus)"

NS=npgolden-$$-$RANDOM
SCRATCH=$(mktemp -d /tmp/npgolden.XXXXXX)
cleanup() {
	set +e # every step must run even if an earlier one fails
	ip netns del "$NS" 2>/dev/null
	# The tmpfs mounts lived in the namespace's private mount table and are gone with it.
	rm -rf "$SCRATCH"
	return 0
}
trap cleanup EXIT INT TERM

# textfile mtimes are part of the output: pin them, on a copy (tests never write into
# tests/fixtures). The copy is bound over the fixture directory inside the namespace's private
# mount table, so the paths in the output stay those of the golden file.
mkdir "$SCRATCH/textfile"
cp -a "$ROOT"/tests/fixtures/textfile/. "$SCRATCH/textfile/"
touch -d @1700000000 "$SCRATCH"/textfile/*

args=(--web.listen-address=127.0.0.1:19103 --collector.disable-defaults --web.disable-exporter-metrics
	--path.procfs=tests/fixtures/proc --path.sysfs=tests/fixtures/sys
	--path.rootfs="$SCRATCH/root" --path.udev.data=tests/fixtures/root/run/udev/data
	--collector.textfile.directory=tests/fixtures/textfile --log.level=error)
for c in $COLLECTORS; do args+=("--collector.$c"); done

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
# Everything below runs in one private mount namespace (ip netns exec unshares it).
ip netns exec "$NS" bash -euo pipefail -c '
	R=$1/root; shift
	mkdir -p "$R"
	mount -t tmpfs -o size=64m,nr_inodes=4096,mode=755 golden-root "$R"
	mkdir -p "$R/boot" "$R/var/lib/containerd" "$R/srv/data set" \
		"$R/var/lib/kubelet/pods/1b2c/volumes/kubernetes.io~projected/kube-api-access-x"
	mount -t tmpfs -o size=256m,nr_inodes=1000 golden-boot "$R/boot"
	mount -t tmpfs -o size=1g,nr_inodes=65536 golden-containerd "$R/var/lib/containerd"
	mount -t tmpfs -o size=170000k,nr_inodes=100 golden-kubelet \
		"$R/var/lib/kubelet/pods/1b2c/volumes/kubernetes.io~projected/kube-api-access-x"
	mount -t tmpfs -o size=2g,nr_inodes=500000 golden-data "$R/srv/data set"
	# Kept by node_exporter 1.5'"'"'s mount-point default (Debian'"'"'s patched one hides them).
	mkdir -p "$R/run" "$R/mnt/nfs"
	mount -t tmpfs -o size=1634212k,nr_inodes=2000 golden-run "$R/run"
	mkdir -p "$R/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4f3a/shm"
	mount -t tmpfs -o size=65536k,nr_inodes=300 golden-shm \
		"$R/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4f3a/shm"
	mount -t tmpfs -o size=4g,nr_inodes=7000 golden-nfs "$R/mnt/nfs"
	mount --bind "$R/../textfile" "$0/tests/fixtures/textfile"
	cd "$0"
	"$@" &
	pid=$!
	trap "rc=\$?; set +e; kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit \$rc" EXIT
	for _ in $(seq 50); do
		curl -fs -o "$R/../out.prom" http://127.0.0.1:19103/metrics && break
		sleep 0.1
	done
	[ -s "$R/../out.prom" ]
' "$ROOT" "$SCRATCH" "$NODEPATH" "${args[@]}"

grep -vE '^(node_scrape_collector_duration_seconds|nodepath_build_info)\{' "$SCRATCH/out.prom" \
	>"$SCRATCH/filtered.prom"

if [ "$UPDATE" = "--update" ]; then
	mkdir -p "$(dirname "$GOLDEN")"
	cp "$SCRATCH/filtered.prom" "$GOLDEN"
	echo "updated $GOLDEN ($(grep -vc '^#' "$GOLDEN") samples)"
fi

if diff -u "$GOLDEN" "$SCRATCH/filtered.prom"; then
	ok
else
	bad "output differs from $GOLDEN (run with --update if the change is intended)"
fi
# promtool: the exposition must parse (exit 1 = parse error). Exit 3 = lint findings, accepted
# only for the names node_exporter itself has (node_memory_MemTotal_bytes, node_netstat_Tcp_InSegs:
# camelCase; node_entropy_*_bits: unit), which dashboards depend on.
prc=0
promtool check metrics <"$SCRATCH/out.prom" >"$SCRATCH/promtool.txt" 2>&1 || prc=$?
if [ "$prc" -eq 3 ] && ! grep -vE "^node_(memory|netstat)_[A-Za-z0-9_]+ metric names should be written in 'snake_case' not 'camelCase'$|^node_entropy_[a-z_]+_bits use base unit \"bytes\" instead of \"bits\"$" \
	"$SCRATCH/promtool.txt" >/dev/null; then
	prc=0
fi
if [ "$prc" -ne 0 ]; then
	cat "$SCRATCH/promtool.txt"
	bad "promtool check metrics"
else
	ok
fi
echo "golden: $(grep -vc '^#' "$SCRATCH/filtered.prom") samples compared"
check_summary
