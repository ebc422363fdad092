#!/usr/bin/env bash
# Benchmark (not a test): nodepath and node_exporter 1.5 on a node with 10, 100 and 1,000 pods.
# One flannel-style node namespace of the e2e testbed (eth0, cni0, flannel.1, bpffs), one host
# veth per pod enslaved to cni0 with a libcni cache file, the pod ends in one shared namespace,
# one UDP frame sent from every pod (the node answers each with ICMP, so both directions of every
# veth carry traffic). At each step both exporters run in the node namespace with their default
# collectors and bench/scrape_bench.py scrapes node_exporter's and nodepath's /metrics
# alternately, then nodepath's /metrics?collect[]=netpath (the nodepath_* families) on its own.
# Everything it makes is removed on every exit path (testbed teardown).
# usage: bench/scale_pods.sh [path/to/nodepath] [N scrapes per step=50] [steps="10 100 1000"]
# HOLD=S keeps the node up S seconds after the last step (to profile the agent; its PID and
# namespace are printed), then tears it down.
set -euo pipefail
NODEPATH=$(realpath "${1:-build/nodepath}")
N=${2:-50}
STEPS=${3:-"10 100 1000"}
NETPATH_N=${NETPATH_N:-200} # scrapes of /metrics?collect[]=netpath alone per step
HERE=$(cd "$(dirname "$0")" && pwd)
NE=$(command -v prometheus-node-exporter)
export TB_NODES=n1 TB_UP_PODS=""
# shellcheck source=tests/e2e/lib_pods.sh
. "$HERE/../tests/e2e/lib_pods.sh"
tb_trap
tb_up
NODE=$(tb_ns n1)
tb__mkns pods # removed by tb_down with the others
PODS=$(tb_ns pods)
NE_PORT=9101
TF=$TB_RUN/textfile
CNI=$(lp_cni_dir n1)
mkdir -p "$TF" "$CNI"
printf '# TYPE bench_textfile gauge\nbench_textfile 1\n' >"$TF/bench.prom"
lp_write_subnet_env n1
ip -n "$NODE" route add 10.245.0.0/16 dev cni0
GW_MAC=$(ip netns exec "$NODE" cat /sys/class/net/cni0/address)
GW_IP=$TB_POD_NET.1.1
PY=(python3 "$HERE/scale_pods.py")

lp_start_agent n1 "$NODEPATH" --collector.textfile.directory="$TF" --log.level=error
NP_PID=$(tb_agent_pid n1)
# node_exporter's PID file and command line carry $TB_RUN: tb_down stops it with the agents
ip netns exec "$NODE" "$NE" --web.listen-address=127.0.0.1:$NE_PORT --no-collector.systemd \
	--collector.netdev.device-exclude= --collector.textfile.directory="$TF" \
	--log.level=error </dev/null >>"$TB_RUN/log/ne.log" 2>&1 &
echo $! >"$TB_RUN/pids/ne"
NE_PID=$!

echo "machine: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg);" \
	"node_exporter $("$NE" --version 2>&1 | head -1 | awk '{print $3}');" \
	"nodepath $("$NODEPATH" --version 2>&1 | head -1)"

metric() { # FAMILY: sum of FAMILY's samples in the agent's scrape (0 if none)
	tb_scrape n1 >"$TB_RUN/step.prom" 2>/dev/null || { echo -1; return; }
	tb_metric0 "$TB_RUN/step.prom" "$1"
}

have=0
for want in $STEPS; do
	if [ "$want" -gt "$have" ]; then
		"${PY[@]}" ip-batch "$have" "$want" "$PODS" >"$TB_RUN/node.batch"
		"${PY[@]}" pod-batch "$have" "$want" >"$TB_RUN/pods.batch"
		"${PY[@]}" neigh-batch "$have" "$want" >"$TB_RUN/neigh.batch"
		"${PY[@]}" fdb-batch "$have" "$want" >"$TB_RUN/fdb.batch"
		ip -n "$NODE" -batch "$TB_RUN/node.batch"
		ip -n "$PODS" -batch "$TB_RUN/pods.batch"
		ip -n "$NODE" -batch "$TB_RUN/neigh.batch"
		bridge -n "$NODE" -batch "$TB_RUN/fdb.batch"
		ip netns exec "$NODE" "${PY[@]}" caches "$have" "$want" "$CNI"
	fi
	have=$want
	# hooked (eth0, cni0, flannel.1 and every pod veth) and named
	for _ in $(seq 600); do
		[ "$(metric nodepath_bpf_attached_interfaces)" -ge $((have + 3)) ] &&
			[ "$(metric nodepath_pod_info)" -ge "$have" ] && break
		sleep 0.1
	done
	ip netns exec "$PODS" "${PY[@]}" traffic 0 "$have" "$GW_MAC" "$GW_IP"
	sleep 1
	tb_scrape n1 >"$TB_RUN/step.prom"
	echo
	echo "## $have pods: $(tb_metric "$TB_RUN/step.prom" nodepath_pod_info) named," \
		"$(tb_metric "$TB_RUN/step.prom" nodepath_bpf_attached_interfaces) hooked," \
		"$(grep -c '^nodepath_' "$TB_RUN/step.prom") nodepath_* samples," \
		"$(ip -n "$NODE" -o link | wc -l) interfaces in the node," \
		"load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "whole scrape, alternating:"
	ip netns exec "$NODE" env WARMUP=3 python3 "$HERE/scrape_bench.py" "$N" \
		"node_exporter=127.0.0.1:$NE_PORT:$NE_PID" \
		"nodepath=127.0.0.1:$TB_AGENT_PORT:$NP_PID"
	# An absolute target, so on its own: right after one of node_exporter's multi-second
	# scrapes its garbage collector still holds a CPU of the two.
	echo "nodepath_* families alone:"
	ip netns exec "$NODE" env WARMUP=20 python3 "$HERE/scrape_bench.py" "$NETPATH_N" \
		"nodepath_netpath=127.0.0.1:$TB_AGENT_PORT:$NP_PID:/metrics?collect[]=netpath"
done
if [ "${HOLD:-0}" -gt 0 ]; then
	echo "holding ${HOLD}s: agent PID $NP_PID in namespace $NODE, 127.0.0.1:$TB_AGENT_PORT"
	sleep "$HOLD"
fi
