#!/usr/bin/env bash
# The shipped ServiceMonitors as the prometheus-operator turns them into scrape configurations,
# against a real Prometheus and real agents: the agent runs on both nodes of the namespace testbed
# (pods n1a n1b n2a n2b in namespace e2e, named through CNI cache files), and Debian's Prometheus
# scrapes them from n1 with the configuration the operator generates for the rendered
# ServiceMonitor (deploy/test/operator-scrape-config.mjs: same relabelings, honor_labels and
# target labels; the Kubernetes discovery replaced by static targets carrying the labels it would
# give; scrape interval 5 s instead of 30 s, to keep the test short). Three jobs:
#   nodepath       deploy/kubernetes/ (an operator outside both stacks)
#   node-exporter  deploy/kubernetes/kube-prometheus-stack/ (kube-prometheus/ renders the same
#                  Service and ServiceMonitor, without the release label)
#   control        that overlay with honorLabels: false, as the ServiceMonitor used to be
# For nodepath and node-exporter: every target carries exactly the operator's labels; each stack's
# rules for that job (from the rendered PrometheusRule) evaluate without error; every dashboard
# query returns data; every per-pod query (families with namespace/pod labels) returns the
# testbed's pods in namespace e2e and never the agent's own pod; the namespace/pod variables list
# the testbed's pods and filter the per-pod panels; node_* series keep the agent's pod as target
# labels (the join key of the stacks' node rules). For control, the same per-pod check must fail
# (the operator's namespace/pod labels win, the pods move to exported_pod).
# Usage: bash tests/e2e/operator.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=$(readlink -f "${1:-build/nodepath}")
[ "$(id -u)" -eq 0 ] || die "must run as root"
for tool in prometheus curl python3 ip node npm kubectl; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --test)"
done
[ -x "$agent" ] || die "agent binary $agent not found"
python3 -c 'import yaml' 2>/dev/null || die "python3-yaml not found (scripts/setup.sh --test)"

T=deploy/test
if ! cmp -s "$T/package-lock.json" "$T/node_modules/.package-lock.json.installed" 2>/dev/null; then
	(cd "$T" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in $T"
	cp "$T/package-lock.json" "$T/node_modules/.package-lock.json.installed"
fi

source tests/e2e/testbed.sh
source tests/e2e/nodestate.sh
tb_trap
tb_up || die "testbed"

for n in $TB_NODES; do
	tb_write_node_state "$n" || die "node state of $n"
	ip netns exec "$(tb_ns "$n")" "$agent" --web.listen-address=:9100 \
		--bpf.pin-path="$(tb_bpf_dir "$n")" --collector.netpath.node-device=eth0 \
		--path.cni-cache="$TB_RUN/$n/cni" --path.flannel-subnet="$TB_RUN/$n/flannel/subnet.env" \
		</dev/null >>"$TB_RUN/log/agent-$n.log" 2>&1 &
	echo $! >"$TB_RUN/pids/agent-$n"
done

# The rendered kustomizations, their scrape configurations and rules.
P=$TB_RUN/prometheus
mkdir -p "$P/data"
K=deploy/kubernetes
kubectl kustomize "$K" >"$P/nodepath.yaml" 2>"$P/kustomize.err" || { cat "$P/kustomize.err"; die "kubectl kustomize $K"; }
kubectl kustomize "$K/kube-prometheus-stack" >"$P/node-exporter.yaml" 2>"$P/kustomize.err" ||
	{ cat "$P/kustomize.err"; die "kubectl kustomize $K/kube-prometheus-stack"; }
sed 's/honorLabels: true/honorLabels: false/; s/jobLabel: node-exporter/jobLabel: control/' "$P/node-exporter.yaml" >"$P/control.yaml"
{ grep -q 'honorLabels: false' "$P/control.yaml" && grep -q 'jobLabel: control' "$P/control.yaml"; } || die "could not make the control ServiceMonitor"
targets=()
for n in $TB_NODES; do targets+=("$n=$(tb_node_ip "$n"):9100"); done
{
	printf 'global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n'
	printf 'rule_files:\n  - nodepath.rules.yml\n  - node-exporter.rules.yml\n'
	echo "scrape_configs:"
	for j in nodepath node-exporter control; do
		node "$T/operator-scrape-config.mjs" "$P/$j.yaml" --interval 5s "${targets[@]}" |
			sed "s|^\(- job_name: .*\)$|\1-$j|; s/^/  /" || die "scrape configuration for $j"
	done
} >"$P/prometheus.yml"
for j in nodepath node-exporter; do
	awk '/^kind: PrometheusRule$/ { r = 1 } r && /^---/ { r = 0 } r && s { print substr($0, 3) } r && /^spec:$/ { s = 1 }' \
		"$P/$j.yaml" >"$P/$j.rules.yml"
	grep -q "job=\"$j\"" "$P/$j.rules.yml" || die "no rules for job $j in the rendered PrometheusRule"
done
check_cmd "generated Prometheus configuration" promtool check config "$P/prometheus.yml"

ip netns exec "$(tb_ns n1)" prometheus --config.file="$P/prometheus.yml" \
	--storage.tsdb.path="$P/data" --web.listen-address=127.0.0.1:9090 --log.level=warn \
	</dev/null >>"$TB_RUN/log/prometheus.log" 2>&1 &
echo $! >"$TB_RUN/pids/prometheus"

prom() { tb_exec n1 curl -sf --max-time 5 "http://127.0.0.1:9090/api/v1/$1" "${@:2}"; }
up=0
for _ in $(seq 300); do
	up=$(prom query --data-urlencode 'query=count(up == 1)' 2>/dev/null |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0)
	[ "$up" = 6 ] && break
	sleep 0.2
done
[ "$up" = 6 ] || { tail -5 "$TB_RUN/log/prometheus.log" >&2; die "Prometheus sees $up of 6 targets up (2 nodes x 3 jobs)"; }

# ~25 s of traffic: every pod sends and receives, and pod n1b drops datagrams to a closed port.
end=$((SECONDS + 25))
while [ "$SECONDS" -lt "$end" ]; do
	tb_send_udp n1a n2a 20 400
	tb_send_udp n2a n1b 20 300
	tb_send_udp n1b n2b 20 500
	tb_send_udp n2b n1a 20 200
	tb_send_udp n2a n1b 5 100 5299 # nothing listens there: NO_SOCKET inside n1b
	sleep 0.5
done

# Recording rules of both jobs have data (two scrapes inside their 5 m window, then an evaluation).
tb_exec n1 python3 - "$P/nodepath.rules.yml" <<'PY' || die "recording rules have no data after 60 s"
import json, re, sys, time, urllib.parse, urllib.request

names = sorted(set(re.findall(r"^\s*- record: (\S+)", open(sys.argv[1]).read(), re.M)))
deadline = time.time() + 60
while True:
    missing = []
    for n in names:
        for job in ("nodepath", "node-exporter"):
            q = urllib.parse.urlencode({"query": f'{n}{{job="{job}"}}'})
            with urllib.request.urlopen("http://127.0.0.1:9090/api/v1/query?" + q, timeout=10) as r:
                if not json.load(r)["data"]["result"]:
                    missing.append(f"{n}{{job={job}}}")
    if not missing:
        break
    if time.time() > deadline:
        sys.exit("no data for " + ", ".join(missing))
    time.sleep(2)
PY

check_cmd "operator target labels, rules, dashboard queries" tb_exec n1 python3 - "$P/prometheus.yml" deploy/grafana/nodepath-path.json <<'PY'
import json, re, sys, time, urllib.parse, urllib.request
import yaml

cfg = yaml.safe_load(open(sys.argv[1]))
dash = json.load(open(sys.argv[2]))
TESTBED = {"n1a", "n1b", "n2a", "n2b"}
POD_FAMILIES = re.compile(r"\bnodepath_(?:pod|path)_[a-z_]+\{")
problems = []

def api(path, **q):
    url = "http://127.0.0.1:9090/api/v1/" + path + ("?" + urllib.parse.urlencode(q) if q else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            res = json.load(r)
    except Exception as ex:  # HTTP 400 = PromQL error
        return None, str(ex)
    return (res["data"], "") if res.get("status") == "success" else (None, res.get("error", "error"))

# 1. Target labels: exactly what the operator's relabelings give, per node.
agent_pods = set()
for sc in cfg["scrape_configs"]:
    job = "node-exporter" if sc["job_name"].endswith("-node-exporter") else sc["job_name"].rsplit("-", 1)[1]
    for st in sc["static_configs"]:
        m = st["labels"]
        node, pod = m["__meta_kubernetes_pod_node_name"], m["__meta_kubernetes_pod_name"]
        agent_pods.add(pod)
        want = {"__name__": "up", "job": job, "namespace": "nodepath", "service": "nodepath", "pod": pod,
                "container": "nodepath", "endpoint": "metrics", "instance": node, "node": node}
        data, err = api("query", query=f'up{{job="{job}",instance="{node}"}}')
        got = [r["metric"] for r in (data or {}).get("result", [])]
        if got != [want]:
            problems.append(f"target {job}/{node}: labels {got}, expected [{want}]")
print(f"operator: {len(agent_pods)} agent pods, target labels checked for jobs nodepath, node-exporter, control")

def subst(e, job, ns=".*", pod=".*"):
    s = {"$__rate_interval": "30s", "$__range": "5m", "$__interval": "5s", "$job": job,
         "$instance": ".*", "$namespace": ns, "$pod": pod}
    for k in sorted(s, key=len, reverse=True):
        e = e.replace(k, s[k])
    return e

def run(e, instant):
    now = time.time()
    if instant:
        return api("query", query=e, time=now)
    return api("query_range", query=e, start=now - 60, end=now, step=5)

def per_pod_check(job, ns=".*", pod=".*", want_pods=TESTBED):
    """Problems of the per-pod queries for job (empty list: all fine)."""
    out, n = [], 0
    for p in dash["panels"]:
        for t in p.get("targets", []):
            if not POD_FAMILIES.search(t["expr"]):
                continue
            n += 1
            data, err = run(subst(t["expr"], job, ns, pod), t.get("instant"))
            res = (data or {}).get("result", [])
            if err or not res:
                out.append(f"{job} {p['title']} [{t['refId']}]: {err or 'no data'}")
                continue
            pods = {r["metric"]["pod"] for r in res if "pod" in r["metric"]}
            nss = {r["metric"]["namespace"] for r in res if "namespace" in r["metric"]}
            if "namespace, pod" in t["expr"]:  # a panel that lists pods
                if not pods or not pods <= want_pods or nss != {"e2e"}:
                    out.append(f"{job} {p['title']} [{t['refId']}]: pods {sorted(pods)} in {sorted(nss)}, "
                               f"expected some of {sorted(want_pods)} in ['e2e']")
            if pods & agent_pods or "nodepath" in nss:
                out.append(f"{job} {p['title']} [{t['refId']}]: the agent's own pod {sorted(pods & agent_pods)}")
    return out, n

for job in ("nodepath", "node-exporter"):
    # 2. Every dashboard query evaluates, and returns data unless it reads drops in the node's
    # namespace (none here; dashboard-queries.test makes them).
    n_q = bad_q = 0
    for p in dash["panels"]:
        for t in p.get("targets", []):
            n_q += 1
            data, err = run(subst(t["expr"], job), t.get("instant"))
            if err or not (data or {}).get("result"):
                bad_q += 1
                if err or "nodepath_drops_total" not in t["expr"]:
                    problems.append(f"{job} {p['title']} [{t['refId']}]: {err or 'no data'}")
    # 3. Per-pod queries name the testbed's pods, all of them where a panel lists pods by traffic.
    out, n_pp = per_pod_check(job)
    problems += out
    data, _ = run(subst('topk(10, sum by (namespace, pod) (rate(nodepath_pod_transmit_bytes_total{job=~"$job"}[$__rate_interval])))', job), True)
    top = {r["metric"].get("pod") for r in (data or {}).get("result", [])}
    if top != TESTBED:
        problems.append(f"{job}: pods by transmit {sorted(map(str, top))}, expected {sorted(TESTBED)}")
    # 4. The variables list the testbed's namespace and pods, and filter the per-pod panels.
    v = {x["name"]: x for x in dash["templating"]["list"]}
    for var, want in (("namespace", {"e2e"}), ("pod", TESTBED)):
        m = re.fullmatch(r"label_values\((.*), (\w+)\)", subst(v[var]["definition"], job))
        data, err = api("series", **{"match[]": m.group(1)})
        got = {s.get(m.group(2)) for s in (data or [])}
        if got != want:
            problems.append(f"{job}: variable {var} lists {sorted(map(str, got))}, expected {sorted(want)}")
    out, _ = per_pod_check(job, "e2e", "n1b", {"n1b"})
    problems += out
    # 5. node_* series keep the agent's pod as target labels (the stacks join them to kube_pod_info).
    data, _ = api("query", query=f'node_uname_info{{job="{job}"}}')
    got = {(r["metric"].get("namespace"), r["metric"].get("pod")) for r in (data or {}).get("result", [])}
    if got != {("nodepath", p) for p in agent_pods}:
        problems.append(f"{job}: node_uname_info namespace/pod {sorted(got)}, expected the agents' pods")
    print(f"operator: job {job}: {n_q} dashboard queries, {n_q - bad_q} with data, {n_pp} per-pod queries checked")

# 6. Rules of both jobs evaluate.
data, _ = api("rules")
rules = [r for g in data["groups"] for r in g["rules"]]
for r in rules:
    if r.get("health") != "ok":
        problems.append(f"rule {r['name']}: health {r.get('health')} {r.get('lastError', '')}")
print(f"operator: {len(rules)} rules evaluated (job nodepath and job node-exporter)")

# 7. The control (honorLabels: false) fails the per-pod check, with the pods in exported_pod.
out, _ = per_pod_check("control")
if not any("agent's own pod" in o for o in out):
    problems.append("control job: the per-pod check did not see the agent's own pod (a check that cannot fail)")
data, _ = api("query", query='count by (exported_pod) (nodepath_pod_info{job="control"})')
exported = {r["metric"].get("exported_pod") for r in (data or {}).get("result", [])}
if exported != TESTBED:
    problems.append(f"control job: exported_pod {sorted(map(str, exported))}, expected {sorted(TESTBED)}")
print(f"operator: control job (honorLabels false): {len(out)} per-pod queries name the agent's pod; pods in exported_pod")

for p in problems:
    print("  " + p)
print(f"operator: {len(problems)} problems")
sys.exit(1 if problems else 0)
PY
check_summary
