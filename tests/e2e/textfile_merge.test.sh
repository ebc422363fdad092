#!/usr/bin/env bash
# nodepath serving textfiles that try to redefine the agent's own families, fake a collector's
# failure, repeat series, conflict across files and carry bytes that are not UTF-8: every scrape
# still parses (promtool), the agent's series come first and unchanged, the offending metrics
# alone are dropped, node_textfile_scrape_error is 1, and the log names each file and cause once
# per scrape.
# usage: textfile_merge.test.sh path/to/nodepath
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$ROOT/tests/e2e/lib/check.sh"
[ -x "$NODEPATH" ] || die "$NODEPATH not found"
command -v promtool >/dev/null || die "promtool missing (package prometheus)"
NS=nptfmerge-$$-$RANDOM
TMP=$(mktemp -d /tmp/nptfmerge.XXXXXX)
TFD=$TMP/tf
OUT=$TMP/out.prom
LOG=$TMP/agent.log
PORT=19107
PID=
cleanup() {
	set +e
	if [ -n "$PID" ] && kill "$PID" 2>/dev/null; then
		wait "$PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkdir "$TFD"

printf '%s\n' 'node_load1 99' \
	'# TYPE node_scrape_collector_success gauge' \
	'node_scrape_collector_success{collector="loadavg"} 0' \
	'process_open_fds 1' 'a_good_metric{k="1"} 1' >"$TFD/a-fake.prom"
printf '%s\n' 'dup{a="1",b="2"} 1' 'dup{b="2",a="1"} 2' '# TYPE t counter' 't 1' \
	>"$TFD/b-dups.prom"
printf '%s\n' '# TYPE t gauge' 't 2' >"$TFD/c-conflict.prom"
printf 'utf{v="\xff"} 1\nutf{v="ok"} 2\n' >"$TFD/d-utf8.prom"

ip netns exec "$NS" "$NODEPATH" --web.listen-address=127.0.0.1:$PORT \
	--collector.disable-defaults --collector.textfile --collector.loadavg \
	--collector.textfile.directory="$TFD" --log.level=warn 2>"$LOG" &
PID=$!
wait_until 5 ip netns exec "$NS" curl -fs -o /dev/null http://127.0.0.1:$PORT/-/healthy ||
	die "no response"

section "two scrapes"
for _ in 1 2; do
	ip netns exec "$NS" curl -fs -o "$OUT" http://127.0.0.1:$PORT/metrics || die "scrape failed"
done
rc=0
promtool check metrics <"$OUT" >"$TMP/promtool.txt" 2>&1 || rc=$?
check "promtool: no parse error (0 or 3 for lint only)" "$([ "$rc" = 0 ] || [ "$rc" = 3 ] && echo ok || echo "$rc")" ok
check "no text-format error" "$(grep -c 'error while linting' "$TMP/promtool.txt" || true)" 0
check "node_load1 once, the agent's" "$(grep -c '^node_load1 ' "$OUT" || true)" 1
check "node_load1 not the file's" "$(grep -c '^node_load1 99$' "$OUT" || true)" 0
check "node_load1 TYPE once, gauge" "$(grep -c '^# TYPE node_load1 gauge$' "$OUT")" 1
check "loadavg success once, 1" \
	"$(grep -c '^node_scrape_collector_success{collector="loadavg"} 1$' "$OUT")" 1
check "no faked success" "$(grep -c 'node_scrape_collector_success{collector="loadavg"} 0' "$OUT" || true)" 0
check "success TYPE once" "$(grep -c '^# TYPE node_scrape_collector_success ' "$OUT")" 1
check "process_open_fds not from the file" "$(grep -c '^process_open_fds 1$' "$OUT" || true)" 0
check "good metric from the same file served" "$(grep -c '^a_good_metric{k="1"} 1$' "$OUT")" 1
check "repeated series once" "$(grep -c '^dup{' "$OUT")" 1
check "first of the repeated series kept" "$(grep -c '^dup{a="1",b="2"} 1$' "$OUT")" 1
check "conflicting type: first file's" "$(grep -c '^# TYPE t counter$' "$OUT")" 1
check "t once" "$(grep -c '^t ' "$OUT")" 1
check "UTF-8 sample dropped, the other kept" "$(grep -c '^utf{' "$OUT"),$(grep -c '^utf{v="ok"} 2$' "$OUT")" 1,1
check "textfile output after the agent's" \
	"$(awk '/^node_scrape_collector_success/ { s = NR } /^a_good_metric/ { g = NR } END { print (g > s) }' "$OUT")" 1
check "scrape_error" "$(grep -c '^node_textfile_scrape_error 1$' "$OUT")" 1
check "mtime for the 4 files" "$(grep -c '^node_textfile_mtime_seconds{' "$OUT")" 4

section "log: once per file and cause per scrape"
check "a-fake.prom: taken names" \
	"$(grep -c 'msg="textfile samples dropped" file=[^ ]*a-fake.prom samples=3 first_metric=node_load1 reason="family name already used' "$LOG" || true)" 2
check "b-dups.prom: repeated series" \
	"$(grep -c 'msg="textfile samples dropped" file=[^ ]*b-dups.prom samples=1 first_metric=dup reason="series' "$LOG" || true)" 2
check "c-conflict.prom: type" \
	"$(grep -c 'msg="textfile samples dropped" file=[^ ]*c-conflict.prom samples=1 first_metric=t reason="TYPE or HELP differs' "$LOG" || true)" 2
check "d-utf8.prom: UTF-8" \
	"$(grep -c 'msg="textfile samples dropped" file=[^ ]*d-utf8.prom samples=1 first_metric=utf reason="HELP or label value is not valid UTF-8' "$LOG" || true)" 2
check "no other textfile log lines" "$(grep -c 'textfile' "$LOG" || true)" 8
check "agent still running" "$(kill -0 "$PID" 2>/dev/null && echo yes)" yes
check_summary
