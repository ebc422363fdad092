#!/usr/bin/env bash
# The endpoint stays up under slow and idle clients. Inside a network namespace this test
# creates: 1,000 connections from eight addresses of the namespace's loopback, half dripping one
# header byte every 5 s (past any idle timeout), half silent, each reopened a second after the
# agent drops it. Meanwhile every scrape and health probe from a ninth address must be answered.
# Then: the header deadline cuts a dripping request, an attacking address is served again at
# once when its burst ends, and RSS returns near its baseline.
#   usage: bash tests/e2e/slow_clients.test.sh build/nodepath     (as root)
#   SLOW_SECONDS=40 (attack length)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
# shellcheck source=tests/e2e/lib/check.sh
. "$(dirname "$0")/lib/check.sh"
# shellcheck source=tests/e2e/lib/netns.sh
. "$(dirname "$0")/lib/netns.sh"
SECS=${SLOW_SECONDS:-40}
PORT=9100
[ -x "$BIN" ] || die "no agent binary at $BIN"
netns_init slow python3 awk
ulimit -n 8192

netns_spawn "$TMP/agent.log" "$BIN" --no-collector.netpath --web.listen-address=:$PORT
AGENT=$SPAWNED
netns_wait_healthy "$PORT" "$AGENT" "$TMP/agent.log"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT/status"; }
# A few scrapes first so the baseline includes what a normal scrape allocates.
for _ in 1 2 3; do nsx curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/metrics"; done
sleep 1
RSS0=$(rss_kb)

# --- the attack ---------------------------------------------------------------------------
nsx python3 - "$PORT" 1000 "$SECS" >"$TMP/attack.out" 2>&1 <<'EOF' &
import selectors, socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
addrs = ["127.0.1.%d" % i for i in range(1, 9)]
state = {}          # sock -> (slot, next byte time)
reopen = []         # (time, slot)
opened = closed = peak = 0

def open_slot(slot):
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((addrs[slot % len(addrs)], 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    sel.register(s, selectors.EVENT_READ)
    # Even slots drip a request one header byte at a time; odd slots stay silent.
    state[s] = [slot, time.time() if slot % 2 == 0 else None, 0]
    opened += 1

for i in range(n):
    open_slot(i)
print("open", flush=True)
t_end = time.time() + secs
while time.time() < t_end:
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            slot = state.pop(s)[0]
            sel.unregister(s)
            s.close()
            closed += 1
            reopen.append((time.time() + 1.0, slot))
    now = time.time()
    for s, st in list(state.items()):
        if st[1] is not None and now >= st[1]:
            payload = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: " if st[2] == 0 else b"a"
            try:
                s.send(payload)
                st[2] += 1
            except OSError:
                pass
            st[1] = now + 5.0
    due = [r for r in reopen if r[0] <= now]
    reopen = [r for r in reopen if r[0] > now]
    for _, slot in due:
        open_slot(slot)
    peak = max(peak, len(state))
print("opened %d closed-by-server %d peak-held %d" % (opened, closed, peak), flush=True)
EOF
ATTACK=$!
PIDS+=("$ATTACK")
wait_until 10 grep -q '^open' "$TMP/attack.out" || die "the attacker did not open its connections"
sleep 2 # let the drip and idle timers of the held connections run before measuring

answered=0 asked=0 probes=0 probes_ok=0 worst=0 rss_peak=0
t_end=$(($(date +%s) + SECS - 4))
while [ "$(date +%s)" -lt "$t_end" ]; do
	t0=$(date +%s%N)
	code=$(nsx curl -s -o /dev/null --interface 127.0.2.1 --max-time 5 -w '%{http_code}' \
		"http://127.0.0.1:$PORT/metrics" || true)
	ms=$((($(date +%s%N) - t0) / 1000000))
	asked=$((asked + 1))
	[ "$code" = 200 ] && answered=$((answered + 1))
	[ "$ms" -gt "$worst" ] && worst=$ms
	code=$(nsx curl -s -o /dev/null --interface 127.0.2.1 --max-time 5 -w '%{http_code}' \
		"http://127.0.0.1:$PORT/-/healthy" || true)
	probes=$((probes + 1))
	[ "$code" = 200 ] && probes_ok=$((probes_ok + 1))
	r=$(rss_kb)
	[ "$r" -gt "$rss_peak" ] && rss_peak=$r
	sleep 1
done
held=$(ls "/proc/$AGENT/fd" | wc -l)
wait "$ATTACK" || true
cat "$TMP/attack.out"
echo "  scrapes from 127.0.2.1 answered: $answered/$asked (slowest $worst ms)," \
	"health probes $probes_ok/$probes, agent fds at the end of the attack: $held"
check_cmd "every scrape from a ninth address answered during the attack ($answered/$asked)" \
	[ "$asked" -ge 5 -a "$answered" = "$asked" ]
check "every health probe answered during the attack (answered)" "$probes_ok" "$probes"
check_cmd "the agent dropped attacking connections (header deadline, idle timeout, limits)" \
	grep -q 'closed-by-server [1-9]' "$TMP/attack.out"

# The attacker exited: its address is served again at once (dead connections reaped first).
t0=$(date +%s%N)
code=$(nsx curl -s -o /dev/null --interface 127.0.1.1 --max-time 5 -w '%{http_code}' \
	"http://127.0.0.1:$PORT/metrics" || true)
ms=$((($(date +%s%N) - t0) / 1000000))
check_cmd "an attacking address is served right after its burst ($code in $ms ms)" \
	[ "$code" = 200 -a "$ms" -lt 2000 ]

# --- the header deadline on its own: one byte every 3 s never trips the idle timeout --------
nsx python3 - "$PORT" >"$TMP/drip.out" 2>&1 <<'EOF' || true
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ")
t0 = time.time()
while time.time() - t0 < 30:
    try:
        s.send(b"a")
        if s.recv(1) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
print("%.1f" % (time.time() - t0))
EOF
secs=$(tail -1 "$TMP/drip.out")
check_cmd "a request dripping a byte every 3 s is cut by the 10 s header deadline ($secs s)" \
	awk -v s="$secs" 'BEGIN { exit !(s >= 9 && s <= 13) }'

# RSS returns within 6 s of the attack's end (it ended before the 10 s drip above).
rss_back() { [ "$(rss_kb)" -le $((RSS0 + 3072)) ]; }
wait_until 6 rss_back || true
RSS1=$(rss_kb)
echo "  RSS: baseline $RSS0 kB, peak $rss_peak kB, after the attack $RSS1 kB"
check_cmd "RSS back near its baseline after the burst ($RSS1 kB vs $RSS0 kB)" \
	[ "$RSS1" -le $((RSS0 + 3072)) ]

kill -TERM "$AGENT"
rc=0
wait "$AGENT" || rc=$?
check "agent exit status on SIGTERM after the attack" "$rc" 0

check_summary
