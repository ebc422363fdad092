#!/usr/bin/env bash
# Kubernetes manifests in deploy/kubernetes/: every object validated against the upstream
# Kubernetes and prometheus-operator schemas (npm kubernetes-models), every kustomization
# rendered with `kubectl kustomize`, the rendered DaemonSets checked for the promised
# permissions and mounts, the prometheus-operator objects for what each stack selects (job,
# honorLabels, release label, RBAC), and every agent flag the DaemonSets pass checked against
# the agent's --help.
# Usage: bash tests/e2e/manifests.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=${1:-build/nodepath}
for tool in node npm kubectl; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --test: nodejs/npm, kubernetes-client)"
done
[ -x "$agent" ] || die "agent binary $agent not found (build first)"

# Validators from the npm registry, pinned by the committed package-lock.json; node_modules is
# git-ignored. npm ci reinstalls only when the lock file changed since the last install.
T=deploy/test
if ! cmp -s "$T/package-lock.json" "$T/node_modules/.package-lock.json.installed" 2>/dev/null; then
	(cd "$T" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in $T"
	cp "$T/package-lock.json" "$T/node_modules/.package-lock.json.installed"
fi

tmp=$(mktemp -d /tmp/nodepath-manifests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
K=deploy/kubernetes

# 1. Each manifest as written.
mapfile -t files < <(find "$K/base" -name '*.yaml' ! -name kustomization.yaml | sort)
[ "${#files[@]}" -ge 6 ] || die "expected at least 6 manifests in $K/base, found ${#files[@]}"
check_cmd "schema validation of $K/base" node "$T/validate.mjs" "${files[@]}"

# 2. Both variants as kubectl renders them, patches applied.
kubectl kustomize "$K" >"$tmp/least.yaml" 2>"$tmp/least.err" || { cat "$tmp/least.err"; die "kubectl kustomize $K"; }
kubectl kustomize "$K/privileged" >"$tmp/privileged.yaml" 2>"$tmp/privileged.err" ||
	{ cat "$tmp/privileged.err"; die "kubectl kustomize $K/privileged"; }
kubectl kustomize "$K/webconfig" >"$tmp/webconfig.yaml" 2>"$tmp/webconfig.err" ||
	{ cat "$tmp/webconfig.err"; die "kubectl kustomize $K/webconfig"; }
# The prometheus-operator stacks' overlays: least privilege, scraped as job node-exporter.
stacks="job-node-exporter kube-prometheus-stack kube-prometheus"
for o in $stacks; do
	kubectl kustomize "$K/$o" >"$tmp/$o.yaml" 2>"$tmp/$o.err" || { cat "$tmp/$o.err"; die "kubectl kustomize $K/$o"; }
done
rendered=("$tmp/least.yaml" "$tmp/privileged.yaml" "$tmp/webconfig.yaml")
for o in $stacks; do rendered+=("$tmp/$o.yaml"); done
check_cmd "schema validation of rendered manifests" node "$T/validate.mjs" "${rendered[@]}"
node "$T/check-daemonset.mjs" least "$tmp/least.yaml" >"$tmp/args" && ok || bad "least-privilege DaemonSet"
cp "$tmp/args" "$tmp/args-least"
node "$T/check-daemonset.mjs" privileged "$tmp/privileged.yaml" >/dev/null && ok || bad "privileged DaemonSet"
node "$T/check-daemonset.mjs" webconfig "$tmp/webconfig.yaml" >>"$tmp/args" && ok || bad "web config (TLS + basic auth) DaemonSet"
for o in $stacks; do
	node "$T/check-daemonset.mjs" least "$tmp/$o.yaml" >"$tmp/args-$o" && ok || bad "DaemonSet of $o"
	check_cmd "$o runs the least-privilege DaemonSet unchanged" cmp -s "$tmp/args-least" "$tmp/args-$o"
done

# What each Prometheus selects and sees. The release label is the one value of release.yaml:
# a copy with another release name renders with that name.
for v in least privileged webconfig; do
	check_cmd "ServiceMonitor/PrometheusRule of $v (job nodepath)" node "$T/check-operator.mjs" plain "$tmp/$v.yaml"
done
release=$(sed -n 's/^  value: *//p' "$K/kube-prometheus-stack/release.yaml")
check_cmd "release.yaml names kube-prometheus-stack" test "$release" = kube-prometheus-stack
for o in $stacks; do
	check_cmd "ServiceMonitor/PrometheusRule of $o (job node-exporter)" node "$T/check-operator.mjs" "$o" "$tmp/$o.yaml" "$release"
done
cp -r "$K" "$tmp/k"
sed -i 's/^  value: .*/  value: monitoring/' "$tmp/k/kube-prometheus-stack/release.yaml"
kubectl kustomize "$tmp/k/kube-prometheus-stack" >"$tmp/kps-monitoring.yaml" 2>"$tmp/kps.err" || { cat "$tmp/kps.err"; die "kubectl kustomize (release monitoring)"; }
check_cmd "kube-prometheus-stack overlay with release monitoring" \
	node "$T/check-operator.mjs" kube-prometheus-stack "$tmp/kps-monitoring.yaml" monitoring
# The checker rejects what the stacks would not select (a check that cannot fail proves nothing).
sed 's/honorLabels: true/honorLabels: false/' "$tmp/kube-prometheus.yaml" >"$tmp/no-honor.yaml"
if node "$T/check-operator.mjs" kube-prometheus "$tmp/no-honor.yaml" 2>/dev/null; then bad "checker accepted honorLabels: false"; else ok; fi
if node "$T/check-operator.mjs" kube-prometheus-stack "$tmp/kube-prometheus.yaml" "$release" 2>/dev/null; then
	bad "checker accepted a ServiceMonitor without the release label"
else ok; fi
if node "$T/check-operator.mjs" kube-prometheus "$tmp/least.yaml" 2>/dev/null; then
	bad "checker accepted job nodepath and no RBAC for kube-prometheus"
else ok; fi

# Every kustomization and file of deploy/ that docs/deploy.md names exists (its walkthroughs are
# followed literally).
while read -r d; do
	check_cmd "docs/deploy.md: kubectl apply -k $d has a kustomization" test -f "${d%/}/kustomization.yaml"
done < <(grep -o 'kubectl apply -k deploy/kubernetes/[a-z/-]*' docs/deploy.md | awk '{ print $4 }' | sort -u)
while read -r f; do
	check_cmd "docs/deploy.md names $f, which does not exist" test -e "$f"
done < <(grep -oE 'deploy/[A-Za-z0-9_./-]+[A-Za-z0-9_-]' docs/deploy.md | sort -u)

# 3. The validator itself rejects a broken object (a test that cannot fail proves nothing).
sed 's/hostNetwork: true/hostNetwork: "yes"/' "$K/base/daemonset.yaml" >"$tmp/broken.yaml"
if node "$T/validate.mjs" "$tmp/broken.yaml" >/dev/null; then bad "validator accepted hostNetwork: \"yes\""; else ok; fi

# 4. Every flag the DaemonSet passes exists in this agent.
"$agent" --help >"$tmp/help" 2>&1 || die "$agent --help"
while read -r arg; do
	flag=${arg%%=*}
	check_cmd "agent has flag $flag (DaemonSet arg $arg)" grep -qE -- "(^|[[:space:]])${flag//./\\.}([=[:space:]]|$)" "$tmp/help"
done <"$tmp/args"

echo "manifests.test: $(grep -c '^ok ' < <(node "$T/validate.mjs" "${files[@]}" "${rendered[@]}")) objects valid, $(wc -l <"$tmp/args") agent flags known"
check_summary
