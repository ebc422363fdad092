#!/usr/bin/env bash
# Least privilege and signals, in the namespace testbed. After start every thread of the agent
# holds exactly CAP_BPF and CAP_NET_ADMIN (effective, permitted and bounding), no
# ambient set, NoNewPrivs 1 and a seccomp filter (Seccomp 2); and the agent still counts exact
# packets, attaches a veth created afterwards, serves, and leaves its hooks counting on shutdown.
# --no-security.drop-privileges keeps everything (so the checks above can fail). Every signal
# that would end the process either takes the shutdown path (exit 0, hooks left for the next agent) or is
# ignored and logged.
#   usage: bash tests/e2e/privs.test.sh build/nodepath     (as root)
set -u
BIN=$(readlink -f "${1:-build/nodepath}")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/testbed.sh
. tests/e2e/testbed.sh
# shellcheck source=tests/e2e/lib/check.sh
. tests/e2e/lib/check.sh

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$BIN" ] || die "no agent binary at $BIN"

tb_trap
tb_up || die "testbed failed"

# CAP_NET_ADMIN 12, CAP_PERFMON 38, CAP_BPF 39
WANT=000000c000001000
# thread_field PID FIELD: "comm=value" for every thread
thread_field() {
	local t v
	for t in /proc/"$1"/task/*; do
		# Job threads leave after 5 s idle: one may be gone between the glob and the read.
		v=$(awk -v f="$2:" '$1 == f { print $2 }' "$t/status" 2>/dev/null) || continue
		[ -n "$v" ] && echo "$(cat "$t/comm" 2>/dev/null)=$v"
	done
}
all_equal() { # PID FIELD VALUE: every thread's FIELD is VALUE (and there are threads)
	local out
	out=$(thread_field "$1" "$2")
	[ -n "$out" ] || { echo "  no threads for $1"; return 1; }
	if grep -qv "=$3\$" <<<"$out"; then
		echo "  $2 per thread: $(tr '\n' ' ' <<<"$out")"
		return 1
	fi
}
wait_log() { # NODE PATTERN
	wait_until 5 grep -q "$2" "$(tb_agent_log "$1")" && return 0
	echo "  no '$2' in the agent log"
	return 1
}
pod_tx() { # SCRAPE-TEXT POD: packets the pod transmitted (counted at its host veth)
	tb_metric /dev/stdin nodepath_pod_transmit_packets_total "interface=\"$(tb_pod_veth "$2")\"" <<<"$1"
}

# --- 1. the default: privileges dropped after start -------------------------------------------
tb_start_agent n1 "$BIN" || die "agent start"
PID=$(tb_agent_pid n1)
check_cmd "log says what was kept" wait_log n1 'msg="capabilities reduced, no_new_privs set" kept="CAP_BPF CAP_NET_ADMIN CAP_PERFMON" seccomp=enforcing'
threads=$(ls /proc/"$PID"/task | wc -l)
echo "     threads: $threads ($(cat /proc/"$PID"/task/*/comm | sort | uniq -c | tr -s ' \n' ' '))"
check_cmd "more than one thread to check ($threads)" [ "$threads" -ge 3 ]
for f in CapEff CapPrm CapBnd; do
	check_cmd "$f of every thread is $WANT" all_equal "$PID" "$f" "$WANT"
done
check_cmd "CapAmb of every thread is empty" all_equal "$PID" CapAmb 0000000000000000
check_cmd "NoNewPrivs 1 on every thread" all_equal "$PID" NoNewPrivs 1
check_cmd "Seccomp 2 (filter) on every thread" all_equal "$PID" Seccomp 2

out0=$(tb_scrape n1) || bad "scrape"
tb_send_udp n1a n1b 17 100
out1=$(tb_scrape n1)
check "counts exactly after the drop: packets n1a transmitted" \
	"$(($(pod_tx "$out1" n1a) - $(pod_tx "$out0" n1a)))" 17
tb_add_pod n1 n1c || bad "add pod"
check_cmd "a veth created after the drop is attached" \
	wait_until 5 grep -q "msg=\"attached\" device=$(tb_pod_veth n1c) " "$(tb_agent_log n1)"
out2=$(tb_scrape n1)
tb_send_udp n1c n1b 23 100
out3=$(tb_scrape n1)
check "and counted exactly: packets n1c transmitted" \
	"$(($(pod_tx "$out3" n1c) - $(pod_tx "$out2" n1c)))" 23
check "no attach errors" "$(tb_metric0 /dev/stdin nodepath_bpf_attach_errors_total 'layer="pod"' <<<"$out3")" 0
check_cmd "scrape threads (created after the drop) inherit it: CapEff still $WANT everywhere" \
	all_equal "$PID" CapEff "$WANT"

# --- 2. signals that mean nothing are ignored on purpose ---------------------------------------
# RTMIN+2 is the agent's own signal for applying credentials on every thread: ignored without a
# log line. Every other one is taken off sigwait and logged.
LOGGED=(HUP USR1 USR2 ALRM VTALRM PROF IO PWR STKFLT RTMIN RTMIN+1 RTMIN+5 RTMAX)
for s in "${LOGGED[@]}" RTMIN+2; do
	kill -s "$s" "$PID"
done
# Done when each is logged (a signal that killed the agent instead leaves it short: checks below).
ignored_logged() { grep -c 'msg="ignoring signal" signal=' "$(tb_agent_log n1)"; }
wait_until 5 eval '[ "$(ignored_logged)" -ge ${#LOGGED[@]} ]'
check "every ignored signal but RTMIN+2 logged once" "$(ignored_logged)" ${#LOGGED[@]}
check_cmd "alive after HUP USR1 USR2 ALRM VTALRM PROF IO PWR STKFLT and real-time signals" \
	kill -0 "$PID"
check_cmd "still serving after them" tb_scrape n1 -o /dev/null
check_cmd "each ignored one is logged (USR1)" grep -q 'msg="ignoring signal" signal="User defined signal 1"' "$(tb_agent_log n1)"
check_cmd "each ignored one is logged (ALRM)" grep -q 'msg="ignoring signal" signal="Alarm clock"' "$(tb_agent_log n1)"

# --- 3. signals that end the agent take the shutdown path --------------------------------------
hooked() { # NODE: the pod veths' hooks left counting (the next agent takes them over)
	local v dir
	for v in $(tb_pod_veth n1a) $(tb_pod_veth n1c); do
		for dir in ingress egress; do
			if [ "$(tb_tcx_progs "$1" "$v" "$dir" | wc -l)" != 1 ]; then
				echo "  not exactly one tcx program on $v $dir"
				return 1
			fi
		done
	done
}
for s in TERM INT QUIT XCPU; do
	if [ "$s" != TERM ]; then
		tb_start_agent n1 "$BIN" || { bad "agent start before SIG$s"; continue; }
	fi
	check_cmd "SIG$s: programs attached before the signal" \
		test -n "$(tb_tcx_progs n1 "$(tb_pod_veth n1a)" ingress)"
	rc=0
	tb_stop_agent n1 "$s" || rc=$?
	check "SIG$s: exit status through the shutdown path" "$rc" 0
	check_cmd "SIG$s: shutdown logged" grep -q "msg=\"shutting down\" signal=" "$(tb_agent_log n1)"
	check_cmd "SIG$s: hooks left counting, one per hook" hooked n1
	: >"$(tb_agent_log n1)"
done

# --- 4. the debugging switch keeps everything (the checks above can fail) ------------------------
tb_start_agent n1 "$BIN" --no-security.drop-privileges || die "agent start"
PID=$(tb_agent_pid n1)
check_cmd "--no-security.drop-privileges: CapEff is not reduced" bash -c "! grep -q 'CapEff:.*$WANT' /proc/$PID/status"
check_cmd "--no-security.drop-privileges: Seccomp 0" all_equal "$PID" Seccomp 0
tb_stop_agent n1 TERM
tb_start_agent n1 "$BIN" --security.seccomp=off || die "agent start"
PID=$(tb_agent_pid n1)
check_cmd "--security.seccomp=off: capabilities still reduced, Seccomp 0" \
	bash -c "grep -q 'CapEff:.*$WANT' /proc/$PID/status && grep -q 'Seccomp:.*0' /proc/$PID/status"
tb_stop_agent n1 TERM

check_summary
