# Node-local state of a kubeadm/flannel node for the namespace testbed (sourced by tests after
# testbed.sh): libcni's cache file for every pod of a node (as containerd's libcni writes it,
# mode 0600, pods in namespace "e2e", netns the pod's real namespace, as the agent follows it
# to count drops inside the pod) and flanneld's subnet.env, under $TB_RUN/<node>/cni and
# $TB_RUN/<node>/flannel.

# tb_write_node_state NODE
tb_write_node_state() {
	local n=$1 i p c
	i=$(tb__idx "$n")
	mkdir -p "$TB_RUN/$n/cni" "$TB_RUN/$n/flannel" || return 1
	printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.%s.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' \
		"$i" >"$TB_RUN/$n/flannel/subnet.env" || return 1
	for p in $(tb_pods "$n"); do
		c=$(printf '%s' "$TB_TAG-$p" | sha256sum | cut -c1-64)
		cat >"$TB_RUN/$n/cni/cbr0-$c-eth0" <<JSON || return 1
{"kind":"cniCacheV1","containerId":"$c","ifName":"eth0","networkName":"cbr0","netns":"/var/run/netns/$(tb_ns "$p")","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAMESPACE","e2e"],["K8S_POD_NAME","$p"],["K8S_POD_INFRA_CONTAINER_ID","$c"],["K8S_POD_UID","00000000-0000-4000-8000-00000000000$i"]],"result":{"cniVersion":"0.3.1","interfaces":[{"name":"cni0"},{"name":"$(tb_pod_veth "$p")"},{"name":"eth0","sandbox":"/var/run/netns/$(tb_ns "$p")"}],"ips":[{"address":"$(tb_pod_ip "$p")/24","gateway":"10.244.$i.1","interface":2,"version":"4"}]}}
JSON
		chmod 0600 "$TB_RUN/$n/cni/cbr0-$c-eth0" || return 1
	done
}
