#!/usr/bin/env bash
# Grafana dashboard deploy/grafana/nodepath-path.json, checked offline: valid JSON, a Grafana 10+
# model (schemaVersion, unique ids, grid inside 24 columns, datasource/job/instance/namespace/pod
# variables), every panel query bound to the datasource variable and filtered by $job and
# $instance, every query on per-pod families also by $namespace and $pod, and every query parsed
# as PromQL by promtool (written out as recording rules with the Grafana variables substituted);
# every recorded series a panel reads is recorded by the shipped rules; the JSON equals what
# deploy/grafana/gen-dashboard.py writes. The same checks on the dashboard generated for the
# operator stacks' job (gen-dashboard.py --job node-exporter), whose job variable defaults to it.
# Usage: bash tests/e2e/dashboard.test.sh [path/to/nodepath] (unused)
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
command -v python3 >/dev/null || die "python3 not found"
command -v promtool >/dev/null || die "promtool not found (Debian package prometheus)"
tmp=$(mktemp -d /tmp/nodepath-dashboard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

python3 deploy/grafana/gen-dashboard.py --job node-exporter --out "$tmp/node-exporter.json" >/dev/null ||
	die "gen-dashboard.py --job node-exporter"
for job in nodepath node-exporter; do
dash=deploy/grafana/nodepath-path.json
[ "$job" = nodepath ] || dash=$tmp/node-exporter.json
python3 - "$dash" "$tmp/queries-$job.rules.yml" "$job" <<'PY' && ok || bad "dashboard model ($dash)"
import json, re, sys

path, rules_out, job = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path) as f:
    d = json.load(f)  # raises on invalid JSON
errs = []
def check(cond, msg):
    if not cond:
        errs.append(msg)

check(d.get("schemaVersion", 0) >= 36, "schemaVersion < 36 (Grafana 10 writes 38/39)")
check(d.get("uid") == "nodepath-path", "uid")
vars_ = {v["name"]: v for v in d["templating"]["list"]}
check(vars_.get("datasource", {}).get("type") == "datasource" and vars_["datasource"].get("query") == "prometheus",
      "datasource variable")
for v in ("job", "instance", "namespace", "pod"):
    check(vars_.get(v, {}).get("type") == "query", f"variable {v}")
    check(vars_.get(v, {}).get("datasource", {}).get("uid") == "${datasource}", f"variable {v} datasource")
check(vars_.get("job", {}).get("current", {}).get("value") == job, f"job variable does not default to {job}")
check('namespace=~"$namespace"' in vars_.get("pod", {}).get("definition", ""), "pod variable ignores $namespace")
for v in ("namespace", "pod"):
    check('job=~"$job"' in vars_.get(v, {}).get("definition", "") and vars_[v].get("includeAll"),
          f"variable {v}: not filtered by $job or no All")

ids, queries = set(), []
for p in d["panels"]:
    check(p["id"] not in ids, f"duplicate panel id {p['id']}")
    ids.add(p["id"])
    g = p["gridPos"]
    check(0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0, f"panel {p['title']}: gridPos {g}")
    if p["type"] == "row":
        continue
    check(p.get("datasource", {}).get("uid") == "${datasource}", f"panel {p['title']}: datasource")
    check(bool(p.get("targets")), f"panel {p['title']}: no queries")
    for t in p.get("targets", []):
        e = t.get("expr", "")
        check(t.get("datasource", {}).get("uid") == "${datasource}", f"panel {p['title']}: target datasource")
        check('job=~"$job"' in e and 'instance=~"$instance"' in e, f"panel {p['title']}: query not filtered by $job/$instance: {e}")
        # Every selector of a per-pod family, not just one of them.
        for sel in re.findall(r"\bnodepath_(?:pod|path)_[a-z_]+\{([^}]*)\}", e):
            check('namespace=~"$namespace"' in sel and 'pod=~"$pod"' in sel,
                  f"panel {p['title']}: per-pod selector not filtered by $namespace/$pod: {sel}")
        queries.append((p["title"], e))

wanted = ["nodepath_interface_receive_bytes_total", "nodepath_interface_transmit_bytes_total",
          'layer="node"', 'layer="bridge"', 'layer="overlay"', "nodepath_pod_transmit_bytes_total",
          "nodepath_path_bytes_total", "nodepath_bpf_attached_interfaces", "nodepath_bpf_attach_errors_total",
          "nodepath_bpf_map_entries", "nodepath_bpf_map_capacity", "node_scrape_collector_success",
          "nodepath_drops_total", "nodepath_pod_drops_total", "PKT_TOO_BIG",
          "instance:nodepath_pod_cross_node_transmit_packets:rate5m", "instance:nodepath_bridge_receive_packets:rate5m",
          "instance:nodepath_overlay_transmit_packets:rate5m", "instance:nodepath_vxlan_transmit_packets:rate5m",
          "instance:nodepath_hop_deficit_packets:rate5m"]
allq = "\n".join(e for _, e in queries)
for w in wanted:
    check(w in allq, f"no panel uses {w}")

# Substitute Grafana's variables the way Grafana would, then let promtool parse each query.
subst = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "30s", "$job": job, "$instance": ".*",
         "$namespace": ".*", "$pod": ".*"}
with open(rules_out, "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (title, e) in enumerate(queries):
        for k in sorted(subst, key=len, reverse=True):
            e = e.replace(k, subst[k])
        check("$" not in e, f"panel {title}: unknown variable left in {e}")
        f.write(f"      - record: dashboard:query_{i}\n        expr: {json.dumps(e)}\n")
if errs:
    print("\n".join(errs))
    sys.exit(1)
print(f"dashboard.test: {path}: {len(d['panels'])} panels, {len(queries)} queries, job {job}")

# The row "Where packets die" exists, and every recorded series a panel reads is recorded by the
# shipped rules (a renamed recording rule would leave its panel empty).
check(any(p["type"] == "row" and p["title"] == "Where packets die" for p in d["panels"]), 'no row "Where packets die"')
with open("deploy/prometheus/nodepath.rules.yml") as f:
    recorded = set(re.findall(r"^\s*- record:\s*(\S+)", f.read(), re.M))
for r in sorted(set(re.findall(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b", allq))):
    check(r in recorded, f"a panel reads {r}, which no rule in deploy/prometheus/nodepath.rules.yml records")
if errs:
    print("\n".join(errs))
    sys.exit(1)
PY
check_cmd "a dashboard query is not valid PromQL ($dash)" promtool check rules "$tmp/queries-$job.rules.yml"
done
check_cmd "dashboard JSON differs from its generator" python3 deploy/grafana/gen-dashboard.py --check
check_summary
