#!/usr/bin/env bash
# Every query of deploy/grafana/nodepath-path.json against real data: the agent runs on both nodes
# of the namespace testbed (pods named through CNI cache files), Debian's Prometheus scrapes them
# from node n1's namespace with the shipped static configuration (deploy/prometheus/
# prometheus-static.yml, only the targets replaced by the testbed's node addresses) and its rule
# file, pod traffic flows for ~35 s, then each panel query is evaluated through the Prometheus
# HTTP API with Grafana's variables substituted. Fails on any query that errors or returns no data,
# on any alert rule that fails to evaluate, and on any metric family the rules use that no agent
# exports.
# The traffic includes the kernel drops the "Where packets die" row shows, each checked against
# the kernel's own counter: an nft forward-chain rule on n1 drops UDP from pod n1a to pod n2b
# (NETFILTER_DROP at cni0), UDP to a closed port in pod n1b (NO_SOCKET inside the pod), and DF
# datagrams of 1460 bytes from pod n1m, whose eth0 and host veth have MTU 1500, to pod n2a across
# flannel.1 at 1450 (PKT_TOO_BIG at cni0).
# Usage: bash tests/e2e/dashboard-queries.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=$(readlink -f "${1:-build/nodepath}")
[ "$(id -u)" -eq 0 ] || die "must run as root"
for tool in prometheus curl python3 ip nft; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --test)"
done
[ -x "$agent" ] || die "agent binary $agent not found"

source tests/e2e/testbed.sh
source tests/e2e/nodestate.sh
tb_trap
tb_up || die "testbed"

# The classic flannel mistake: a pod whose veth pair kept MTU 1500 behind a 1450 overlay.
tb_add_pod n1 n1m || die "pod n1m"
ip -n "$(tb_ns n1m)" link set eth0 mtu 1500 || die "MTU of n1m"
ip -n "$(tb_ns n1)" link set "$(tb_pod_veth n1m)" mtu 1500 || die "MTU of n1m's host veth"
DROP_PORT=5203   # n1a -> n2b, dropped in n1's forward chain
CLOSED_PORT=5299 # nothing listens there in n1b
tb_exec n1 nft -f - <<NFT || die "nft rule on n1"
table inet np_e2e_drop {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip saddr $(tb_pod_ip n1a) ip daddr $(tb_pod_ip n2b) udp dport $DROP_PORT counter drop
	}
}
NFT

# Agents listen on every address of their node namespace, so Prometheus in n1 reaches both over
# the underlay, as a cluster's Prometheus reaches nodes.
for n in $TB_NODES; do
	tb_write_node_state "$n" || die "node state of $n"
	ip netns exec "$(tb_ns "$n")" "$agent" --web.listen-address=:9100 \
		--bpf.pin-path="$(tb_bpf_dir "$n")" --collector.netpath.node-device=eth0 \
		--path.cni-cache="$TB_RUN/$n/cni" --path.flannel-subnet="$TB_RUN/$n/flannel/subnet.env" \
		</dev/null >>"$TB_RUN/log/agent-$n.log" 2>&1 &
	echo $! >"$TB_RUN/pids/agent-$n"
done

P=$TB_RUN/prometheus
mkdir -p "$P/data"
cp deploy/prometheus/nodepath.rules.yml "$P/"
targets=$(for n in $TB_NODES; do printf '          - %s:9100\\n' "$(tb_node_ip "$n")"; done)
awk -v t="$targets" '
	/^          - node-[0-9]+:9100$/ { if (!done) { printf "%s", t; done = 1 } next }
	{ print }' deploy/prometheus/prometheus-static.yml | sed 's/\\n/\n/g' >"$P/prometheus.yml"
grep -q "$(tb_node_ip n2):9100" "$P/prometheus.yml" || die "could not set targets"
ip netns exec "$(tb_ns n1)" prometheus --config.file="$P/prometheus.yml" \
	--storage.tsdb.path="$P/data" --web.listen-address=127.0.0.1:9090 --log.level=warn \
	</dev/null >>"$TB_RUN/log/prometheus.log" 2>&1 &
echo $! >"$TB_RUN/pids/prometheus"

prom() { tb_exec n1 curl -sf --max-time 5 "http://127.0.0.1:9090/api/v1/$1" "${@:2}"; }
up=0
for _ in $(seq 200); do
	up=$(prom query --data-urlencode 'query=count(up{job="nodepath"} == 1)' 2>/dev/null |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0)
	[ "$up" = 2 ] && break
	sleep 0.2
done
[ "$up" = 2 ] || { tail -5 "$TB_RUN/log/prometheus.log" >&2; die "Prometheus does not see both agents up"; }

# n1m sends DF datagrams that ignore the path MTU it learns (IP_PMTUDISC_PROBE), so every one of
# them reaches n1's forward path and is dropped there.
send_df() { # SRC DST COUNT PAYLOAD
	tb_exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 3)  # IP_MTU_DISCOVER, IP_PMTUDISC_PROBE
for _ in range(int(sys.argv[2])):
    if s.sendto(b"m" * int(sys.argv[3]), (sys.argv[1], 5201)) != int(sys.argv[3]):
        sys.exit("short send")
' "$(tb_pod_ip "$2")" "$3" "$4"
}
snmp() { # NODE|POD Ip|Udp FIELD: a /proc/net/snmp counter of that namespace
	tb_exec "$1" awk -v t="$2:" -v f="$3" '$1 == t && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == t && h { print $c[f]; exit }' /proc/net/snmp
}
fragfails0=$(snmp n1 Ip FragFails)
noports0=$(snmp n1b Udp NoPorts)

# ~35 s of pod traffic on every path the testbed has (same node, cross node both ways, to a node),
# and the drops.
n_nft=0 n_closed=0 n_mtu=0
end=$((SECONDS + 35))
while [ "$SECONDS" -lt "$end" ]; do
	tb_send_udp n1a n1b 20 200
	tb_send_udp n1a n2a 30 600
	tb_send_udp n2b n1b 25 900
	tb_send_udp n2a "$(tb_node_ip n1)" 5 100 9 # to the node itself: path "host"
	tb_send_udp n1a n2b 10 300 "$DROP_PORT" && n_nft=$((n_nft + 10))
	tb_send_udp n2a n1b 10 100 "$CLOSED_PORT" && n_closed=$((n_closed + 10))
	send_df n1m n2a 5 1460 && n_mtu=$((n_mtu + 5))
	sleep 0.5
done
# The drops happened, as the kernel counts them (whatever the agent reports).
got=$(tb_exec n1 nft list table inet np_e2e_drop | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p')
[ "$got" = "$n_nft" ] || die "nft dropped $got datagrams, expected $n_nft"
got=$(($(snmp n1 Ip FragFails) - fragfails0))
[ "$got" = "$n_mtu" ] || die "n1 refused $got datagrams as too big (Ip FragFails), expected $n_mtu"
got=$(($(snmp n1b Udp NoPorts) - noports0))
[ "$got" = "$n_closed" ] || die "n1b had no socket for $got datagrams (Udp NoPorts), expected $n_closed"
echo "dashboard-queries: kernel counted $n_nft nft drops on n1, $n_mtu too big on n1, $n_closed to a closed port in n1b"

# Recording rules need two scrapes of a series inside their window and then an evaluation: a
# series born with the traffic (per-path counters) may take a few evaluation rounds on a loaded
# machine. Wait for every recorded series the shipped rules define (bounded), then query.
tb_exec n1 python3 - deploy/prometheus/nodepath.rules.yml <<'PY' || die "recording rules have no data after 120 s"
import json, re, sys, time, urllib.parse, urllib.request

names = sorted(set(re.findall(r"^\s*- record: (\S+)", open(sys.argv[1]).read(), re.M)))
deadline = time.time() + 120
while True:
    missing = []
    for n in names:
        q = urllib.parse.urlencode({"query": n})
        with urllib.request.urlopen("http://127.0.0.1:9090/api/v1/query?" + q, timeout=10) as r:
            if not json.load(r)["data"]["result"]:
                missing.append(n)
    if not missing:
        break
    if time.time() > deadline:
        sys.exit("no data for " + ", ".join(missing))
    time.sleep(2)
PY

check_cmd "dashboard queries" tb_exec n1 python3 - deploy/grafana/nodepath-path.json <<'PY'
import json, sys, time, urllib.parse, urllib.request

d = json.load(open(sys.argv[1]))
scrape = 15  # the shipped static config's scrape_interval
subst = {"$__rate_interval": f"{4 * scrape}s", "$__range": "1h", "$__interval": f"{scrape}s",
         "$job": "nodepath", "$instance": ".*", "$namespace": ".*", "$pod": ".*"}
now = time.time()
bad, rows = 0, []
# The drop row is evaluated like every other (guards against a renamed or skipped panel).
drop_row = {"Drops by layer and reason", "Top pods by drops (range)", "MTU drops",
            "Cross-node packets per hop", "Per-hop deficit"}
missing = drop_row - {p["title"] for p in d["panels"] if p.get("targets")}
if missing:
    sys.exit(f"dashboard-queries: panels missing from the dashboard: {sorted(missing)}")
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"]
        for k in sorted(subst, key=len, reverse=True):
            e = e.replace(k, subst[k])
        if t.get("instant"):
            url = "query?" + urllib.parse.urlencode({"query": e, "time": now})
        else:
            url = "query_range?" + urllib.parse.urlencode(
                {"query": e, "start": now - 120, "end": now, "step": scrape})
        try:
            with urllib.request.urlopen("http://127.0.0.1:9090/api/v1/" + url, timeout=10) as r:
                res = json.load(r)
            n = len(res["data"]["result"]) if res.get("status") == "success" else -1
            err = "" if n > 0 else ("no data" if n == 0 else res.get("error", "error"))
        except Exception as ex:  # HTTP 400 = PromQL error
            n, err = -1, str(ex)
        rows.append((p["title"], t["refId"], n, err))
        bad += bool(err)
for title, ref, n, err in rows:
    print(f"  {title} [{ref}]: {n} series {('FAIL: ' + err) if err else ''}")
print(f"dashboard-queries: {len(rows)} queries, {len(rows) - bad} with data, {bad} failing")
sys.exit(1 if bad else 0)
PY
# The alert rules ran against the same data: every rule evaluated without error, and every
# metric family they name exists in the agents' output (catches a renamed family).
check_cmd "alert rules against real data" tb_exec n1 python3 - deploy/prometheus/nodepath.rules.yml <<'PY'
import json, re, sys, urllib.parse, urllib.request

def api(path):
    with urllib.request.urlopen("http://127.0.0.1:9090/api/v1/" + path, timeout=10) as r:
        return json.load(r)["data"]

bad = 0
rules = [r for g in api("rules")["groups"] for r in g["rules"]]
for r in rules:
    if r.get("health") != "ok":
        print(f"  rule {r['name']}: health {r.get('health')} {r.get('lastError', '')}")
        bad += 1
# Families only: a recording rule's name (level:metric:operations) is not a family.
names = sorted(set(re.findall(r"(?<![\w:])(node(?:path)?_[A-Za-z0-9_]+)\b(?!:)", "\n".join(l for l in open(sys.argv[1]) if not l.lstrip().startswith("#")))))
for n in names:
    res = api("query?" + urllib.parse.urlencode({"query": f'count({{__name__="{n}",job="nodepath"}})'}))
    if not res["result"]:
        print(f"  alert rules use {n}, which no agent exports")
        bad += 1
print(f"dashboard-queries: {len(rules)} rules evaluated, {len(names)} metric families they use exported, {bad} problems")
sys.exit(1 if bad else 0)
PY
check_summary
