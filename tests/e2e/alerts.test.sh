#!/usr/bin/env bash
# Alert rules and Prometheus configurations in deploy/prometheus/, checked with Debian's promtool:
# rule syntax, the promtool unit tests (each alert firing and not firing, each recording rule's
# values), the PrometheusRules generated from the same file (job nodepath, and job node-exporter
# for the operator stacks, where the same unit tests pass with the job moved), and both scrape
# configurations.
# Usage: bash tests/e2e/alerts.test.sh [path/to/nodepath]  (the binary is not used)
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
command -v promtool >/dev/null || die "promtool not found (Debian package prometheus; scripts/setup.sh --test)"

tmp=$(mktemp -d /tmp/nodepath-alerts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
P=deploy/prometheus

check_cmd "promtool check rules" promtool check rules "$P/nodepath.rules.yml"
out=$(promtool test rules "$P/tests/nodepath.rules.test.yml" 2>&1) && ok || { echo "$out"; bad "promtool test rules"; }
echo "$out"

# Every alert in the rules file has a test that expects it firing and one that expects nothing.
alerts=$(sed -n 's/^ *- alert: *//p' "$P/nodepath.rules.yml" | sort -u)
n_alerts=$(echo "$alerts" | wc -l)
n_cases=0
for a in $alerts; do
	fires=$(grep -c "exp_labels: {alertname: $a," "$P/tests/nodepath.rules.test.yml" || true)
	quiet=$(awk -v a="$a" '$0 ~ "alertname: " a "$" { getline; if ($0 ~ /exp_alerts: \[\]/) n++ } END { print n + 0 }' \
		"$P/tests/nodepath.rules.test.yml")
	check_cmd "a test expects $a to fire" test "$fires" -gt 0
	check_cmd "a test expects $a not to fire" test "$quiet" -gt 0
	n_cases=$((n_cases + fires + quiet))
done
# Every recording rule's value is asserted by a promql_expr_test.
records=$(sed -n 's/^ *- record: *//p' "$P/nodepath.rules.yml" | sort -u)
[ -n "$records" ] || fail "no recording rules found"
for r in $records; do
	grep -qF "$r" <(sed -n '/promql_expr_test:/,/alert_rule_test:/p' "$P/tests/nodepath.rules.test.yml") ||
		fail "no promql_expr_test checks the recording rule $r"
done
echo "alerts.test: $n_alerts alerts, $(grep -c '^ *- alert:' "$P/nodepath.rules.yml") alert rules, $n_cases expectations (firing + not firing), $(echo "$records" | wc -w) recorded series checked"

# The PrometheusRules carry exactly the same rules, for their job.
check_cmd "PrometheusRule out of date" "$P/gen-prometheusrule.sh" --check
awk 'spec { print substr($0, 3) } /^spec:$/ { spec = 1 }' deploy/kubernetes/base/prometheusrule.yaml >"$tmp/from-crd.rules.yml"
check_cmd "PrometheusRule spec is not a valid rules file" promtool check rules "$tmp/from-crd.rules.yml"
awk 'spec { print substr($0, 3) } /^spec:$/ { spec = 1 }' deploy/kubernetes/job-node-exporter/prometheusrule.yaml >"$tmp/from-crd-ne.rules.yml"
check_cmd "node-exporter PrometheusRule spec is not a valid rules file" promtool check rules "$tmp/from-crd-ne.rules.yml"
n_ne=$(grep -c 'job="node-exporter"' "$tmp/from-crd-ne.rules.yml" || true)
# (awk reads to the end: a reader that quits early, as sed's q, can fail the writer with SIGPIPE
# under pipefail, depending on timing)
n_base=$(grep -v '^ *#' "$P/nodepath.rules.yml" | awk '/^  - name: nodepath-node/ { stop = 1 } !stop' | grep -o 'job="nodepath"' | wc -l)
check_cmd "node-exporter PrometheusRule selects job=\"node-exporter\" $n_base times (has $n_ne)" test "$n_ne" -eq "$n_base" -a "$n_base" -gt 0
check_cmd "node-exporter PrometheusRule still names job nodepath" test "$(grep -c 'nodepath"' "$tmp/from-crd-ne.rules.yml")" -eq 0
check_cmd "node-exporter PrometheusRule keeps the group nodepath-node (the stacks ship those alerts)" \
	test "$(grep -c 'name: nodepath-node$' "$tmp/from-crd-ne.rules.yml")" -eq 0

# The job is a parameter of the generator, not a literal: the same promtool unit tests, with
# every input series and expected label moved to job="node-exporter", pass on the rules
# generated for that job (a selector the generator missed would keep its series from matching).
mkdir -p "$tmp/ne/tests"
"$P/gen-prometheusrule.sh" --job node-exporter --rules-only >"$tmp/ne/nodepath.rules.yml"
sed 's/job="nodepath"/job="node-exporter"/g; s/job: nodepath\([,}]\)/job: node-exporter\1/g' \
	"$P/tests/nodepath.rules.test.yml" >"$tmp/ne/tests/nodepath.rules.test.yml"
check_cmd "unit tests moved to job node-exporter still name job nodepath" \
	test "$(grep -cE 'job(: |=")nodepath' "$tmp/ne/tests/nodepath.rules.test.yml")" -eq 0
out=$(promtool test rules "$tmp/ne/tests/nodepath.rules.test.yml" 2>&1) && ok ||
	{ echo "$out"; bad "promtool test rules (rules and tests for job node-exporter)"; }
echo "alerts.test: rules generated for job node-exporter: $n_ne job selectors, promtool unit tests moved to that job run"

# Static scrape configuration: complete check, including its rule file.
check_cmd "prometheus-static.yml" promtool check config "$P/prometheus-static.yml"

# Kubernetes service discovery: Debian 12's Prometheus is built without kubernetes_sd, so promtool
# rejects that one field. Check that it is the only complaint, then check the rest of the file
# with the SD block removed.
if promtool check config "$P/prometheus-kubernetes.yml" >"$tmp/k8s.out" 2>&1; then
	ok "this promtool knows kubernetes_sd_configs: full check passed"
else
	grep -q 'field kubernetes_sd_configs not found' "$tmp/k8s.out" || { cat "$tmp/k8s.out"; die "prometheus-kubernetes.yml"; }
	[ "$(grep -c 'line [0-9]*:' "$tmp/k8s.out")" -eq 1 ] || { cat "$tmp/k8s.out"; die "prometheus-kubernetes.yml has other errors"; }
	awk '/^    kubernetes_sd_configs:/ { skip = 1; next } skip && /^    [a-z]/ { skip = 0 } !skip' \
		"$P/prometheus-kubernetes.yml" >"$tmp/prometheus-kubernetes.yml"
	cp "$P/nodepath.rules.yml" "$tmp/"
	grep -q kubernetes_sd "$tmp/prometheus-kubernetes.yml" && die "could not strip kubernetes_sd_configs"
	check_cmd "prometheus-kubernetes.yml (without SD block)" promtool check config "$tmp/prometheus-kubernetes.yml"
fi
check_summary
