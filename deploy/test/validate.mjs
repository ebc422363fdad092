// Validates Kubernetes and prometheus-operator objects against the upstream OpenAPI/CRD schemas
// (kubernetes-models, @kubernetes-models/prometheus-operator). Usage:
//   node validate.mjs FILE.yaml... ("-" reads stdin, e.g. the output of `kubectl kustomize`)
// Prints one line per object and exits 1 if any object is invalid or of an unknown kind.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import yaml from "js-yaml";

const require = createRequire(import.meta.url);

// apiVersion -> module prefix; the model class of kind K lives in <prefix>/K.
const groups = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "scheduling.k8s.io/v1": "kubernetes-models/scheduling.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

function modelFor(doc) {
  const prefix = groups[doc.apiVersion];
  if (!prefix || !/^[A-Z][A-Za-z]+$/.test(doc.kind ?? "")) return null;
  try {
    return require(`${prefix}/${doc.kind}`)[doc.kind];
  } catch {
    return null;
  }
}

// Rules the API server enforces beyond the schema, on the fields the privileged overlay flips.
function semanticErrors(doc) {
  const errs = [];
  const spec = doc.spec?.template?.spec;
  for (const c of spec?.containers ?? []) {
    const sc = c.securityContext ?? {};
    if (sc.privileged && sc.allowPrivilegeEscalation === false)
      errs.push(`${c.name}: privileged needs allowPrivilegeEscalation`);
    for (const m of c.volumeMounts ?? []) {
      if (m.mountPropagation === "Bidirectional" && !sc.privileged)
        errs.push(`${c.name}: Bidirectional propagation of ${m.mountPath} needs privileged`);
      if (!(spec.volumes ?? []).some((v) => v.name === m.name))
        errs.push(`${c.name}: volumeMount ${m.name} has no volume`);
    }
    if (spec.hostNetwork)
      for (const p of c.ports ?? [])
        if (p.hostPort !== undefined && p.hostPort !== p.containerPort)
          errs.push(`${c.name}: with hostNetwork hostPort must equal containerPort`);
  }
  return errs;
}

let bad = 0;
let count = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  for (const doc of yaml.loadAll(text)) {
    if (doc === null || doc === undefined) continue;
    count++;
    const name = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    const Model = modelFor(doc);
    if (!Model) {
      console.log(`INVALID ${name}: no schema for ${doc.apiVersion} ${doc.kind}`);
      bad++;
      continue;
    }
    const errs = semanticErrors(doc);
    try {
      new Model(doc).validate();
    } catch (e) {
      errs.push(e.message);
    }
    if (errs.length) {
      console.log(`INVALID ${name}: ${errs.join("; ")}`);
      bad++;
    } else {
      console.log(`ok ${name}`);
    }
  }
}
if (count === 0) {
  console.log("INVALID: no objects read");
  bad++;
}
process.exit(bad ? 1 : 0);
