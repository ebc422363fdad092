// Asserts what the prometheus-operator overlays promise on a rendered kustomization (the schema
// cannot: it accepts a ServiceMonitor that no Prometheus selects). Usage:
//   node check-operator.mjs plain|job-node-exporter|kube-prometheus-stack|kube-prometheus RENDERED.yaml [RELEASE]
// plain = deploy/kubernetes/ and its other variants (job nodepath). Silent when all holds.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const [variant, file, release] = process.argv.slice(2);
const docs = yaml.loadAll(readFileSync(file, "utf8")).filter(Boolean);
const one = (kind) => docs.filter((d) => d.kind === kind);
const errs = [];
const expect = (cond, what) => cond || errs.push(what);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const [sm] = one("ServiceMonitor");
const [svc] = one("Service");
const [rule] = one("PrometheusRule");
expect(sm && svc && rule && one("ServiceMonitor").length === 1, "one ServiceMonitor, Service, PrometheusRule");
const eps = sm?.spec?.endpoints ?? [];
expect(eps.length > 0 && eps.every((e) => e.honorLabels === true),
  "every ServiceMonitor endpoint honours the agent's labels (honorLabels: true)");
// The job the operator gives the targets: the Service's label named by jobLabel, else its name.
const job = (sm?.spec?.jobLabel && svc?.metadata?.labels?.[sm.spec.jobLabel]) || svc?.metadata?.name;
const wantJob = variant === "plain" ? "nodepath" : "node-exporter";
expect(job === wantJob, `scrape job ${job}, expected ${wantJob}`);
const selects = Object.entries(sm?.spec?.selector?.matchLabels ?? {})
  .every(([k, v]) => svc?.metadata?.labels?.[k] === v);
expect(selects, "the ServiceMonitor's selector does not match the Service");

// Every job selector in the rules names the scrape job, and only it.
const exprs = (rule?.spec?.groups ?? []).flatMap((g) => g.rules.map((r) => String(r.expr)));
const jobs = new Set(exprs.flatMap((e) => [...e.matchAll(/\bjob\s*(=~|!=|!~|=)\s*"([^"]*)"/g)].map((m) => m[1] + m[2])));
expect(same([...jobs], ["=" + job]), `rules select jobs ${[...jobs].join(" ")}, expected ="${job}"`);
const groups = (rule?.spec?.groups ?? []).map((g) => g.name);
expect(groups.includes("nodepath-node") === (variant === "plain"),
  `group nodepath-node ${variant === "plain" ? "missing" : "present: the stacks ship those alerts"}`);

if (variant === "kube-prometheus-stack") {
  expect(release && sm?.metadata?.labels?.release === release, `ServiceMonitor lacks release=${release}`);
  expect(release && rule?.metadata?.labels?.release === release, `PrometheusRule lacks release=${release}`);
}
if (variant === "kube-prometheus" || variant === "job-node-exporter" || variant === "kube-prometheus-stack") {
  expect(rule?.metadata?.labels?.prometheus === "k8s" && rule?.metadata?.labels?.role === "alert-rules",
    "PrometheusRule lacks kube-prometheus' labels prometheus=k8s, role=alert-rules");
}
if (variant === "kube-prometheus") {
  const ns = sm?.metadata?.namespace;
  const roles = one("Role").filter((r) => r.metadata.namespace === ns);
  const grants = (res) => roles.some((r) => r.rules.some((x) => x.apiGroups.includes("") &&
    x.resources.includes(res) && ["get", "list", "watch"].every((v) => x.verbs.includes(v))));
  for (const res of ["services", "endpoints", "pods"]) expect(grants(res), `no Role in ${ns} lets Prometheus list/watch ${res}`);
  const bound = one("RoleBinding").some((b) => b.metadata.namespace === ns &&
    roles.some((r) => r.metadata.name === b.roleRef.name) && b.roleRef.kind === "Role" &&
    b.subjects.some((s) => s.kind === "ServiceAccount" && s.name === "prometheus-k8s" && s.namespace === "monitoring"));
  expect(bound, `no RoleBinding in ${ns} binds the Role to monitoring/prometheus-k8s`);
}
if (errs.length) {
  console.error(`${variant}: ${errs.join("; ")}`);
  process.exit(1);
}
