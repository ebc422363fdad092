# shellcheck shell=bash
# Node-local CNI state for testbed pods, written as containerd + flannel write it. Source after
# testbed.sh.
#
#   cni_write_cache DIR POD K8S_NAMESPACE K8S_NAME  -> prints the file's path
#       the cniCacheV1 file libcni writes after ADD (in place, like os.WriteFile), named
#       cbr0-<containerID>-eth0, for testbed pod POD (its veth, MAC and IP)
#   cni_write_subnet_env FILE NODE
#       flanneld's subnet.env for testbed node NODE (temp file + rename, as flanneld does)

cni_write_cache() {
	local dir=$1 p=$2 ns=$3 name=$4 ip veth mac cid
	ip=$(tb_pod_ip "$p") || return 1
	veth=$(tb_pod_veth "$p") || return 1
	mac=$(tb_pod_field "$p" mac) || return 1
	cid=$(printf '%s' "$TB_TAG-$p" | sha256sum | cut -c1-64)
	"$TB_PY" - "$dir" "$cid" "$(tb_ns "$p")" "$ns" "$name" "$veth" "$mac" "$ip" <<'PY'
import base64, json, sys, uuid
d, cid, netns, ns, name, veth, mac, ip = sys.argv[1:]
conf = json.dumps({"name": "cbr0", "cniVersion": "0.3.1", "plugins": [
    {"type": "flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
    {"type": "portmap", "capabilities": {"portMappings": True}}]}, separators=(",", ":"))
sandbox = "/var/run/netns/" + netns
gw = ip.rsplit(".", 1)[0] + ".1"
c = {"kind": "cniCacheV1", "containerId": cid, "config": base64.b64encode(conf.encode()).decode(),
     "ifName": "eth0", "networkName": "cbr0", "netns": sandbox,
     "cniArgs": [["IgnoreUnknown", "1"], ["K8S_POD_NAMESPACE", ns], ["K8S_POD_NAME", name],
                 ["K8S_POD_INFRA_CONTAINER_ID", cid],
                 ["K8S_POD_UID", str(uuid.uuid5(uuid.NAMESPACE_DNS, cid))]],
     "result": {"cniVersion": "0.3.1", "dns": {}, "interfaces": [
         {"mac": "02:00:0a:f4:01:01", "name": "cni0"}, {"mac": "aa:bb:cc:00:00:01", "name": veth},
         {"mac": mac, "name": "eth0", "sandbox": sandbox}],
         "ips": [{"address": ip + "/24", "gateway": gw, "interface": 2, "version": "4"}],
         "routes": [{"dst": "10.244.0.0/16"}, {"dst": "0.0.0.0/0", "gw": gw}]}}
path = f"{d}/cbr0-{cid}-eth0"
with open(path, "w") as f:
    f.write(json.dumps(c, separators=(",", ":")))
print(path)
PY
}

cni_write_subnet_env() {
	local f=$1 n=$2
	printf 'FLANNEL_NETWORK=%s.0.0/16\nFLANNEL_SUBNET=%s.%s.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' \
		"$TB_POD_NET" "$TB_POD_NET" "$(tb__idx "$n")" >"$f.tmp" && mv "$f.tmp" "$f"
}
