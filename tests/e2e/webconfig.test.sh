#!/usr/bin/env bash
# --web.config.file end to end, in a network namespace this test creates: bcrypt basic auth (401
# without or with wrong credentials, 200 with the right ones), TLS (no plain HTTP on the TLS
# port, min_version), client certificates required and verified (present, missing, from another
# CA), extra headers, the file re-read when it changes (credentials and certificate), bad files
# refused at start, and a real Prometheus scraping through TLS and basic auth.
#   usage: bash tests/e2e/webconfig.test.sh build/nodepath     (as root)
set -euo pipefail

BIN=$(readlink -f "${1:?usage: $0 build/nodepath}")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/lib/check.sh
. "$REPO/tests/e2e/lib/check.sh"
# shellcheck source=tests/e2e/lib/netns.sh
. "$REPO/tests/e2e/lib/netns.sh"
[ -x "$BIN" ] || die "no agent binary at $BIN"
netns_init webcfg openssl python3 prometheus

# --- certificates and hashes ---------------------------------------------------------------
cd "$TMP"
mkca() { # mkca NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -keyout "$1.key" -out "$1.crt" 2>/dev/null
}
mkcert() { # mkcert NAME CA EXT
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$1.key" -out "$1.csr" 2>/dev/null
	printf '%s\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
mkca ca
mkca otherca
mkcert server ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert server2 ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
mkcert client ca "extendedKeyUsage=clientAuth"
mkcert stranger otherca "extendedKeyUsage=clientAuth"
HASH=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**10)))')
HASH2=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("n3w", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**10)))')
[ "${HASH:0:4}" = '$2b$' ] || die "no bcrypt hash from python3's crypt ($HASH)"
cd - >/dev/null

AGENT=
listening_or_gone() { # PORT: nothing left to wait for
	grep -qs 'msg="listening' "$TMP/agent-$1.log" || ! kill -0 "$AGENT" 2>/dev/null
}
start() { # start PORT CONFIG-FILE: the agent must come up
	local port=$1
	netns_spawn "$TMP/agent-$port.log" "$BIN" --no-collector.netpath \
		--collector.disable-defaults --collector.loadavg --web.listen-address=127.0.0.1:$port \
		--web.config.file="$2"
	AGENT=$SPAWNED
	wait_until 5 listening_or_gone "$port" || true
	grep -qs 'msg="listening' "$TMP/agent-$port.log" && return 0
	cat "$TMP/agent-$port.log" >&2
	die "agent with $2 did not come up"
}
stop() {
	kill -TERM "$AGENT"
	wait "$AGENT" || true
}
code() { # code URL [curl args]: HTTP status, 000 when no HTTP answer
	nsx curl -s -o "$TMP/body" -D "$TMP/hdr" --max-time 5 -w '%{http_code}' "$@" || true
}

# --- 1. basic auth over plain HTTP ----------------------------------------------------------
cat >"$TMP/auth.yml" <<EOF
basic_auth_users:
  prometheus: '$HASH'
  other: '$HASH2'
http_server_config:
  headers:
    X-Frame-Options: deny
EOF
start 9301 "$TMP/auth.yml"
U=http://127.0.0.1:9301
c=$(code $U/metrics)
check "basic auth: no credentials is 401" "$c" 401
check_cmd "401 carries WWW-Authenticate: Basic" grep -qi '^WWW-Authenticate: Basic' "$TMP/hdr"
c=$(code $U/metrics -u prometheus:wrong)
check "basic auth: wrong password is 401" "$c" 401
c=$(code $U/metrics -u nobody:s3cret)
check "basic auth: unknown user is 401" "$c" 401
c=$(code $U/metrics -u other:s3cret)
check "basic auth: another user's password is 401" "$c" 401
c=$(code $U/metrics -u prometheus:s3cret)
check "basic auth: right credentials are 200" "$c" 200
check_cmd "basic auth: the body is the scrape" grep -q '^node_load1 ' "$TMP/body"
check_cmd "http_server_config.headers: X-Frame-Options: deny" grep -qi '^X-Frame-Options: deny' "$TMP/hdr"
c=$(code $U/-/healthy)
check "health path needs credentials too, as exporter-toolkit" "$c" 401

# Re-read on change: a new password takes over without a restart.
sed -i "s|prometheus: '.*'|prometheus: '$HASH2'|" "$TMP/auth.yml"
new_password_works() { [ "$(code $U/metrics -u prometheus:n3w)" = 200 ]; }
wait_until 6 new_password_works || true
c=$(code $U/metrics -u prometheus:n3w)
c_old=$(code $U/metrics -u prometheus:s3cret)
check_cmd "changed file re-read: new password 200 (got $c), old one 401 (got $c_old)" \
	[ "$c" = 200 -a "$c_old" = 401 ]
printf 'basic_auth_users: [\n' >"$TMP/auth.yml"
check_cmd "a broken new file is logged" \
	wait_until 6 grep -q 'invalid --web.config.file' "$TMP/agent-9301.log"
c=$(code $U/metrics -u prometheus:n3w)
check "a broken new file: the last good one is kept" "$c" 200
stop

# --- 2. TLS, basic auth, min_version ---------------------------------------------------------
cat >"$TMP/tls.yml" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13
basic_auth_users:
  prometheus: '$HASH'
http_server_config:
  headers:
    Strict-Transport-Security: max-age=31536000
EOF
start 9302 "$TMP/tls.yml"
c=$(code https://127.0.0.1:9302/metrics --cacert "$TMP/ca.crt" -u prometheus:s3cret)
check "TLS + basic auth: 200; cert paths relative to the config file" "$c" 200
check_cmd "Strict-Transport-Security header configured" grep -qi '^Strict-Transport-Security: max-age=31536000' "$TMP/hdr"
c=$(code https://127.0.0.1:9302/metrics --cacert "$TMP/ca.crt")
check "TLS without credentials: 401" "$c" 401
c=$(code http://127.0.0.1:9302/metrics -u prometheus:s3cret)
check_cmd "no plain HTTP on the TLS port (got $c)" [ "$c" != 200 -a "$c" != 401 ]
c=$(code https://127.0.0.1:9302/metrics --cacert "$TMP/ca.crt" -u prometheus:s3cret --tls-max 1.2)
check "min_version TLS13: a TLS 1.2 client is refused" "$c" 000
# A new certificate is served to new connections once the file changes.
cp "$TMP/server2.crt" "$TMP/server.crt"
cp "$TMP/server2.key" "$TMP/server.key"
want=$(openssl x509 -in "$TMP/server2.crt" -noout -serial)
served_serial() {
	got=$(nsx openssl s_client -connect 127.0.0.1:9302 -tls1_3 </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null || true)
	[ "$got" = "$want" ]
}
wait_until 6 served_serial || true
check "changed certificate served after re-read" "$got" "$want"
c=$(code https://127.0.0.1:9302/metrics --cacert "$TMP/ca.crt" -u prometheus:s3cret)
check "still 200 with the new certificate" "$c" 200

# --- 3. a real Prometheus through TLS and basic auth -----------------------------------------
# The shipped static TLS configuration, pointed at this agent, plus a job with a wrong password.
mkdir -p "$TMP/prom"
printf 's3cret\n' >"$TMP/prom/password"
printf 'nope\n' >"$TMP/prom/wrong"
sed -e "s|/etc/prometheus/nodepath-ca.crt|$TMP/ca.crt|" \
	-e "s|/etc/prometheus/nodepath-password|$TMP/prom/password|" \
	-e 's|node-1:9100|127.0.0.1:9302|' -e '/node-2:9100/d' \
	-e 's|scrape_interval: 15s|scrape_interval: 1s|' -e 's|scrape_timeout: 10s|scrape_timeout: 1s|' \
	-e '/^rule_files:/,/^$/d' \
	"$REPO/deploy/prometheus/prometheus-static-tls.yml" >"$TMP/prom/prometheus.yml"
cat >>"$TMP/prom/prometheus.yml" <<EOF
  - job_name: nodepath-wrong-password
    scheme: https
    tls_config:
      ca_file: $TMP/ca.crt
    basic_auth:
      username: prometheus
      password_file: $TMP/prom/wrong
    static_configs:
      - targets: ['127.0.0.1:9302']
EOF
grep -q "127.0.0.1:9302" "$TMP/prom/prometheus.yml" || die "could not adapt prometheus-static-tls.yml"
ip netns exec "$NS" prometheus --config.file="$TMP/prom/prometheus.yml" \
	--storage.tsdb.path="$TMP/prom/data" --web.listen-address=127.0.0.1:9090 \
	>"$TMP/prom/log" 2>&1 &
PROM=$!
PIDS+=("$PROM")
up=
prom_up() {
	up=$(nsx curl -s --max-time 2 'http://127.0.0.1:9090/api/v1/query?query=up' | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
except Exception:
    sys.exit(0)
print(" ".join("%s=%s" % (x["metric"]["job"], x["value"][1]) for x in sorted(r, key=lambda x: x["metric"]["job"])))' || true)
	case $up in *"nodepath=1"*"nodepath-wrong-password=0"*) return 0 ;; esac
	return 1
}
wait_until 30 prom_up || true
check_cmd "Prometheus scrapes through TLS + basic auth: up{job=nodepath}=1, wrong password 0 ($up)" \
	bash -c "case '$up' in *'nodepath=1 nodepath-wrong-password=0'*) exit 0;; esac; exit 1"
kill "$PROM"
wait "$PROM" || true
stop

# --- 4. client certificates -------------------------------------------------------------------
cat >"$TMP/mtls.yml" <<EOF
tls_server_config:
  cert_file: $TMP/server.crt
  key_file: $TMP/server.key
  client_ca_file: $TMP/ca.crt
  client_auth_type: RequireAndVerifyClientCert
EOF
start 9303 "$TMP/mtls.yml"
M=https://127.0.0.1:9303/metrics
c=$(code $M --cacert "$TMP/ca.crt" --cert "$TMP/client.crt" --key "$TMP/client.key")
check "RequireAndVerifyClientCert: a client certificate from the CA is 200" "$c" 200
c=$(code $M --cacert "$TMP/ca.crt")
check "RequireAndVerifyClientCert: no client certificate gets no answer" "$c" 000
c=$(code $M --cacert "$TMP/ca.crt" --cert "$TMP/stranger.crt" --key "$TMP/stranger.key")
check "RequireAndVerifyClientCert: a certificate from another CA gets no answer" "$c" 000
stop
sed -i 's/RequireAndVerifyClientCert/VerifyClientCertIfGiven/' "$TMP/mtls.yml"
start 9304 "$TMP/mtls.yml"
M=https://127.0.0.1:9304/metrics
c=$(code $M --cacert "$TMP/ca.crt")
check "VerifyClientCertIfGiven: no certificate is 200" "$c" 200
c=$(code $M --cacert "$TMP/ca.crt" --cert "$TMP/stranger.crt" --key "$TMP/stranger.key")
check "VerifyClientCertIfGiven: a certificate from another CA gets no answer" "$c" 000
stop
sed -i 's/VerifyClientCertIfGiven/RequireAnyClientCert/' "$TMP/mtls.yml"
start 9305 "$TMP/mtls.yml"
M=https://127.0.0.1:9305/metrics
c=$(code $M --cacert "$TMP/ca.crt" --cert "$TMP/stranger.crt" --key "$TMP/stranger.key")
check "RequireAnyClientCert: any certificate is 200" "$c" 200
c=$(code $M --cacert "$TMP/ca.crt")
check "RequireAnyClientCert: none gets no answer" "$c" 000
stop

# --- 5. bad files stop the start --------------------------------------------------------------
badstart() { # badstart WHAT YAML PATTERN
	printf '%s\n' "$2" >"$TMP/bad.yml"
	local rc=0
	nsx "$BIN" --no-collector.netpath --web.listen-address=127.0.0.1:9399 \
		--web.config.file="$TMP/bad.yml" 2>"$TMP/bad.log" || rc=$?
	if [ "$rc" = 1 ] && grep -q "$3" "$TMP/bad.log"; then
		ok "bad file refused at start: $1"
	else
		bad "bad file refused at start: $1 (rc $rc: $(tail -1 "$TMP/bad.log"))"
	fi
}
badstart "unknown field" 'tls_server_config: {cert_file: a, key_file: b, nope: 1}' 'unknown field .*nope'
badstart "missing key_file" 'tls_server_config: {cert_file: a}' 'missing key_file'
badstart "bad client_auth_type" "tls_server_config: {cert_file: $TMP/server.crt, key_file: $TMP/server.key, client_auth_type: Maybe}" 'invalid ClientAuth'
badstart "plain-text password" 'basic_auth_users: {u: hunter2}' 'not a bcrypt hash'
badstart "header not allowed" 'http_server_config: {headers: {Server: x}}' 'can not be configured'
badstart "missing file" "tls_server_config: {cert_file: $TMP/none.crt, key_file: $TMP/none.key}" 'cannot read'
badstart "YAML syntax" 'basic_auth_users: [' 'YAML'

check_summary
