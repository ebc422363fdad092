// Asserts the properties docs/deploy.md promises on a rendered DaemonSet (the schema cannot:
// it accepts a misspelt field or a missing capability). Usage:
//   node check-daemonset.mjs least|privileged|webconfig RENDERED.yaml  -> prints the agent's args, one a line
// webconfig = least plus --web.config.file from Secrets, TCP probes (every path needs credentials).
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const [variant, file] = process.argv.slice(2);
const docs = yaml.loadAll(readFileSync(file, "utf8")).filter(Boolean);
const ds = docs.find((d) => d.kind === "DaemonSet");
const errs = [];
const expect = (cond, what) => cond || errs.push(what);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Unknown keys are what a schema without additionalProperties=false lets through.
const known = {
  "spec.template.spec": ["serviceAccountName", "automountServiceAccountToken", "hostNetwork",
    "dnsPolicy", "priorityClassName", "tolerations", "terminationGracePeriodSeconds",
    "nodeSelector", "affinity", "containers", "volumes"],
  container: ["name", "image", "imagePullPolicy", "args", "ports", "livenessProbe",
    "readinessProbe", "resources", "securityContext", "volumeMounts"],
};

expect(ds, "no DaemonSet");
const pod = ds?.spec?.template?.spec ?? {};
const c = (pod.containers ?? [])[0] ?? {};
for (const k of Object.keys(pod)) expect(known["spec.template.spec"].includes(k), `unexpected pod field ${k}`);
for (const k of Object.keys(c)) expect(known.container.includes(k), `unexpected container field ${k}`);
expect(docs.some((d) => d.kind === "Namespace") && docs.some((d) => d.kind === "ServiceAccount") &&
  docs.some((d) => d.kind === "Service") && docs.some((d) => d.kind === "ServiceMonitor") &&
  docs.some((d) => d.kind === "PrometheusRule"), "kustomization lacks an object");
expect(docs.every((d) => d.kind === "Namespace" || d.metadata?.namespace === "nodepath"), "object outside namespace nodepath");
expect(ds?.spec?.updateStrategy?.type === "RollingUpdate", "not RollingUpdate");
expect(pod.hostNetwork === true, "hostNetwork");
expect(pod.dnsPolicy === "ClusterFirstWithHostNet", "dnsPolicy");
expect(pod.priorityClassName === "system-node-critical", "priorityClassName");
expect(same(pod.tolerations, [{ operator: "Exists" }]), "tolerations: operator Exists");
expect(pod.automountServiceAccountToken === false, "token mounted");
expect(same(pod.nodeSelector, { "kubernetes.io/os": "linux" }), "nodeSelector kubernetes.io/os: linux");
expect(same(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
  [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }]),
  "node affinity: kubernetes.io/arch in the image's architectures (amd64, arm64)");
if (variant === "webconfig") {
  expect(c.livenessProbe?.tcpSocket && !c.livenessProbe?.httpGet, "liveness: tcpSocket only");
  expect(c.readinessProbe?.tcpSocket && !c.readinessProbe?.httpGet, "readiness: tcpSocket only");
} else {
  expect(c.livenessProbe?.httpGet?.path === "/-/healthy", "liveness path");
  expect(c.readinessProbe?.httpGet?.path === "/-/ready", "readiness path");
}
expect(c.ports?.[0]?.containerPort === 9100, "port 9100");
expect(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, "resources");
const sc = c.securityContext ?? {};
expect(sc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem");
expect(sc.runAsUser === 0, "runAsUser 0");
if (variant !== "privileged") {
  expect(sc.privileged === false && sc.allowPrivilegeEscalation === false, "not privileged");
  expect(same(sc.capabilities?.drop, ["ALL"]) &&
    same(sc.capabilities?.add, ["BPF", "PERFMON", "NET_ADMIN"]) && Object.keys(sc.capabilities).length === 2, "capabilities");
} else {
  expect(sc.privileged === true && !sc.capabilities, "privileged");
}

const mounts = Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
const vols = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
const want = {
  "/host/proc": ["/proc", true], "/host/sys": ["/sys", true], "/host/root": ["/", true],
  "/sys/fs/bpf": ["/sys/fs/bpf", false], "/var/lib/cni/results": ["/var/lib/cni/results", true],
  "/run/flannel": ["/run/flannel", true], "/run/netns": ["/run/netns", true],
};
if (variant === "webconfig") {
  const secrets = { "/etc/nodepath/web": "nodepath-web-config", "/etc/nodepath/tls": "nodepath-tls" };
  for (const [path, secret] of Object.entries(secrets)) {
    const m = mounts[path];
    expect(m && m.readOnly === true && vols[m.name]?.secret?.secretName === secret,
      `${path} is not Secret ${secret} read-only`);
    delete mounts[path];
  }
  expect((c.args ?? []).includes("--web.config.file=/etc/nodepath/web/web-config.yml"), "missing --web.config.file");
  const sm = docs.find((d) => d.kind === "ServiceMonitor");
  const ep = sm?.spec?.endpoints?.[0] ?? {};
  expect(ep.scheme === "https" && ep.basicAuth?.password?.name === "nodepath-scrape-auth" && ep.tlsConfig?.ca,
    "ServiceMonitor: https, basicAuth and CA");
  expect(docs.some((d) => d.kind === "Secret" && d.metadata?.name === "nodepath-web-config" &&
    d.stringData?.["web-config.yml"]), "Secret nodepath-web-config with web-config.yml");
}
expect(Object.keys(mounts).length === Object.keys(want).length, "unexpected mounts");
for (const [path, [host, ro]] of Object.entries(want)) {
  const m = mounts[path];
  expect(m && vols[m.name]?.hostPath?.path === host, `${path} is not hostPath ${host}`);
  expect(m && Boolean(m.readOnly) === ro, `${path} readOnly should be ${ro}`);
}
expect(mounts["/sys/fs/bpf"]?.mountPropagation === (variant !== "privileged" ? "HostToContainer" : "Bidirectional"),
  "bpffs propagation");
expect(mounts["/run/netns"]?.mountPropagation === "HostToContainer", "netns propagation");
const args = c.args ?? [];
for (const a of ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root",
  "--bpf.pin-path=/sys/fs/bpf/nodepath"])
  expect(args.includes(a), `missing arg ${a}`);

if (errs.length) {
  console.error(`check-daemonset (${variant}): ${errs.join("; ")}`);
  process.exit(1);
}
console.log(args.join("\n"));
