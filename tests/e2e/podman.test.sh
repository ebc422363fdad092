#!/usr/bin/env bash
# The container image run as the DaemonSet runs it: podman (runc) inside testbed node n1's network
# namespace with the DaemonSet's capabilities (drop ALL, add BPF PERFMON NET_ADMIN), read-only root
# filesystem, no-new-privileges, its host mounts and its arguments (read from
# deploy/kubernetes/base/daemonset.yaml). The bare binary runs on n2. Known UDP traffic between
# the pods must be counted exactly, with pod names from CNI cache files, by both; every collector
# that works bare must work in the container. A wrong capability or mount fails here. Then the
# privileged variant replaces the container (an upgrade) and must continue every counter.
# Usage: bash tests/e2e/podman.test.sh build/nodepath
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/e2e/lib/check.sh
source tests/e2e/lib/check.sh
agent=$(readlink -f "${1:-build/nodepath}")
[ "$(id -u)" -eq 0 ] || die "must run as root"
for tool in podman runc curl ip; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --test installs podman runc)"
done
[ -x "$agent" ] || die "agent binary $agent not found"

DS=deploy/kubernetes/base/daemonset.yaml
# The DaemonSet's container args, capabilities and mount paths, as written there.
mapfile -t ds_args < <(awk '/^ *args:/ { a = 1; next } a && /^ *- --/ { sub(/^ *- /, ""); print; next } a { exit }' "$DS")
caps=$(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' "$DS" | tr -d ' ')
ds_mounts=$(sed -n 's/^ *mountPath: //p' "$DS" | sort | tr '\n' ' ')
[ "${#ds_args[@]}" -ge 4 ] || die "could not read args from $DS"
[ "$caps" = "BPF,PERFMON,NET_ADMIN" ] || die "DaemonSet capabilities changed ($caps): update this test"
want_mounts="/host/proc /host/root /host/sys /run/flannel /run/netns /sys/fs/bpf /var/lib/cni/results "
[ "$ds_mounts" = "$want_mounts" ] || die "DaemonSet mounts changed ($ds_mounts): update this test"

source tests/e2e/testbed.sh
source tests/e2e/nodestate.sh
image=
ctrs=()
cleanup() {
	local rc=$? c
	for c in "${ctrs[@]}"; do
		podman logs "$c" >"$TB_RUN/log/$c.log" 2>&1 || true
		[ "$rc" -eq 0 ] || { echo "--- log of $c"; tail -30 "$TB_RUN/log/$c.log"; } >&2
		podman rm -f -t 5 "$c" >/dev/null 2>&1 || true
	done
	[ -n "$image" ] && podman rmi -f "$image" >/dev/null 2>&1
	tb_down
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tb_up || die "testbed"
image=localhost/nodepath-e2e:$TB_TAG
deploy/build-image.sh --binary "$agent" --tag "$image" || die "image build"

# Node-local state a kubeadm/flannel node has: libcni's cache for every pod, flannel's subnet.env.
tb_write_node_state n1 && tb_write_node_state n2 || die "node state"

# run_container NAME PODMAN-SECURITY-OPTS...: the image on n1 with the DaemonSet's mounts and
# arguments; the node's private bpffs stands for the host's /sys/fs/bpf; the NIC is named because
# the testbed has no default route. Waits until /-/ready answers and pod names are known.
run_container() {
	local name=$1 ready=0
	shift
	ctrs+=("$name")
	podman --runtime runc run -d --name "$name" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--network "ns:/run/netns/$(tb_ns n1)" --user 0:0 --read-only "$@" \
		-v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /:/host/root:ro,rslave \
		-v "$(tb_bpf_dir n1):/sys/fs/bpf:rw" \
		-v "$TB_RUN/n1/cni:/var/lib/cni/results:ro" -v "$TB_RUN/n1/flannel:/run/flannel:ro" \
		-v /run/netns:/run/netns:ro,rslave \
		"$image" "${ds_args[@]}" --collector.netpath.node-device=eth0 >/dev/null || die "podman run $name"
	for _ in $(seq 250); do
		if tb_exec n1 curl -sf --max-time 2 http://127.0.0.1:9100/-/ready >/dev/null 2>&1 &&
			tb_scrape n1 2>/dev/null | grep '^nodepath_pod_info{.*pod="n1b"' >/dev/null; then
			ready=1
			break
		fi
		[ "$(podman inspect -f '{{.State.Running}}' "$name")" = true ] || die "container $name exited"
		sleep 0.04
	done
	[ "$ready" -eq 1 ] || die "agent in $name not ready with pod names within 10 s"
	[ "$(tb_exec n1 curl -sf http://127.0.0.1:9100/-/healthy)" = OK ] || die "$name: /-/healthy"
	[ "$(tb_exec n1 curl -sf http://127.0.0.1:9100/-/ready)" = OK ] || die "$name: /-/ready"
}

# n1: the least-privilege DaemonSet (deploy/kubernetes/).
ctr=nodepath-e2e-$TB_TAG
run_container "$ctr" --cap-drop ALL --cap-add "CAP_${caps//,/,CAP_}" \
	--security-opt no-new-privileges --security-opt seccomp=unconfined

# n2: the bare binary with the same node-local sources. (Started here rather than with
# tb_start_agent, whose `| grep -q` readiness probe can fail under pipefail once a scrape
# outgrows the pipe buffer.)
ip netns exec "$(tb_ns n2)" "$agent" --web.listen-address=127.0.0.1:9100 \
	--bpf.pin-path="$(tb_bpf_dir n2)" --collector.netpath.node-device=eth0 \
	--path.cni-cache="$TB_RUN/n2/cni" --path.flannel-subnet="$TB_RUN/n2/flannel/subnet.env" \
	</dev/null >>"$TB_RUN/log/agent-n2.log" 2>&1 &
echo $! >"$TB_RUN/pids/agent-n2"
ready=0
for _ in $(seq 250); do
	if tb_scrape n2 2>/dev/null | grep '^nodepath_pod_info{.*pod="n2b"' >/dev/null; then
		ready=1
		break
	fi
	sleep 0.04
done
[ "$ready" -eq 1 ] || { tail -20 "$TB_RUN/log/agent-n2.log" >&2; die "bare agent on n2 not ready with pod names within 10 s"; }

tb_scrape n1 >"$TB_RUN/n1.before" && tb_scrape n2 >"$TB_RUN/n2.before" || die "scrape"
tb_send_udp n1a n1b 100 200 # same node on n1
tb_send_udp n1a n2a 150 300 # n1 -> n2
tb_send_udp n2b n1b 120 400 # n2 -> n1
# delivery through veth and VXLAN is asynchronous to sendto: wait for the last receivers' counts
wait_grow() { # NODE FAMILY SELECTOR WANT: until grown by WANT since NODE.before (checks follow)
	poll_delta 3 "$4" "$(tb_metric0 "$TB_RUN/$1.before" "$2" "$3")" metric_now "$1" "$2" "$3" \
		>/dev/null || true
}
metric_now() { tb_scrape "$1" | tb_metric /dev/stdin "$2" "$3"; }
wait_grow n1 nodepath_pod_receive_packets_total 'pod="n1b"' 220
wait_grow n2 nodepath_pod_receive_packets_total 'pod="n2a"' 150
tb_scrape n1 >"$TB_RUN/n1.after" && tb_scrape n2 >"$TB_RUN/n2.after" || die "scrape"

expect() { # NODE FAMILY SELECTOR WANT: the series is in the after scrape and grew by WANT
	local n=$1 before after
	before=$(tb_metric0 "$TB_RUN/$n.before" "$2" "$3")
	if after=$(tb_metric "$TB_RUN/$n.after" "$2" "$3"); then
		check "$n: $2{$3} growth" "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.0f", a - b }')" "$4"
	else
		bad "$n: no $2{$3}"
	fi
}

# n1, in the container. A datagram of payload P is P+42 bytes at tc, P+92 once VXLAN-encapsulated.
expect n1 nodepath_pod_transmit_packets_total 'namespace="e2e",pod="n1a"' 250
expect n1 nodepath_pod_transmit_bytes_total 'namespace="e2e",pod="n1a"' $((100 * 242 + 150 * 342))
expect n1 nodepath_pod_receive_packets_total 'namespace="e2e",pod="n1b"' 220
expect n1 nodepath_pod_receive_bytes_total 'namespace="e2e",pod="n1b"' $((100 * 242 + 120 * 442))
expect n1 nodepath_path_packets_total 'pod="n1a",direction="transmit",path="same_node"' 100
expect n1 nodepath_path_packets_total 'pod="n1a",direction="transmit",path="cross_node"' 150
expect n1 nodepath_path_packets_total 'pod="n1b",direction="receive",path="cross_node"' 120
expect n1 nodepath_interface_receive_packets_total 'device="cni0",layer="bridge"' 150
expect n1 nodepath_interface_transmit_packets_total 'device="cni0",layer="bridge"' 120
expect n1 nodepath_interface_transmit_packets_total 'device="flannel.1",layer="overlay"' 150
expect n1 nodepath_interface_receive_packets_total 'device="flannel.1",layer="overlay"' 120
expect n1 nodepath_interface_transmit_packets_total 'device="eth0",layer="node"' 150
expect n1 nodepath_interface_transmit_bytes_total 'device="eth0",layer="node"' $((150 * 392))
expect n1 nodepath_interface_receive_packets_total 'device="eth0",layer="node"' 120
expect n1 nodepath_interface_receive_bytes_total 'device="eth0",layer="node"' $((120 * 492))
# n2, bare: the mirror image.
expect n2 nodepath_pod_receive_packets_total 'namespace="e2e",pod="n2a"' 150
expect n2 nodepath_pod_receive_bytes_total 'namespace="e2e",pod="n2a"' $((150 * 342))
expect n2 nodepath_pod_transmit_packets_total 'namespace="e2e",pod="n2b"' 120
expect n2 nodepath_pod_transmit_bytes_total 'namespace="e2e",pod="n2b"' $((120 * 442))
expect n2 nodepath_path_packets_total 'pod="n2a",direction="receive",path="cross_node"' 150
expect n2 nodepath_path_packets_total 'pod="n2b",direction="transmit",path="cross_node"' 120
expect n2 nodepath_interface_transmit_packets_total 'device="cni0",layer="bridge"' 150
expect n2 nodepath_interface_receive_packets_total 'device="cni0",layer="bridge"' 120
expect n2 nodepath_interface_receive_packets_total 'device="flannel.1",layer="overlay"' 150
expect n2 nodepath_interface_transmit_packets_total 'device="flannel.1",layer="overlay"' 120
expect n2 nodepath_interface_receive_bytes_total 'device="eth0",layer="node"' $((150 * 392))
expect n2 nodepath_interface_transmit_bytes_total 'device="eth0",layer="node"' $((120 * 492))

# Same attach state, and every collector that works bare works in the container.
for l in node bridge overlay pod; do
	a=$(tb_metric "$TB_RUN/n1.after" nodepath_bpf_attached_interfaces "layer=\"$l\"")
	b=$(tb_metric "$TB_RUN/n2.after" nodepath_bpf_attached_interfaces "layer=\"$l\"")
	check "attached interfaces at $l: container as bare" "$a" "$b"
	check_cmd "attached interfaces at $l: some" test "${a:-0}" != 0
	check "container: attach errors at $l" \
		"$(tb_metric0 "$TB_RUN/n1.after" nodepath_bpf_attach_errors_total "layer=\"$l\"")" 0
done
collectors() { sed -n 's/^node_scrape_collector_success{collector="\([^"]*\)"} \(.*\)/\1 \2/p' "$1" | sort; }
collectors "$TB_RUN/n2.after" >"$TB_RUN/bare.collectors"
collectors "$TB_RUN/n1.after" >"$TB_RUN/ctr.collectors"
[ -s "$TB_RUN/bare.collectors" ] || die "no node_scrape_collector_success from the bare agent"
while read -r c ok; do
	[ "$ok" = 1 ] || continue
	grep -qx "$c 1" "$TB_RUN/ctr.collectors" && ok ||
		bad "collector $c works bare but not in the container ($(grep "^$c " "$TB_RUN/ctr.collectors"))"
done <"$TB_RUN/bare.collectors"

# SIGTERM (what the kubelet sends) stops the agent cleanly and leaves the pins for the next one.
podman stop -t 10 "$ctr" >/dev/null || die "podman stop"
check "container exit code after SIGTERM" "$(podman inspect -f '{{.State.ExitCode}}' "$ctr")" 0
check_cmd "pins left under the node's bpffs" test -n "$(ls -A "$(tb_bpf_dir n1)/nodepath" 2>/dev/null)"
# Without CAP_SYS_ADMIN, BPF_ENABLE_STATS is refused (docs/deploy.md); the agent says so once.
podman logs "$ctr" >"$TB_RUN/log/least.log" 2>&1 || die "podman logs"
check_cmd "least privilege: bpf_enable_stats refused" \
	grep -q 'bpf_enable_stats failed: program run time is not reported" err="Operation not permitted"' "$TB_RUN/log/least.log"

# Upgrade to the privileged variant (deploy/kubernetes/privileged/): the new agent adopts the
# pins, every counter continues where the old one stopped, and with CAP_SYS_ADMIN the program
# run-time statistics appear.
run_container "$ctr-privileged" --privileged
tb_scrape n1 >"$TB_RUN/n1.upgraded" || die "scrape"
for f in nodepath_pod_transmit_packets_total:'pod="n1a"' nodepath_pod_receive_bytes_total:'pod="n1b"' \
	nodepath_interface_transmit_bytes_total:'device="eth0"' nodepath_path_packets_total:'pod="n1a",path="cross_node"'; do
	a=$(tb_metric "$TB_RUN/n1.after" "${f%%:*}" "${f#*:}") || a="missing"
	b=$(tb_metric "$TB_RUN/n1.upgraded" "${f%%:*}" "${f#*:}") || b="missing after the upgrade"
	check "${f%%:*}{${f#*:}} continues across the upgrade (nothing was sent)" "$b" "$a"
done
cp "$TB_RUN/n1.upgraded" "$TB_RUN/n1.before"
tb_send_udp n1a n2a 10 300
wait_grow n1 nodepath_interface_transmit_packets_total 'device="eth0",layer="node"' 10
tb_scrape n1 >"$TB_RUN/n1.after" || die "scrape"
expect n1 nodepath_pod_transmit_packets_total 'namespace="e2e",pod="n1a"' 10
expect n1 nodepath_interface_transmit_bytes_total 'device="eth0",layer="node"' $((10 * 392))
runs=$(tb_metric0 "$TB_RUN/n1.after" nodepath_bpf_program_runs_total)
check_cmd "privileged: program run statistics" test "${runs%%.*}" -gt 0
podman logs "$ctr-privileged" >"$TB_RUN/log/privileged.log" 2>&1 || die "podman logs"
check "privileged: bpf_enable_stats refusals" "$(grep -c 'bpf_enable_stats failed' "$TB_RUN/log/privileged.log" || true)" 0
podman stop -t 10 "$ctr-privileged" >/dev/null || die "podman stop"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "podman.test: image $size bytes; $(wc -l <"$TB_RUN/ctr.collectors") collectors as bare"
check_summary
