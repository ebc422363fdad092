// The scrape configuration the prometheus-operator generates for the ServiceMonitor of a rendered
// kustomization, for a Prometheus without Kubernetes: the endpoints service discovery is replaced
// by static targets that carry the __meta_kubernetes_* labels that discovery gives a DaemonSet
// pod behind the rendered Service (hostNetwork: pod IP = node IP), so the operator's relabelings
// run unchanged and give the same target labels (job, namespace, service, pod, container,
// endpoint, instance, node). Follows prometheus-operator's generateServiceMonitorConfig
// (pkg/prometheus/promcfg.go, role endpoints, one shard). Usage:
//   node operator-scrape-config.mjs RENDERED.yaml [--interval 5s] NODE=ADDRESS:PORT...
// Prints YAML: a list of scrape configs, one per ServiceMonitor endpoint.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const argv = process.argv.slice(2);
const file = argv.shift();
let interval = null;
if (argv[0] === "--interval") {
  argv.shift();
  interval = argv.shift();
}
const nodes = argv.map((a) => a.split("="));
const docs = yaml.loadAll(readFileSync(file, "utf8")).filter(Boolean);
const sm = docs.find((d) => d.kind === "ServiceMonitor");
const svc = docs.find((d) => d.kind === "Service");
const ds = docs.find((d) => d.kind === "DaemonSet");
if (!sm || !svc || !ds || nodes.length === 0 || nodes.some((n) => n.length !== 2)) {
  console.error("usage: operator-scrape-config.mjs RENDERED.yaml [--interval D] NODE=ADDRESS:PORT...");
  process.exit(2);
}
const nsel = sm.spec.namespaceSelector ?? {};
if (!nsel.any && !(nsel.matchNames ?? [sm.metadata.namespace]).includes(svc.metadata.namespace)) {
  console.error(`the ServiceMonitor does not select namespace ${svc.metadata.namespace}`);
  process.exit(1);
}
const sanitize = (s) => s.replace(/[^a-zA-Z0-9_]/g, "_");
const ns = svc.metadata.namespace;
const container = ds.spec.template.spec.containers[0];

// A pod name as the DaemonSet controller makes them: <name>-<5 characters>.
const alphabet = "bcdfghjklmnpqrstvwxz2456789";
const podName = (node) => {
  let h = 5381;
  for (const c of node) h = (h * 33 + c.charCodeAt(0)) >>> 0;
  let s = "";
  for (let i = 0; i < 5; i++, h = Math.floor(h / alphabet.length)) s += alphabet[h % alphabet.length];
  return `${ds.metadata.name}-${s}`;
};

function targets(ep) {
  const svcPort = svc.spec.ports.find((p) => p.name === ep.port);
  const cPort = container.ports.find((p) => p.name === svcPort.targetPort || p.containerPort === svcPort.targetPort);
  return nodes.map(([node, address]) => {
    const pod = podName(node);
    const ip = address.split(":")[0];
    const labels = {
      __meta_kubernetes_namespace: ns,
      __meta_kubernetes_service_name: svc.metadata.name,
      __meta_kubernetes_endpoints_name: svc.metadata.name,
      __meta_kubernetes_endpoint_port_name: ep.port,
      __meta_kubernetes_endpoint_port_protocol: svcPort.protocol ?? "TCP",
      __meta_kubernetes_endpoint_ready: "true",
      __meta_kubernetes_endpoint_node_name: node,
      __meta_kubernetes_endpoint_address_target_kind: "Pod",
      __meta_kubernetes_endpoint_address_target_name: pod,
      __meta_kubernetes_pod_name: pod,
      __meta_kubernetes_pod_ip: ip,
      __meta_kubernetes_pod_host_ip: ip,
      __meta_kubernetes_pod_node_name: node,
      __meta_kubernetes_pod_ready: "true",
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_container_name: container.name,
      __meta_kubernetes_pod_container_port_name: cPort.name,
      __meta_kubernetes_pod_container_port_number: String(cPort.containerPort),
      __meta_kubernetes_pod_container_port_protocol: cPort.protocol ?? "TCP",
    };
    for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
      labels[`__meta_kubernetes_service_label_${sanitize(k)}`] = v;
      labels[`__meta_kubernetes_service_labelpresent_${sanitize(k)}`] = "true";
    }
    for (const [k, v] of Object.entries(ds.spec.template.metadata.labels ?? {})) {
      labels[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
      labels[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = "true";
    }
    return { targets: [address], labels };
  });
}

function relabel(c) {
  const out = {};
  if (c.sourceLabels) out.source_labels = c.sourceLabels;
  if (c.separator !== undefined) out.separator = c.separator;
  if (c.targetLabel) out.target_label = c.targetLabel;
  if (c.regex !== undefined) out.regex = c.regex;
  if (c.modulus !== undefined) out.modulus = c.modulus;
  if (c.replacement !== undefined) out.replacement = c.replacement;
  if (c.action) out.action = c.action.toLowerCase();
  return out;
}

const configs = sm.spec.endpoints.map((ep, i) => {
  if (!ep.port) throw new Error("endpoint without port name: not generated here");
  const r = [{ source_labels: ["job"], target_label: "__tmp_prometheus_job_name" }];
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels ?? {}).sort()) {
    r.push({ action: "keep", source_labels: [`__meta_kubernetes_service_label_${sanitize(k)}`,
      `__meta_kubernetes_service_labelpresent_${sanitize(k)}`], regex: `(${v});true` });
  }
  if (sm.spec.selector.matchExpressions) throw new Error("matchExpressions: not generated here");
  r.push({ action: "keep", source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: ep.port });
  for (const kind of ["Node", "Pod"]) {
    r.push({ source_labels: ["__meta_kubernetes_endpoint_address_target_kind", "__meta_kubernetes_endpoint_address_target_name"],
      separator: ";", regex: `${kind};(.*)`, replacement: "${1}", target_label: kind.toLowerCase() });
  }
  r.push({ source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" });
  r.push({ source_labels: ["__meta_kubernetes_service_name"], target_label: "service" });
  r.push({ source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" });
  r.push({ source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" });
  r.push({ action: "drop", source_labels: ["__meta_kubernetes_pod_phase"], regex: "(Failed|Succeeded)" });
  for (const l of sm.spec.targetLabels ?? []) {
    r.push({ source_labels: [`__meta_kubernetes_service_label_${sanitize(l)}`], target_label: sanitize(l), regex: "(.+)", replacement: "${1}" });
  }
  for (const l of sm.spec.podTargetLabels ?? []) {
    r.push({ source_labels: [`__meta_kubernetes_pod_label_${sanitize(l)}`], target_label: sanitize(l), regex: "(.+)", replacement: "${1}" });
  }
  r.push({ source_labels: ["__meta_kubernetes_service_name"], target_label: "job", replacement: "${1}" });
  if (sm.spec.jobLabel) {
    r.push({ source_labels: [`__meta_kubernetes_service_label_${sanitize(sm.spec.jobLabel)}`], target_label: "job", regex: "(.+)", replacement: "${1}" });
  }
  r.push({ target_label: "endpoint", replacement: ep.port });
  for (const c of ep.relabelings ?? []) r.push(relabel(c));
  // Sharding, one shard ($(SHARD) = 0 after the config reloader's substitution).
  r.push({ source_labels: ["__address__", "__tmp_hash"], target_label: "__tmp_hash", regex: "(.+);", replacement: "$1", action: "replace" });
  r.push({ source_labels: ["__tmp_hash"], target_label: "__tmp_hash", modulus: 1, action: "hashmod" });
  r.push({ source_labels: ["__tmp_hash", "__tmp_disable_sharding"], regex: "0;|.+;.+", action: "keep" });

  const cfg = { job_name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${i}` };
  cfg.honor_labels = ep.honorLabels === true;
  cfg.static_configs = targets(ep); // in place of kubernetes_sd_configs: role endpoints, namespaces
  if (interval ?? ep.interval) cfg.scrape_interval = interval ?? ep.interval;
  if (ep.scrapeTimeout) cfg.scrape_timeout = interval && parseFloat(ep.scrapeTimeout) > parseFloat(interval) ? interval : ep.scrapeTimeout;
  if (ep.path) cfg.metrics_path = ep.path;
  if (ep.scheme) cfg.scheme = ep.scheme;
  cfg.relabel_configs = r;
  if (ep.metricRelabelings) cfg.metric_relabel_configs = ep.metricRelabelings.map(relabel);
  return cfg;
});
process.stdout.write(yaml.dump(configs, { lineWidth: -1 }));
