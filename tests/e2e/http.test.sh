#!/usr/bin/env bash
# HTTP endpoint end to end, inside a network namespace this test creates: status codes, headers,
# gzip, collect[], exclude[], --web.max-requests (503), health probes, hostile clients (huge URL and
# headers, garbage bytes, slowloris, a connection flood), promtool on the output, clean
# shutdown. Runs the real agent (argument 1) and build/nodepath_e2e_agent (the same main and
# core plus test-only collectors: a slow one for an honest 503, a failing one, hostile labels).
#   usage: bash tests/e2e/http.test.sh build/nodepath     (as root)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
E2E_AGENT=$(dirname "$BIN")/nodepath_e2e_agent

# shellcheck source=tests/e2e/lib/check.sh
. "$(dirname "$0")/lib/check.sh"
# shellcheck source=tests/e2e/lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
CHECK_VERBOSE=1

[ -x "$BIN" ] || die "no agent binary at $BIN"
[ -x "$E2E_AGENT" ] || die "no $E2E_AGENT (CMake builds it with the tests)"
netns_init http promtool python3 gzip

# --- helpers ------------------------------------------------------------------------------
AGENT_PID=
start_agent() { # start_agent BINARY PORT-LABEL ARGS... ; the agent must answer /-/healthy
	local bin=$1 label=$2 port
	shift 2
	netns_spawn "$TMP/agent-$label.log" "$bin" "$@"
	AGENT_PID=$SPAWNED
	port=$(listen_port "$@")
	netns_wait_healthy "$port" "$AGENT_PID" "$TMP/agent-$label.log"
}
listen_port() {
	local a
	for a in "$@"; do
		case $a in --web.listen-address=*) echo "${a##*:}"; return ;; esac
	done
	echo 9100
}
STOP_RC= STOP_MS=
stop_agent() { # stop_agent PID: SIGTERM; sets STOP_RC (exit status) and STOP_MS
	local pid=$1 t0
	t0=$(date +%s%N)
	STOP_RC=0
	kill -TERM "$pid"
	wait "$pid" || STOP_RC=$?
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
}
# fetch URL [curl args...]: status code on stdout; headers in $TMP/hdr, body in $TMP/body
fetch() {
	local url=$1
	shift
	: >"$TMP/body"
	: >"$TMP/hdr"
	{ nsx curl -s --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@" "$url" ||
		true; } | tr -d '\r'
	tr -d '\r' <"$TMP/hdr" >"$TMP/hdr.txt"
}
header() { # header NAME: value of the response header in $TMP/hdr.txt
	grep -i "^$1:" "$TMP/hdr.txt" | head -1 | cut -d: -f2- | sed 's/^ //'
}
# Raw TCP client for what curl will not send. Prints what the server answered (first line),
# "CLOSED" if it closed without answering, "TIMEOUT" if it kept silent.
raw() { # raw PORT PYTHON-BYTES-EXPR
	nsx python3 - "$1" "$2" <<'EOF' || echo "CLIENT-ERROR"
import socket, sys
port, payload = int(sys.argv[1]), eval(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(payload)
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    print("TIMEOUT")
    sys.exit(0)
print(data.split(b"\r\n")[0].decode("latin-1") if data else "CLOSED")
EOF
}

CT_METRICS='text/plain; version=0.0.4; charset=utf-8'

# promtool: exit 1 is a format error (always a failure); exit 3 is lint only. Lint is accepted
# only where it comes from node_exporter's own family names, which must not change
# (node_memory_MemTotal_bytes is camelCase, node_entropy_*_bits is not in bytes).
promtool_check() { # promtool_check FILE NAME
	local file=$1 name=$2 rc=0 other
	promtool check metrics <"$file" >"$TMP/promtool.out" 2>&1 || rc=$?
	other=$(grep -v -e "metric names should be written in 'snake_case' not 'camelCase'" \
		-e 'use base unit "bytes" instead of "bits"' "$TMP/promtool.out" || true)
	if [ "$rc" = 0 ] || { [ "$rc" = 3 ] && [ -z "$other" ]; }; then
		ok "$name promtool check metrics: no format errors ($(grep -c '^# TYPE' "$file") families, $(wc -l <"$TMP/promtool.out") inherited node_exporter name lints)"
	else
		bad "$name promtool check metrics (exit $rc): $(echo "${other:-$(cat "$TMP/promtool.out")}" | head -5)"
	fi
}

# --- the generic endpoint suite, run against both binaries ------------------------------
endpoint_suite() { # endpoint_suite PORT NAME
	local port=$1 name=$2 base="http://127.0.0.1:$1" code
	echo "== endpoint suite: $name on :$port"

	code=$(fetch "$base/metrics")
	check_cmd "$name GET /metrics is 200 (got $code)" [ "$code" = 200 ]
	check_cmd "$name Content-Type is '$CT_METRICS' (got '$(header Content-Type)')" \
		[ "$(header Content-Type)" = "$CT_METRICS" ]
	check_cmd "$name Vary: Accept-Encoding" [ "$(header Vary)" = "Accept-Encoding" ]
	check_cmd "$name plain response has no Content-Encoding" [ -z "$(header Content-Encoding)" ]
	cp "$TMP/body" "$TMP/plain-$name.txt"
	check_cmd "$name Content-Length matches the body" \
		[ "$(header Content-Length)" = "$(stat -c %s "$TMP/plain-$name.txt")" ]
	promtool_check "$TMP/plain-$name.txt" "$name"

	# HEAD: same headers, no body bytes on the wire (checked on the raw connection).
	code=$(fetch "$base/metrics" --head)
	check_cmd "$name HEAD /metrics is 200 with the metrics Content-Type" \
		[ "$code" = 200 -a "$(header Content-Type)" = "$CT_METRICS" ]
	local head_out
	head_out=$(nsx python3 - "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
hdr, _, body = data.partition(b"\r\n\r\n")
print(hdr.split(b"\r\n")[0].decode(), len(body))
EOF
)
	check_cmd "$name HEAD sends headers only (got '$head_out')" [ "$head_out" = "HTTP/1.1 200 OK 0" ]

	# gzip: decompresses to the same families (values of durations change between scrapes).
	code=$(fetch "$base/metrics" -H 'Accept-Encoding: gzip')
	check_cmd "$name gzip: 200 and Content-Encoding: gzip" \
		[ "$code" = 200 -a "$(header Content-Encoding)" = gzip ]
	if gzip -dc <"$TMP/body" >"$TMP/gunzip-$name.txt" 2>"$TMP/gzip.err"; then
		ok "$name gzip body decompresses ($(stat -c %s "$TMP/body") -> $(stat -c %s "$TMP/gunzip-$name.txt") bytes)"
	else
		bad "$name gzip body does not decompress: $(cat "$TMP/gzip.err")"
	fi
	check_cmd "$name gzip and plain have the same HELP/TYPE lines" \
		cmp -s <(grep '^#' "$TMP/plain-$name.txt") <(grep '^#' "$TMP/gunzip-$name.txt")
	code=$(fetch "$base/metrics" -H 'Accept-Encoding: gzip;q=0, identity')
	check_cmd "$name gzip;q=0 is not compressed" [ "$code" = 200 -a -z "$(header Content-Encoding)" ]
	code=$(fetch "$base/metrics" -H 'Accept-Encoding: deflate, br')
	check_cmd "$name no gzip in Accept-Encoding: not compressed" [ -z "$(header Content-Encoding)" ]

	code=$(fetch "$base/nope")
	check_cmd "$name unknown path is 404 (got $code)" [ "$code" = 404 ]
	code=$(fetch "$base/metrics/")
	check_cmd "$name /metrics/ is 404 (got $code)" [ "$code" = 404 ]
	for m in POST PUT DELETE OPTIONS; do
		code=$(fetch "$base/metrics" -X "$m" --data-binary 'x=1')
		check_cmd "$name $m is 405 with Allow: GET, HEAD (got $code, '$(header Allow)')" \
			[ "$code" = 405 -a "$(header Allow)" = "GET, HEAD" ]
	done
	code=$(fetch "$base/metrics?collect[]=nope" -g)
	check_eval "$name collect[]=nope is 400 naming it (got $code: $(head -c 120 "$TMP/body"))" \
		'[ "$code" = 400 ] && grep -q "\"nope\"" "$TMP/body"'
	code=$(fetch "$base/metrics?$(for i in $(seq 65); do printf 'collect[]=x%d&' "$i"; done)" -g)
	check_eval "$name 65 collect[] parameters is 400 (got $code: $(head -c 60 "$TMP/body"))" \
		'[ "$code" = 400 ] && grep -q "too many collect" "$TMP/body"'
	code=$(fetch "$base/")
	check_eval "$name landing page is HTML linking /metrics" \
		'[ "$code" = 200 ] && grep -q "href=\"/metrics\"" "$TMP/body" &&
		[ "$(header Content-Type)" = "text/html; charset=utf-8" ]'
	for p in /-/healthy /-/ready; do
		code=$(fetch "$base$p")
		check_eval "$name $p is 200 OK" '[ "$code" = 200 ] && [ "$(cat "$TMP/body")" = OK ]'
	done
}

hostile_suite() { # hostile_suite PORT NAME
	local port=$1 name=$2 base="http://127.0.0.1:$1" code r t0 ms
	echo "== hostile clients: $name on :$port"

	code=$(fetch "$base/metrics?x=$(head -c 100000 /dev/zero | tr '\0' a)")
	check_cmd "$name 100 KB URL gets 414 (got $code)" [ "$code" = 414 ]
	code=$(fetch "$base/metrics" -H "X-Big: $(head -c 60000 /dev/zero | tr '\0' a)")
	check_cmd "$name 60 KB header gets 431 (got $code)" [ "$code" = 431 ]
	r=$(raw "$port" 'b"\xff\xfe\x01 garbage \x02\x7f\r\n\r\n"')
	check_cmd "$name binary garbage gets 400 (got '$r')" [ "${r:0:12}" = "HTTP/1.1 400" ]
	r=$(raw "$port" 'b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"')
	check_cmd "$name unknown HTTP version gets 505 (got '$r')" [ "${r:0:12}" = "HTTP/1.1 505" ]
	r=$(raw "$port" 'b"GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n"')
	check_cmd "$name malformed header line is refused (got '$r')" [ "${r:0:12}" = "HTTP/1.1 400" ]
	code=$(fetch "$base/metrics")
	check_cmd "$name still serves after garbage (got $code)" [ "$code" = 200 ]

	# Slowloris: 40 connections each holding a half-sent request (one of them NUL bytes, which
	# MHD reads as empty lines before a request line). A scrape still gets through at once, and
	# MHD drops every silent half request after the 10 s idle timeout.
	ip netns exec "$NS" python3 - "$port" 40 >"$TMP/loris.out" 2>&1 <<'EOF' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"\x00\x00\xff garbage\r\n" if i == 0 else b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ")
    socks.append(s)
t0 = time.time()
print("open", len(socks), flush=True)
closed = 0
for s in socks:  # recv returns b"" once the server drops the connection
    try:
        s.recv(1)
        closed += 1
    except ConnectionResetError:
        closed += 1
    except socket.timeout:
        pass
print("closed %d after %.1f s" % (closed, time.time() - t0), flush=True)
EOF
	local loris=$!
	PIDS+=("$loris")
	for _ in $(seq 50); do grep -q '^open' "$TMP/loris.out" 2>/dev/null && break; sleep 0.1; done
	t0=$(date +%s%N)
	code=$(fetch "$base/metrics")
	ms=$((($(date +%s%N) - t0) / 1000000))
	check_cmd "$name scrape during a 40-connection slowloris: $code in $ms ms" \
		[ "$code" = 200 -a "$ms" -lt 2000 ]
	wait "$loris" || true
	r=$(grep '^closed' "$TMP/loris.out" || true)
	local secs=${r##* after }
	secs=${secs%% s}
	check_cmd "$name slowloris connections dropped by the idle timeout ($r)" \
		awk -v s="${secs:-99}" 'BEGIN { exit !(s >= 8 && s <= 14) }'

	# Flood: 100 idle connections from 127.0.0.1 (per-address limit 64, total 128). A client
	# from another address is still served; 127.0.0.1 is served again once the flood ends.
	ip netns exec "$NS" python3 - "$port" 100 >"$TMP/flood.out" 2>&1 <<'EOF' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        pass
print("open", len(socks), flush=True)
time.sleep(3)
EOF
	local flood=$!
	PIDS+=("$flood")
	for _ in $(seq 50); do grep -q '^open' "$TMP/flood.out" 2>/dev/null && break; sleep 0.1; done
	sleep 0.3
	code=$(fetch "$base/metrics" --interface 127.0.0.2)
	check_cmd "$name scrape from 127.0.0.2 during a 100-connection flood from 127.0.0.1: $code" \
		[ "$code" = 200 ]
	wait "$flood" || true
	# MHD frees a closed connection's slot when its thread notices the close: poll for it.
	t0=$(date +%s%N)
	for _ in $(seq 30); do
		code=$(fetch "$base/metrics")
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	check_cmd "$name serves 127.0.0.1 again $ms ms after the flood ended (got $code)" \
		[ "$code" = 200 -a "$ms" -lt 3000 ]
	check_cmd "$name agent still running" kill -0 "$AGENT_PID"
}

# --- 1. the real agent, default listen address (:9100 inside the namespace) -------------
start_agent "$BIN" real --no-collector.netpath
REAL_PID=$AGENT_PID
endpoint_suite 9100 nodepath
if nsx ip -6 addr show dev lo | grep -q '::1'; then
	code=$(nsx curl -s -o /dev/null -w '%{http_code}' --max-time 5 'http://[::1]:9100/-/healthy')
	check_cmd "default :9100 also listens on IPv6 [::1] (got $code)" [ "$code" = 200 ]
fi
hostile_suite 9100 nodepath

echo "== start-up errors"
rc=0
nsx "$BIN" --no-collector.netpath 2>"$TMP/dup.log" || rc=$?
check_eval "second agent on a busy port exits 1 with a clear error (rc $rc)" \
	'[ "$rc" = 1 ] && grep -q "cannot listen.*Address already in use" "$TMP/dup.log"'
rc=0
nsx "$BIN" --no-collector.netpath --web.listen-address=nope 2>"$TMP/bad.log" || rc=$?
check_eval "bad --web.listen-address exits 1 naming the flag (rc $rc)" \
	'[ "$rc" = 1 ] && grep -q "invalid --web.listen-address" "$TMP/bad.log"'
rc=0
nsx "$BIN" --no-collector.netpath --web.telemetry-path=metrics 2>"$TMP/bad.log" || rc=$?
check_cmd "bad --web.telemetry-path exits 1 (rc $rc)" [ "$rc" = 1 ]
rc=0
nsx "$BIN" --no-such-flag 2>"$TMP/bad.log" || rc=$?
check_eval "unknown flag exits 2 with a clear message (rc $rc)" \
	'[ "$rc" = 2 ] && grep -q "unknown flag --no-such-flag" "$TMP/bad.log"'

stop_agent "$REAL_PID"
check_cmd "SIGTERM: exit 0 in $STOP_MS ms" [ "$STOP_RC" = 0 -a "$STOP_MS" -lt 5000 ]

# --- 2. the test agent: non-empty output through the same suite, then escaping, a failing
# collector, collect[] and 503 ---------------------------------------------------------------
start_agent "$E2E_AGENT" e2e-suite --no-collector.netpath --web.listen-address=127.0.0.1:9400
endpoint_suite 9400 e2e_agent
series() { grep -v '^#' "$1" | grep -v '^node_scrape_collector_duration_seconds' | sed 's/ [^ ]*$//'; }
check_cmd "e2e_agent gzip and plain have the same series" \
	cmp -s <(series "$TMP/plain-e2e_agent.txt") <(series "$TMP/gunzip-e2e_agent.txt")
stop_agent "$AGENT_PID"

start_agent "$E2E_AGENT" e2e --no-collector.netpath --web.listen-address=127.0.0.1:9200 \
	--web.max-requests=1 --collector.e2e_slow.delay-ms=1500
E2E_PID=$AGENT_PID
echo "== test agent (slow, failing and hostile-label collectors)"
base=http://127.0.0.1:9200
code=$(fetch "$base/metrics?collect[]=e2e_labels&collect[]=e2e_fail" -g)
cp "$TMP/body" "$TMP/e2e.txt"
check_cmd "collect[] x2 is 200 (got $code)" [ "$code" = 200 ]
check_cmd "label values escaped (\\\" \\\\ \\n, invalid UTF-8 -> U+FFFD)" \
	grep -qF 'e2e_labels_info{quote="a\"b",backslash="c\\d",newline="e\nf",bad_utf8="g'$'\xef\xbf\xbd''"} 1' "$TMP/e2e.txt"
check_cmd "HELP text escaped" grep -qxF '# HELP e2e_labels_info Test only: hostile \\ label\nvalues.' "$TMP/e2e.txt"
check_cmd "values formatted as Go does (2.4964497408e+10, 1.2345e-05)" \
	grep -qxF 'e2e_labels_values_total{v="big"} 2.4964497408e+10' "$TMP/e2e.txt"
check_cmd "small value formatted as Go does" \
	grep -qxF 'e2e_labels_values_total{v="small"} 1.2345e-05' "$TMP/e2e.txt"
check_cmd "failing collector: success 0 and none of its output" \
	grep -qxF 'node_scrape_collector_success{collector="e2e_fail"} 0' "$TMP/e2e.txt"
check_cmd "failing collector's family is rolled back" bash -c "! grep -q e2e_fail_value '$TMP/e2e.txt'"
check_cmd "collect[] filter: e2e_slow did not run" bash -c "! grep -q 'collector=\"e2e_slow\"' '$TMP/e2e.txt'"
# exclude[]: every enabled collector but these; combined with collect[] or naming no collector: 400
code=$(fetch "$base/metrics?exclude[]=e2e_slow&exclude[]=e2e_fail" -g)
cp "$TMP/body" "$TMP/e2e-ex.txt"
check_cmd "exclude[] x2 is 200 (got $code)" [ "$code" = 200 ]
check_cmd "exclude[]: e2e_slow and e2e_fail did not run" bash -c \
	"! grep -qE 'collector=\"e2e_(slow|fail)\"' '$TMP/e2e-ex.txt'"
check_cmd "exclude[]: the other collectors ran" \
	grep -qxF 'node_scrape_collector_success{collector="e2e_labels"} 1' "$TMP/e2e-ex.txt"
code=$(fetch "$base/metrics?collect[]=e2e_labels&exclude[]=e2e_slow" -g)
check_eval "collect[] with exclude[] is 400 (got $code: $(head -c 80 "$TMP/body"))" \
	'[ "$code" = 400 ] && grep -q "Combined collect and exclude queries are not allowed" "$TMP/body"'
code=$(fetch "$base/metrics?exclude[]=e2e_slwo" -g)
check_eval "exclude[]=e2e_slwo is 400 naming it (got $code: $(head -c 120 "$TMP/body"))" \
	'[ "$code" = 400 ] && grep -q "\"e2e_slwo\"" "$TMP/body"'
promtool_check "$TMP/e2e.txt" "hostile labels:"

# 503: a 1.5 s scrape holds the only slot; a second scrape meanwhile is refused; probes are not
# scrapes and still answer at once.
t0=$(date +%s%N)
fetch_bg() { nsx curl -s --max-time 10 -o "$TMP/slow.body" -w '%{http_code}' "$base/metrics" >"$TMP/slow.code"; }
fetch_bg &
slow=$!
PIDS+=("$slow")
sleep 0.5
code=$(fetch "$base/metrics")
check_cmd "second concurrent scrape with --web.max-requests=1 is 503 (got $code)" [ "$code" = 503 ]
check_cmd "503 body says why ($(cat "$TMP/body"))" \
	grep -qxF 'Limit of concurrent requests reached (1), try again later.' "$TMP/body"
t1=$(date +%s%N)
code=$(fetch "$base/-/healthy")
ms=$((($(date +%s%N) - t1) / 1000000))
check_cmd "health probe during the slow scrape: $code in $ms ms" [ "$code" = 200 -a "$ms" -lt 500 ]
wait "$slow"
ms=$((($(date +%s%N) - t0) / 1000000))
check_cmd "the slow scrape itself is 200 after $ms ms" [ "$(cat "$TMP/slow.code")" = 200 -a "$ms" -ge 1500 ]
check_cmd "its duration metric is >= 1.5 s" awk '/^node_scrape_collector_duration_seconds\{collector="e2e_slow"\}/ { found = 1; exit !($2 >= 1.5) } END { if (!found) exit 1 }' "$TMP/slow.body"
code=$(fetch "$base/metrics?collect[]=e2e_labels" -g)
check_cmd "slot released: next scrape is 200 (got $code)" [ "$code" = 200 ]
stop_agent "$E2E_PID"
check_cmd "test agent SIGTERM: exit 0 in $STOP_MS ms" [ "$STOP_RC" = 0 ]

# --web.max-requests=2 with three concurrent slow scrapes: exactly one 503. 0 = no limit.
for spec in "2 1" "0 0"; do
	read -r max want503 <<<"$spec"
	start_agent "$E2E_AGENT" "e2e-max$max" --no-collector.netpath \
		--web.listen-address=127.0.0.1:9300 --web.max-requests="$max" \
		--collector.e2e_slow.delay-ms=1000
	pid=$AGENT_PID
	bg=()
	for i in 1 2 3; do
		nsx curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
			http://127.0.0.1:9300/metrics >"$TMP/c$i" &
		bg+=($!)
	done
	wait "${bg[@]}"
	codes=$(cat "$TMP/c1" "$TMP/c2" "$TMP/c3" | tr -d '\n' | fold -w3 | sort | tr '\n' ' ')
	n503=$(cat "$TMP/c1" "$TMP/c2" "$TMP/c3" | { grep -o 503 || true; } | wc -l)
	check_cmd "--web.max-requests=$max, 3 concurrent slow scrapes: $want503 x 503 (got $codes)" \
		[ "$n503" = "$want503" ]
	stop_agent "$pid"
done

check_summary
