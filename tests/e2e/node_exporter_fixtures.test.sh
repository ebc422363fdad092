#!/usr/bin/env bash
# node_exporter 1.5 and nodepath read the same fixture tree (tests/fixtures: sysfs from a laptop,
# a Super-I/O board, a Xeon with EDAC and a Kubernetes node; mdstat in every state; diskstats with
# udev data; text files; the /proc fixtures; mounts backed by fixed-size tmpfs) and must write the
# same samples: family names, types, HELP, label names and values, collector by collector. Both
# run in a network namespace this test creates, in its private mount namespace. Then the same for
# the sysfs variant trees (bonding) at the end.
# usage: node_exporter_fixtures.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
NE=$(command -v prometheus-node-exporter || true)
[ -x "$NE" ] || die "prometheus-node-exporter not installed"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
NS=npfixcmp-$$-$RANDOM
SCRATCH=$(mktemp -d /tmp/npfixcmp.XXXXXX)
cleanup() {
	set +e
	ip netns del "$NS" 2>/dev/null # the agents and mounts die with the inner shell
	rm -rf "$SCRATCH"
	return 0
}
trap cleanup EXIT INT TERM
cd "$ROOT"
# textfile mtimes are in the output: pinned on a copy (tests never write into tests/fixtures),
# bound over the fixture directory in the namespace's private mount table below.
mkdir "$SCRATCH/textfile"
cp -a tests/fixtures/textfile/. "$SCRATCH/textfile/"
touch -d @1700000000 "$SCRATCH"/textfile/*
# Every collector whose input is a file under the path flags. Not netdev: node_exporter 1.5 reads
# interface counters over rtnetlink by default (--collector.netdev.netlink), ignoring
# --path.procfs. Not the clock/uname ones.
# Upstream node_exporter 1.5's mount-point default, nodepath's too; Debian's build patches it to
# hide /run, /mnt and /media.
UPSTREAM_MP_EXCLUDE='^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
args=(--collector.disable-defaults --collector.netclass --collector.cpufreq --collector.hwmon
	--collector.thermal_zone --collector.powersupplyclass --collector.edac --collector.mdadm
	--collector.diskstats --collector.textfile --collector.filesystem --collector.arp
	--collector.conntrack --collector.cpu --collector.entropy --collector.filefd
	--collector.loadavg --collector.meminfo --collector.netstat --collector.pressure
	--collector.schedstat --collector.sockstat --collector.softnet --collector.stat
	--collector.udp_queues --collector.vmstat --collector.ipvs --collector.nfs --collector.nfsd
	--collector.xfs --collector.bonding --collector.nvme --collector.dmi
	--collector.btrfs
	--path.sysfs=tests/fixtures/sys --path.procfs=tests/fixtures/proc
	--path.rootfs="$SCRATCH/root" --path.udev.data=tests/fixtures/root/run/udev/data
	--collector.textfile.directory=tests/fixtures/textfile
	--collector.filesystem.mount-points-exclude="$UPSTREAM_MP_EXCLUDE")
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" bash -euo pipefail -c '
	S=$1 NE=$2 NP=$3 ROOT=$4; shift 4
	R=$S/root
	mkdir -p "$R"
	# The mount points of tests/fixtures/proc/1/mounts, as in golden.test.sh.
	mount -t tmpfs -o size=64m,nr_inodes=4096,mode=755 fixcmp-root "$R"
	mkdir -p "$R/boot" "$R/var/lib/containerd" "$R/srv/data set" \
		"$R/var/lib/kubelet/pods/1b2c/volumes/kubernetes.io~projected/kube-api-access-x"
	mount -t tmpfs -o size=256m,nr_inodes=1000 fixcmp-boot "$R/boot"
	mount -t tmpfs -o size=1g,nr_inodes=65536 fixcmp-containerd "$R/var/lib/containerd"
	mount -t tmpfs -o size=170000k,nr_inodes=100 fixcmp-kubelet \
		"$R/var/lib/kubelet/pods/1b2c/volumes/kubernetes.io~projected/kube-api-access-x"
	mount -t tmpfs -o size=2g,nr_inodes=500000 fixcmp-data "$R/srv/data set"
	# Kept by node_exporter 1.5'"'"'s mount-point default (Debian'"'"'s patched one hides them).
	mkdir -p "$R/run" "$R/mnt/nfs"
	mount -t tmpfs -o size=1634212k,nr_inodes=2000 fixcmp-run "$R/run"
	mkdir -p "$R/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4f3a/shm"
	mount -t tmpfs -o size=65536k,nr_inodes=300 fixcmp-shm \
		"$R/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4f3a/shm"
	mount -t tmpfs -o size=4g,nr_inodes=7000 fixcmp-nfs "$R/mnt/nfs"
	mount --bind "$S/textfile" "$ROOT/tests/fixtures/textfile"
	"$NE" --web.listen-address=127.0.0.1:19107 "$@" >"$S/ne.log" 2>&1 &
	ne=$!
	"$NP" --web.listen-address=127.0.0.1:19108 "$@" --log.level=error >"$S/np.log" 2>&1 &
	np=$!
	trap "rc=\$?; set +e; kill $ne $np 2>/dev/null; wait $ne $np 2>/dev/null; exit \$rc" EXIT
	for _ in $(seq 50); do
		curl -fs -o /dev/null http://127.0.0.1:19107/metrics &&
			curl -fs -o /dev/null http://127.0.0.1:19108/metrics && break
		sleep 0.1
	done
	# nfsd: 1.5 reads these three NFSv4 operations one value early (docs/proc-collectors.md).
	python3 "$ROOT/tests/e2e/lib/compat.py" --exact --known-diff \
		"^node_nfsd_requests_total\\{method=\"(Verify|Write|RelLockOwner)\",proto=\"4\"\\}$" \
		http://127.0.0.1:19107/metrics \
		http://127.0.0.1:19108/metrics
' bash "$SCRATCH" "$NE" "$NODEPATH" "$ROOT" "${args[@]}" && ok || {
	grep -E 'level=(error|warn)' "$SCRATCH/ne.log" 2>/dev/null | grep -v 'root user' | tail -5
	bad "node_exporter and nodepath differ on the fixture tree"
}
# sysfs trees kept apart from tests/fixtures/sys because they would change other collectors'
# output there (bond masters are class/net directories, which netclass lists): one agent pair
# each, running only the collectors they are for.
variant() { # tree collector...
	local tree=$1 a=(--collector.disable-defaults --path.procfs=/nonexistent)
	shift
	a+=(--path.sysfs="$tree")
	for c in "$@"; do a+=("--collector.$c"); done
	ip netns exec "$NS" bash -euo pipefail -c '
		S=$1 NE=$2 NP=$3 ROOT=$4; shift 4
		"$NE" --web.listen-address=127.0.0.1:19109 "$@" >"$S/ne.log" 2>&1 &
		ne=$!
		"$NP" --web.listen-address=127.0.0.1:19110 "$@" --log.level=error >"$S/np.log" 2>&1 &
		np=$!
		trap "rc=\$?; set +e; kill $ne $np 2>/dev/null; wait $ne $np 2>/dev/null; exit \$rc" EXIT
		for _ in $(seq 50); do
			curl -fs -o /dev/null http://127.0.0.1:19109/metrics &&
				curl -fs -o /dev/null http://127.0.0.1:19110/metrics && break
			sleep 0.1
		done
		python3 "$ROOT/tests/e2e/lib/compat.py" --exact http://127.0.0.1:19109/metrics \
			http://127.0.0.1:19110/metrics
	' bash "$SCRATCH" "$NE" "$NODEPATH" "$ROOT" "${a[@]}" && ok ||
		bad "node_exporter and nodepath differ on $tree"
}
variant tests/fixtures/variants/bonding bonding
check_summary
