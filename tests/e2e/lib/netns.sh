# One private network namespace per test (sourced after check.sh): loopback up, a scratch
# directory, and the processes the test starts in it; all removed on every exit path.
#
#   netns_init TAG TOOL...       root and the tools required; sets NS (unique per run), TMP and
#                                PIDS, defines nsx, installs the EXIT/INT/TERM teardown
#   netns_spawn LOG CMD...       runs CMD inside NS with stderr to LOG; SPAWNED is its PID
#                                (CMD itself, not a subshell: ip netns exec execs it)
#   netns_wait_healthy PORT PID LOG   polls /-/healthy for 5 s; prints LOG and dies if the
#                                process exits or never answers
#   netns_stop_all               SIGTERM to every spawned process, then reaps them

netns_init() {
	local tag=$1 t
	shift
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
	for t in ip curl "$@"; do
		command -v "$t" >/dev/null || die "missing tool: $t (scripts/setup.sh --test installs it)"
	done
	NS=np-$tag-$$-$RANDOM
	TMP=$(mktemp -d "/tmp/np-$tag.XXXXXX")
	PIDS=()
	trap netns__teardown EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS"
	nsx ip link set lo up
}

nsx() { ip netns exec "$NS" "$@"; }

netns_spawn() {
	local log=$1
	shift
	ip netns exec "$NS" "$@" 2>"$log" &
	SPAWNED=$!
	PIDS+=("$SPAWNED")
}

netns_wait_healthy() {
	local port=$1 pid=$2 log=$3
	local i
	for i in $(seq 250); do
		if nsx curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/-/healthy"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	cat "$log" >&2
	die "process $pid did not answer /-/healthy on port $port (tried $i times)"
}

netns_stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

netns__teardown() {
	trap - EXIT INT TERM
	netns_stop_all
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
