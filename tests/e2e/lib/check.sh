# Shared vocabulary of the end-to-end scripts (sourced): counting checks, sections, polling.
#
#   . tests/e2e/lib/check.sh            (CHECK_NAME defaults to the script name, less .test.sh)
#   check DESC GOT WANT                 exact equality (numbers compare as numbers: 1420 = 1.42e+03)
#   check_cmd DESC cmd...               passes when the command succeeds
#   check_eval DESC 'CONDITION'         passes when the shell condition holds (for && chains)
#   ok [DESC] / bad DESC                count a pass / a failure (failures are printed on stderr)
#   section TEXT                        a heading with the seconds since the start
#   die TEXT                            fatal: print and exit 1 (EXIT traps still tear down)
#   wait_until TIMEOUT_S cmd...         poll every 20 ms until the command succeeds
#   poll_delta TIMEOUT_S WANT BASE cmd...   poll until the number the command prints is BASE+WANT
#   check_summary                       the closing line "NAME: N passed, M failed"; status 0 only
#                                       when nothing failed and something was checked
#
# A script whose checks never ran must not look like a pass: check_summary fails when none ran.

CHECK_NAME=${CHECK_NAME:-$(basename "$0" .sh)}
CHECK_NAME=${CHECK_NAME%.test}
CHECK_PASSED=0
CHECK_FAILED=0
CHECK_T0=$(date +%s)

ok() {
	CHECK_PASSED=$((CHECK_PASSED + 1))
	[ -z "${CHECK_VERBOSE:-}" ] || [ $# -eq 0 ] || echo "ok   $*"
}

bad() {
	CHECK_FAILED=$((CHECK_FAILED + 1))
	echo "  FAIL: $*" >&2
}

CHECK__NUM='^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'

# check__same A B: equal strings, or two numbers of equal value
check__same() {
	[ "$1" = "$2" ] && return 0
	[[ $1 =~ $CHECK__NUM && $2 =~ $CHECK__NUM ]] || return 1
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'
}

check() { # DESC GOT WANT
	if check__same "$2" "$3"; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}

check_cmd() { # DESC cmd...
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else bad "$desc"; fi
}

check_eval() { # DESC 'CONDITION'
	if eval "$2"; then ok "$1"; else bad "$1"; fi
}

section() { echo "--- $* ($(($(date +%s) - CHECK_T0)) s)"; }

die() {
	echo "$CHECK_NAME: FATAL: $*" >&2
	exit 1
}

# check__deadline SECONDS: the epoch millisecond SECONDS (fractions allowed) from now
check__deadline() { echo $(($(date +%s%3N) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }'))); }

# wait_until TIMEOUT_S cmd...: poll every 20 ms; 1 when the command still fails at the deadline
wait_until() {
	local deadline
	deadline=$(check__deadline "$1")
	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# poll_delta TIMEOUT_S WANT BASE cmd...: poll the number the command prints until it is exactly
# BASE+WANT (a counter that overshoots cannot come back: stop at once). Prints the last delta seen
# ("missing" when the command never printed a number) and returns 0 when it was WANT. Use it
# instead of a fixed sleep wherever a counter is on its way to a known value.
poll_delta() {
	local timeout=$1 want=$2 base=$3 v d=missing deadline
	shift 3
	deadline=$(check__deadline "$timeout")
	while :; do
		if v=$("$@" 2>/dev/null) && [[ $v =~ $CHECK__NUM ]]; then
			d=$(awk -v v="$v" -v b="$base" 'BEGIN { printf "%.17g", v - b }')
			if check__same "$d" "$want"; then
				echo "$d"
				return 0
			fi
			awk -v d="$d" -v w="$want" 'BEGIN { exit !(d > w) }' && break
		fi
		[ "$(date +%s%3N)" -lt "$deadline" ] || break
		sleep 0.02
	done
	echo "$d"
	return 1
}

# check_summary: the runner-readable closing line and the script's status
check_summary() {
	if [ "$CHECK_PASSED" -eq 0 ] && [ "$CHECK_FAILED" -eq 0 ]; then
		bad "no check ran"
	fi
	echo "$CHECK_NAME took $(($(date +%s) - CHECK_T0)) s"
	echo "$CHECK_NAME: $CHECK_PASSED passed, $CHECK_FAILED failed"
	[ "$CHECK_FAILED" -eq 0 ]
}
