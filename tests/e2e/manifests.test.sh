#!/usr/bin/env bash
# Kubernetes manifests in deploy/kubernetes/: every object validated against the upstream
# Kubernetes and prometheus-operator schemas (npm kubernetes-models), both kustomizations
# rendered with `kubectl kustomize`, the rendered DaemonSets checked for the promised
# permissions and mounts, and every agent flag they pass checked against the agent's --help.
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
check_cmd "schema validation of rendered manifests" node "$T/validate.mjs" "$tmp/least.yaml" "$tmp/privileged.yaml" "$tmp/webconfig.yaml"
node "$T/check-daemonset.mjs" least "$tmp/least.yaml" >"$tmp/args" && ok || bad "least-privilege DaemonSet"
node "$T/check-daemonset.mjs" privileged "$tmp/privileged.yaml" >/dev/null && ok || bad "privileged DaemonSet"
node "$T/check-daemonset.mjs" webconfig "$tmp/webconfig.yaml" >>"$tmp/args" && ok || bad "web config (TLS + basic auth) DaemonSet"

# 3. The validator itself rejects a broken object (a test that cannot fail proves nothing).
sed 's/hostNetwork: true/hostNetwork: "yes"/' "$K/base/daemonset.yaml" >"$tmp/broken.yaml"
if node "$T/validate.mjs" "$tmp/broken.yaml" >/dev/null; then bad "validator accepted hostNetwork: \"yes\""; else ok; fi

# 4. Every flag the DaemonSet passes exists in this agent.
"$agent" --help >"$tmp/help" 2>&1 || die "$agent --help"
while read -r arg; do
	flag=${arg%%=*}
	check_cmd "agent has flag $flag (DaemonSet arg $arg)" grep -qE -- "(^|[[:space:]])${flag//./\\.}([=[:space:]]|$)" "$tmp/help"
done <"$tmp/args"

echo "manifests.test: $(grep -c '^ok ' < <(node "$T/validate.mjs" "${files[@]}" "$tmp/least.yaml" "$tmp/privileged.yaml" "$tmp/webconfig.yaml")) objects valid, $(wc -l <"$tmp/args") agent flags known"
check_summary
