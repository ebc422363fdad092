#!/usr/bin/env bash
# /proc collectors, exact output: Debian's prometheus-node-exporter 1.5 and nodepath read the same
# fixture procfs trees (--path.procfs) inside a network namespace this test creates; for every
# /proc collector the node_* lines (HELP, TYPE, samples with values) must be byte-identical.
# Prints a per-collector table. usage: proc_fixtures_compat.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
NE=$(command -v prometheus-node-exporter || true)
[ -x "$NE" ] || die "prometheus-node-exporter not installed"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"

COLLECTORS="arp conntrack cpu entropy filefd ipvs loadavg meminfo netdev netstat nfs nfsd pressure
schedstat sockstat softnet stat udp_queues vmstat"
TREES="tests/fixtures/proc tests/fixtures/proc/variants/k8s-node"

TAG=$$-$RANDOM
NS=npprocfx-$TAG
TMP=$(mktemp -d /tmp/npprocfx.XXXXXX)
PIDS=()
stop_agents() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
cleanup() {
	trap - EXIT INT TERM
	stop_agents
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkdir "$TMP/sys" # an empty sysfs: only /proc data is compared

# node_exporter's netdev reads rtnetlink by default; --no-collector.netdev.netlink makes both read
# the fixture's net/dev.
common=(--collector.disable-defaults --no-collector.netdev.netlink --path.sysfs="$TMP/sys"
	--log.level=error)
for c in $COLLECTORS; do common+=("--collector.$c"); done

scrape() { # port out
	wait_until 5 ip netns exec "$NS" curl -fs -o "$2" "http://127.0.0.1:$1/metrics" ||
		die "nothing listening on 127.0.0.1:$1"
}

port=19200
for tree in $TREES; do
	# Debian's build excludes lo by default; upstream 1.5 and nodepath exclude nothing.
	ip netns exec "$NS" "$NE" --web.listen-address=127.0.0.1:$port --path.procfs="$ROOT/$tree" \
		--collector.netdev.device-exclude= "${common[@]}" >"$TMP/ne.log" 2>&1 &
	PIDS+=($!)
	ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:$((port + 1)) \
		--path.procfs="$ROOT/$tree" "${common[@]}" >"$TMP/np.log" 2>&1 &
	PIDS+=($!)
	scrape $port "$TMP/ne.prom"
	scrape $((port + 1)) "$TMP/np.prom"
	echo "== $tree"
	printf '%-12s %-6s %-6s %-7s %s\n' collector ne_ok np_ok lines result
	for c in $COLLECTORS; do
		case $c in
		arp) re='node_arp_' ;;
		conntrack) re='node_nf_conntrack_' ;;
		cpu) re='node_cpu_' ;;
		entropy) re='node_entropy_' ;;
		filefd) re='node_filefd_' ;;
		ipvs) re='node_ipvs_' ;;
		loadavg) re='node_load' ;;
		meminfo) re='node_memory_' ;;
		netdev) re='node_network_' ;;
		netstat) re='node_netstat_' ;;
		nfs) re='node_nfs_' ;;
		nfsd) re='node_nfsd_' ;;
		pressure) re='node_pressure_' ;;
		schedstat) re='node_schedstat_' ;;
		sockstat) re='node_sockstat_' ;;
		softnet) re='node_softnet_' ;;
		stat) re='node_(boot_time_seconds|context_switches_total|forks_total|intr_total|procs_)' ;;
		udp_queues) re='node_udp_queues' ;;
		vmstat) re='node_vmstat_' ;;
		*) die "no family pattern for collector $c" ;;
		esac
		re="^(# (HELP|TYPE) )?$re"
		# nfsd: 1.5 reads three NFSv4 operations one value early (docs/proc-collectors.md);
		# their lines are compared without the value.
		known='^node_nfsd_requests_total\{method="(Verify|Write|RelLockOwner)",proto="4"\} '
		grep -E "$re" "$TMP/ne.prom" | sed -E "s/($known).*/\1(known difference)/" |
			sort >"$TMP/a" || true
		grep -E "$re" "$TMP/np.prom" | sed -E "s/($known).*/\1(known difference)/" |
			sort >"$TMP/b" || true
		ok_ne=$(sed -n "s/^node_scrape_collector_success{collector=\"$c\"} //p" "$TMP/ne.prom")
		ok_np=$(sed -n "s/^node_scrape_collector_success{collector=\"$c\"} //p" "$TMP/np.prom")
		if cmp -s "$TMP/a" "$TMP/b" && [ "$ok_ne" = "$ok_np" ]; then
			result=match
		elif cmp -s "$TMP/a" "$TMP/b" && [ "$ok_ne" = 0 ] && [ "$ok_np" = 1 ] &&
			[ ! -s "$TMP/b" ]; then
			# A missing source: node_exporter 1.5 says 0 (ErrNoData), nodepath success with
			# no series, by design (docs/metrics.md). Same (empty) samples either way.
			result="match (no data)"
		else
			result=MISMATCH
		fi
		case $result in match*) ok ;; *) bad "$tree: collector $c differs from node_exporter 1.5" ;; esac
		printf '%-12s %-6s %-6s %-7s %s\n' "$c" "$ok_ne" "$ok_np" "$(wc -l <"$TMP/a")" "$result"
		if [ "$result" = MISMATCH ]; then
			diff "$TMP/a" "$TMP/b" | head -10 || true
		fi
	done
	stop_agents
	port=$((port + 2))
done
check_summary
