#!/usr/bin/env python3
"""Generates deploy/grafana/nodepath-path.json (Grafana 10+ dashboard of the node -> bridge ->
overlay path). Edit this file, run it, commit both; tests/e2e/dashboard.test.sh runs it with
--check and fails if the JSON is stale.
    deploy/grafana/gen-dashboard.py [--check] [--job JOB] [--out FILE]
--job: the scrape job the $job variable selects until the user picks another: nodepath (the
shipped scrape configurations, default) or node-exporter (the operator stacks' overlays).
"""
import argparse
import json
import os
import sys
ap = argparse.ArgumentParser()
ap.add_argument("--check", action="store_true", help="exit 1 if the output file differs")
ap.add_argument("--job", default="nodepath", help="default value of the job variable")
ap.add_argument("--out", help="output file (default: nodepath-path.json next to this script)")
args = ap.parse_args()
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job",instance=~"$instance"'
# Families with namespace/pod labels of the pods the agent counts: every query on them follows
# the namespace and pod variables.
POD_FAMILIES = ("nodepath_pod_", "nodepath_path_")
POD_SEL = 'namespace=~"$namespace",pod=~"$pod"'
panels = []
pid = [0]
y = [0]

def nid():
    pid[0] += 1
    return pid[0]

def row(title):
    panels.append({"type": "row", "id": nid(), "title": title, "collapsed": False, "panels": [],
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}})
    y[0] += 1

def target(expr, legend, ref, instant=False, fmt=None):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend, "range": not instant,
         "instant": instant, "editorMode": "code"}
    if fmt:
        t["format"] = fmt
    return t

def ts(title, desc, targets, unit, x, w, h=8, stack=False, negative_tx=False, signed=False):
    signed = signed or negative_tx
    fc = {"defaults": {"unit": unit, "min": None if signed else 0,
                       "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 20 if stack else 10,
                                  "showPoints": "never", "spanNulls": False,
                                  "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                                  "axisCenteredZero": signed}},
          "overrides": []}
    if fc["defaults"]["min"] is None:
        del fc["defaults"]["min"]
    if negative_tx:
        fc["overrides"].append({"matcher": {"id": "byRegexp", "options": ".*transmit.*"},
                                "properties": [{"id": "custom.transform", "value": "negative-Y"}]})
    return {"type": "timeseries", "id": nid(), "title": title, "description": desc, "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": x, "y": y[0]}, "fieldConfig": fc,
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                                   "calcs": ["mean", "max", "lastNotNull"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "targets": [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(targets)]}

def rate(metric, extra="", by="", win="$__rate_interval"):
    sel = SEL + ("," + POD_SEL if metric.startswith(POD_FAMILIES) else "") + ("," + extra if extra else "")
    inner = f"rate({metric}{{{sel}}}[{win}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"

def layer_panel(layer, name, x):
    return ts(f"{name}: receive / transmit",
              f"Bits per second seen by tc on the {layer}-layer device(s) ({name}); transmit drawn below zero. "
              "Bytes are skb->len at tc (Ethernet header included on the node NIC; cni0 receive and flannel.1 count 14 bytes/packet less).",
              [(rate("nodepath_interface_receive_bytes_total", f'layer="{layer}"', "instance, device") + " * 8", "{{instance}} {{device}} receive"),
               (rate("nodepath_interface_transmit_bytes_total", f'layer="{layer}"', "instance, device") + " * 8", "{{instance}} {{device}} transmit")],
              "bps", x, 8, negative_tx=True)

# --- the path
row("Path: node NIC -> cni0 bridge -> flannel.1 overlay")
panels.append(layer_panel("node", "Node NIC", 0))
panels.append(layer_panel("bridge", "Bridge (cni0)", 8))
panels.append(layer_panel("overlay", "Overlay (flannel.1)", 16))
y[0] += 8
panels.append(ts("Packets per layer",
                 "Packets per second per layer and direction (GSO: one skb counts once).",
                 [(rate("nodepath_interface_receive_packets_total", "", "layer"), "{{layer}} receive"),
                  (rate("nodepath_interface_transmit_packets_total", "", "layer"), "{{layer}} transmit")],
                 "pps", 0, 12, negative_tx=True))
panels.append(ts("VXLAN overhead",
                 "Node NIC transmit minus flannel.1 transmit: encapsulation plus the node's own non-overlay traffic. "
                 "Encapsulation alone is 50 bytes per packet sent through flannel.1 (outer Ethernet+IP+UDP+VXLAN); "
                 "with GSO a packet here is one skb, so this line is a lower bound.",
                 [("(" + rate("nodepath_interface_transmit_bytes_total", 'layer="node"', "instance") + " - " +
                   rate("nodepath_interface_transmit_bytes_total", 'layer="overlay"', "instance") + ") * 8",
                   "{{instance}} node NIC - flannel.1 transmit"),
                  ("50 * 8 * " + rate("nodepath_interface_transmit_packets_total", 'layer="overlay"', "instance"),
                   "{{instance}} VXLAN headers (50 B/packet)")],
                 "bps", 12, 12))
y[0] += 8

# --- drops and hop-by-hop reconciliation
# Same reason set as the NodepathOverlayMTUDrops alert (deploy/prometheus/nodepath.rules.yml).
MTU_REASONS = 'reason=~"PKT_TOO_BIG|FRAG_REASM_TIMEOUT|FRAG_TOO_FAR|DUP_FRAG"'
row("Where packets die")
panels.append(ts("Drops by layer and reason",
                 "Packets the kernel freed as dropped (tp_btf/kfree_skb, kernels >= 5.17), per second: in the node's network namespace "
                 "by layer of the skb's device at the drop (node NIC, cni0 bridge, flannel.1 overlay, pod = host veth, other), "
                 "and inside pods' namespaces. Reasons are the kernel's skb_drop_reason names; docs/drops.md says what they mean.",
                 [(rate("nodepath_drops_total", "", "layer, reason"), "{{layer}} {{reason}}"),
                  (rate("nodepath_pod_drops_total", "", "reason"), "inside pods {{reason}}")],
                 "pps", 0, 12, stack=True))
panels.append({"type": "bargauge", "id": nid(), "title": "Top pods by drops (range)",
               "description": "Packets the kernel dropped inside each pod's network namespace over the dashboard range, by reason "
                              "(NO_SOCKET: nothing listens on the port; SOCKET_RCVBUFF: the application reads too slowly).",
               "datasource": DS, "gridPos": {"h": 8, "w": 6, "x": 12, "y": y[0]},
               "fieldConfig": {"defaults": {"unit": "short", "min": 0, "color": {"mode": "continuous-YlRd"}}, "overrides": []},
               "options": {"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                           "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
               "targets": [target(f"topk(10, sum by (namespace, pod, reason) (increase(nodepath_pod_drops_total{{{SEL},{POD_SEL}}}[$__range])))",
                                  "{{namespace}}/{{pod}} {{reason}}", "A", instant=True)]})
panels.append(ts("MTU drops",
                 "Drops because a packet was too big for the next device (PKT_TOO_BIG: DF set, larger than flannel.1's MTU; "
                 "the sender gets ICMP fragmentation-needed) or fragments never reassembled. Any value above zero means some "
                 "sender's MTU exceeds the overlay's (FLANNEL_MTU).",
                 [(rate("nodepath_drops_total", 'layer=~"node|bridge|overlay",' + MTU_REASONS, "instance, device, reason"),
                   "{{instance}} {{device}} {{reason}}")],
                 "pps", 18, 6))
y[0] += 8
panels.append(ts("Cross-node packets per hop",
                 "Recording rules of deploy/prometheus/nodepath.rules.yml, per node: what pods send to other nodes (host veths), "
                 "what cni0 receives (also pod traffic to the node, services and outside), what flannel.1 transmits, "
                 "and the VXLAN frames (UDP 8472) that leave the node NIC.",
                 [(f"instance:nodepath_pod_cross_node_transmit_packets:rate5m{{{SEL}}}", "{{instance}} 1 pods cross_node transmit"),
                  (f"instance:nodepath_bridge_receive_packets:rate5m{{{SEL}}}", "{{instance}} 2 cni0 receive"),
                  (f"instance:nodepath_overlay_transmit_packets:rate5m{{{SEL}}}", "{{instance}} 3 flannel.1 transmit"),
                  (f"instance:nodepath_vxlan_transmit_packets:rate5m{{{SEL}}}", "{{instance}} 4 VXLAN transmit")],
                 "pps", 0, 12))
panels.append(ts("Per-hop deficit",
                 "Packets per second that enter a hop and do not leave it (upstream minus downstream). pod_to_overlay and "
                 "overlay_to_vxlan compare like with like and are 0 on a healthy node; pod_to_bridge is negative and "
                 "bridge_to_overlay positive by the traffic pods send to the node, services or outside the cluster. "
                 "NodepathHopDeficit fires above 1% for 15 minutes.",
                 [(f"instance:nodepath_hop_deficit_packets:rate5m{{{SEL}}}", "{{instance}} {{hop}}")],
                 "pps", 12, 12, signed=True))
y[0] += 8

# --- pods
row("Pods")
top = ("topk(10, " + rate("nodepath_pod_receive_bytes_total", "", "namespace, pod") + " + " +
       rate("nodepath_pod_transmit_bytes_total", "", "namespace, pod") + ") * 8")
panels.append({"type": "bargauge", "id": nid(), "title": "Top pods by traffic (receive + transmit)",
               "description": "The 10 pods on the selected nodes moving the most bits per second, both directions, over the dashboard range's last rate window.",
               "datasource": DS, "gridPos": {"h": 9, "w": 8, "x": 0, "y": y[0]},
               "fieldConfig": {"defaults": {"unit": "bps", "min": 0, "color": {"mode": "continuous-BlYlRd"}}, "overrides": []},
               "options": {"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                           "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
               "targets": [target(top, "{{namespace}}/{{pod}}", "A", instant=True)]})
panels.append(ts("Pod transmit (top 10)", "What each pod sends (host veth ingress).",
                 [("topk(10, " + rate("nodepath_pod_transmit_bytes_total", "", "namespace, pod") + ") * 8", "{{namespace}}/{{pod}}")],
                 "bps", 8, 8, h=9))
panels.append(ts("Pod receive (top 10)", "What each pod receives (host veth egress).",
                 [("topk(10, " + rate("nodepath_pod_receive_bytes_total", "", "namespace, pod") + ") * 8", "{{namespace}}/{{pod}}")],
                 "bps", 16, 8, h=9))
y[0] += 9

# --- path classes
row("Where pod traffic goes (path classes)")
panels.append(ts("Pod transmit by path", "same_node: to pods on this node; cross_node: to pods on other nodes (through flannel.1); service: to a ClusterIP before DNAT; host: to this node; link_local: IPv6 link-local/multicast, IPv4 169.254/16, multicast and broadcast; external: anything else.",
                 [(rate("nodepath_path_bytes_total", 'direction="transmit"', "path") + " * 8", "{{path}}")],
                 "bps", 0, 8, stack=True))
panels.append(ts("Pod receive by path", "Where the traffic pods receive comes from, by the same classes.",
                 [(rate("nodepath_path_bytes_total", 'direction="receive"', "path") + " * 8", "{{path}}")],
                 "bps", 8, 8, stack=True))
panels.append({"type": "table", "id": nid(), "title": "Pods by path (top 15)",
               "description": "Bits per second per pod, direction and path class.",
               "datasource": DS, "gridPos": {"h": 8, "w": 8, "x": 16, "y": y[0]},
               "fieldConfig": {"defaults": {"unit": "bps"}, "overrides": []},
               "options": {"showHeader": True, "sortBy": [{"displayName": "Value", "desc": True}]},
               "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
               "targets": [target("topk(15, " + rate("nodepath_path_bytes_total", "", "namespace, pod, direction, path") + " * 8)",
                                  "", "A", instant=True, fmt="table")]})
y[0] += 8

# --- agent health
row("Agent health")
def stat(title, desc, expr, legend, unit, x, w, thresholds, instant=True):
    return {"type": "stat", "id": nid(), "title": title, "description": desc, "datasource": DS,
            "gridPos": {"h": 5, "w": w, "x": x, "y": y[0]},
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": thresholds},
                                         "color": {"mode": "thresholds"}}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "none", "textMode": "value_and_name", "justifyMode": "auto"},
            "targets": [target(expr, legend, "A", instant=instant)]}
red_low = [{"color": "red", "value": None}, {"color": "green", "value": 1}]
green_low = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
panels.append(stat("Agents up", "Scrape success per node.", f'up{{{SEL}}}', "{{instance}}", "none", 0, 6, red_low))
panels.append(stat("Attached interfaces", "Interfaces with nodepath's tc programs, per layer (pod = host veths).",
                   f"sum by (layer) (nodepath_bpf_attached_interfaces{{{SEL}}})", "{{layer}}", "none", 6, 6, red_low))
panels.append(stat("Attach errors (range)", "Failed attaches over the dashboard range.",
                   f"sum by (layer) (increase(nodepath_bpf_attach_errors_total{{{SEL}}}[$__range]))", "{{layer}}", "none", 12, 6, green_low))
panels.append(stat("Failing collectors", "Number of collectors whose last scrape failed (node_scrape_collector_success == 0) per node; 0 = all fine. "
                   "Which ones: node_scrape_collector_success == 0 in Explore (e.g. schedstat on kernels without /proc/schedstat, as with node_exporter).",
                   f"sum by (instance) (1 - node_scrape_collector_success{{{SEL}}})",
                   "{{instance}}", "none", 18, 6, green_low))
y[0] += 5
panels.append({"type": "bargauge", "id": nid(), "title": "BPF map fill",
               "description": "Entries / capacity per pinned map (max over the selected nodes). A full map stops counting new keys.",
               "datasource": DS, "gridPos": {"h": 8, "w": 8, "x": 0, "y": y[0]},
               "fieldConfig": {"defaults": {"unit": "percentunit", "min": 0, "max": 1,
                                            "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 0.75}, {"color": "red", "value": 0.9}]},
                                            "color": {"mode": "thresholds"}}, "overrides": []},
               "options": {"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                           "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
               "targets": [target(f"max by (map) (nodepath_bpf_map_entries{{{SEL}}} / (nodepath_bpf_map_capacity{{{SEL}}} > 0))", "{{map}}", "A", instant=True)]})
panels.append(ts("Scrape duration by collector", "Time each collector takes per scrape (max over the selected nodes).",
                 [(f"max by (collector) (node_scrape_collector_duration_seconds{{{SEL}}})", "{{collector}}")], "s", 8, 8))
panels.append(ts("BPF program cost", "Average kernel time per run of each nodepath program (needs bpf_enable_stats; CAP_SYS_ADMIN or kernel.bpf_stats_enabled=1).",
                 [(f"sum by (program) (rate(nodepath_bpf_program_run_seconds_total{{{SEL}}}[$__rate_interval])) / sum by (program) (rate(nodepath_bpf_program_runs_total{{{SEL}}}[$__rate_interval]))", "{{program}}")],
                 "s", 16, 8))
y[0] += 8

def var_query(name, label, q, multi):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "definition": q, "query": {"query": q, "refId": f"PrometheusVariableQueryEditor-{name}", "qryType": 1},
            "refresh": 2, "sort": 1, "multi": multi, "includeAll": multi, "allValue": ".*" if multi else None,
            "current": {}, "options": [], "hide": 0, "regex": ""}

job = var_query("job", "Job", "label_values(nodepath_build_info, job)", False)
del job["allValue"]
job["current"] = {"selected": True, "text": args.job, "value": args.job}
dash = {
    "uid": "nodepath-path",
    "title": "nodepath / Node network path",
    "description": "Per-layer and per-pod traffic on flannel VXLAN nodes: node NIC -> cni0 -> flannel.1, pods by name, path classes, and the agent's own health.",
    "tags": ["nodepath", "network", "ebpf", "flannel"],
    "editable": True, "graphTooltip": 1, "timezone": "browser", "refresh": "30s",
    "schemaVersion": 39, "version": 1, "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
    "time": {"from": "now-1h", "to": "now"}, "timepicker": {},
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                              "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                              "name": "Annotations & Alerts", "type": "dashboard"}]},
    "links": [],
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": ""},
        job,
        var_query("instance", "Node", 'label_values(nodepath_build_info{job=~"$job"}, instance)', True),
        var_query("namespace", "Namespace", 'label_values(nodepath_pod_info{job=~"$job",instance=~"$instance"}, namespace)', True),
        var_query("pod", "Pod", 'label_values(nodepath_pod_info{job=~"$job",instance=~"$instance",namespace=~"$namespace"}, pod)', True),
    ]},
    "panels": panels,
}
out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "nodepath-path.json")
text = json.dumps(dash, indent=2) + "\n"
if args.check:
    with open(out) as f:
        if f.read() != text:
            sys.exit(f"gen-dashboard: {out} is stale; run deploy/grafana/gen-dashboard.py")
    sys.exit(0)
with open(out, "w") as f:
    f.write(text)
print(f"gen-dashboard: {len(panels)} panels -> {out}")
