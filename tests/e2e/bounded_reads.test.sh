#!/usr/bin/env bash
# nodepath with hostile files where it reads: a FIFO and links named *.prom in the textfile
# directory never hang or leak into a scrape, and the soft open-files limit is raised to the hard
# one at start (the agent is started under soft 1024, hard 4096).
# usage: bounded_reads.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
command -v promtool >/dev/null || die "promtool missing"
NS=npbounded-$$-$RANDOM
OUT=$(mktemp /tmp/npbounded.XXXXXX)
LOG=$(mktemp /tmp/npbounded-log.XXXXXX)
SECRET=$(mktemp /tmp/npbounded-secret.XXXXXX)
TFD=$(mktemp -d /tmp/npbounded-tf.XXXXXX)
PORT=19106
PID=
cleanup() {
	set +e
	# An agent stuck on a FIFO may never finish a graceful stop: SIGKILL after 5 s.
	if [ -n "$PID" ] && kill "$PID" 2>/dev/null; then
		timeout 5 tail --pid="$PID" -f /dev/null || kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT" "$LOG" "$SECRET" "$TFD"
	return 0
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

echo 'shadow_stand_in{user="root"} 1' >"$SECRET"
mkfifo "$TFD/x.prom"
ln -s "$SECRET" "$TFD/y.prom"
ln -s /dev/zero "$TFD/z.prom"
echo 'good_metric 7' >"$TFD/good.prom"

# Soft first: the hard limit cannot go below it.
(
	ulimit -Sn 1024
	ulimit -Hn 4096
	exec ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:$PORT \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TFD" --log.level=debug 2>"$LOG"
) &
PID=$!
wait_until 5 ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:$PORT/-/healthy ||
	die "no response"

section "open-files limit"
soft=$(awk '/^Max open files/ {print $4}' "/proc/$PID/limits")
hard=$(awk '/^Max open files/ {print $5}' "/proc/$PID/limits")
check "hard limit as started" "$hard" 4096
check "soft limit raised to the hard limit" "$soft" 4096
check "raise logged at debug" \
	"$(grep -c 'level=debug msg="raised the open-files limit" from=1024 to=4096' "$LOG" || true)" 1

section "50 scrapes with a FIFO and links in the textfile directory"
fine=0
t0=$(date +%s%N)
for _ in $(seq 50); do
	if ip netns exec "$NS" curl -fs -m 3 -o "$OUT" http://127.0.0.1:$PORT/metrics; then
		fine=$((fine + 1))
	fi
done
ms=$((($(date +%s%N) - t0) / 1000000))
# Each scrape has 3 s: a read that blocked on the FIFO would fail it. The total is information,
# not a check (it follows the load of the machine).
echo "50 scrapes in $ms ms"
check "scrapes answered" "$fine" 50
check "good file served" "$(grep -c '^good_metric 7$' "$OUT" || true)" 1
check "textfile scrape_error" "$(grep -c '^node_textfile_scrape_error 1$' "$OUT" || true)" 1
check "linked file not served" "$(grep -c 'shadow_stand_in' "$OUT" || true)" 0
check "mtime only for the good file" "$(grep -c '^node_textfile_mtime_seconds{' "$OUT" || true)" 1
check "FIFO refused in the log" \
	"$(grep -c 'file=x.prom line=0 err="not a regular file"' "$LOG" || true)" 50
check "link refused in the log" \
	"$(grep -c 'file=y.prom line=0 err="is a symbolic link, not followed"' "$LOG" || true)" 50
check_cmd "output parses" promtool check metrics <"$OUT"
check "still healthy" \
	"$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/-/healthy)" 200
check "agent still running" "$(kill -0 "$PID" 2>/dev/null && echo yes)" yes
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
check_summary
