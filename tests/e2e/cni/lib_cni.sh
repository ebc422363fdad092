#!/usr/bin/env bash
# Real-CNI pods for the namespace testbed (sourced by tests/e2e/testbed.sh): each pod's network is
# set up by containerd's CNI library (go-cni, through npcni.go) running the real plugins from
# /usr/lib/cni with the conflist flannel delegates to, so the node's libcni result cache holds
# exactly the files containerd leaves there (cbr0-<id>-eth0 and cni-loopback-<id>-lo).
#
#   tb_cni_build BUILD_DIR                 build npcni into BUILD_DIR (GOPATH mode, offline)
#   tb_add_cni_pod [--ipv6] NODE POD K8S_NAMESPACE [K8S_NAME]
#                                          CNI ADD: a pod as kubelet + containerd make it
#   tb_del_cni_pod POD                     CNI DEL, then the sandbox namespace goes
#   tb_cni_field POD namespace|name|uid|cid   the identity the pod was given
#   tb_cni_results NODE                    the node's libcni cache (the agent's --path.cni-cache)
#
# Per node N, under $TB_RUN/N/cni-lib (bind-mounted over /var/lib/cni for each npcni run, in a
# mount namespace of its own): results/ (libcni's cache) and networks/cbr0/ (host-local's leases).
# The conflist is $TB_RUN/N/cni-conf/10-flannel.conflist.
#
# cni0: the testbed creates it first (fixed MAC, address 10.244.N.1/24, MTU 1450, STP off) and the
# bridge plugin adopts it (it accepts an existing bridge that already has the gateway address), so
# the permanent gateway neighbour entries in pods and tb_node_bridge's re-creation keep working.
# Exact counts: the pod namespace has IPv6 off before the plugin makes eth0 (unless --ipv6), and
# after ADD every neighbour is pinned as for tb_add_pod (gateway, same-node pods, cni0 -> pod) and
# the pod's MAC gets a static fdb entry on cni0.
# Hand-wired pods (tb__wire_pod) and CNI pods share the node's /24: tb__wire_pod skips every
# recorded address, and before each ADD the hand-wired addresses are reserved in host-local's
# lease directory so the plugin skips them too.

TB_NPCNI=${TB_NPCNI:-}
TB_CNI_PLUGINS=/usr/lib/cni

tb_cni_root() { echo "$TB_RUN/$1/cni-lib"; }
tb_cni_results() { echo "$(tb_cni_root "$1")/results"; }
tb_cni_conf_dir() { echo "$TB_RUN/$1/cni-conf"; }

# tb_cni_build BUILD_DIR: compile npcni.go against Debian's packaged go-cni (GOPATH mode, no
# network) into BUILD_DIR/npcni unless it is newer than the source; sets TB_NPCNI.
tb_cni_build() {
	local out=$1/npcni src
	src=$(dirname "${BASH_SOURCE[0]}")/npcni.go
	command -v go >/dev/null || { tb__die "go missing (scripts/setup.sh --test)"; return 1; }
	[ -d /usr/share/gocode/src/github.com/containerd/go-cni ] ||
		{ tb__die "go-cni missing (scripts/setup.sh --test)"; return 1; }
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$1/npcni-go" || return 1
		# to a private name first: parallel test runs may build at the same time
		GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$1/npcni-go:/usr/share/gocode" \
			GOCACHE="$1/npcni-go/cache" go build -o "$out.$$" "$src" || return 1
		mv -f "$out.$$" "$out" || return 1
	fi
	TB_NPCNI=$(readlink -f "$out")
	export TB_NPCNI
}

# tb__cni_conflist NODE: what flannel's CNI plugin hands to the bridge plugin for the node's
# subnet.env (FLANNEL_SUBNET 10.244.N.1/24, FLANNEL_MTU 1450, FLANNEL_IPMASQ true: flanneld
# masquerades, so the bridge does not), plus portmap as in kube-flannel's conflist.
tb__cni_conflist() {
	local n=$1 net
	net="$TB_POD_NET.$(tb__idx "$n")"
	cat <<EOF
{
  "cniVersion": "0.3.1",
  "name": "cbr0",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "isDefaultGateway": true,
      "hairpinMode": true,
      "ipMasq": false,
      "mtu": 1450,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$net.0/24", "gateway": "$net.1"}]],
        "routes": [{"dst": "$TB_POD_NET.0.0/16"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

# tb__cni_reserve NODE: host-local leases for the node's hand-wired pods (and none left for
# hand-wired pods that are gone), so ADD never hands out an address in use.
tb__cni_reserve() {
	local n=$1 dir f p ip
	dir="$(tb_cni_root "$n")/networks/cbr0"
	mkdir -p "$dir" || return 1
	for f in "$dir"/*; do
		[ -f "$f" ] && grep -qs '^tb-wired' "$f" && rm -f "$f"
	done
	for p in $(tb_pods "$n"); do
		[ -e "$TB_RUN/cni-pods/$p" ] && continue
		ip=$(tb_pod_ip "$p") || return 1
		[ -e "$dir/$ip" ] || printf 'tb-wired-%s\r\neth0' "$p" >"$dir/$ip" || return 1
	done
}

tb_cni_field() { # POD namespace|name|uid|cid
	local ns name uid cid
	read -r ns name uid cid <"$TB_RUN/cni-pods/$1" || return 1
	case $2 in
	namespace) echo "$ns" ;; name) echo "$name" ;; uid) echo "$uid" ;; cid) echo "$cid" ;;
	*) return 1 ;;
	esac
}

tb__cni_npcni() { # VERB POD: run npcni in the pod's node namespace with the pod's identity
	local p=$2 n
	n=$(tb_pod_field "$p" node 2>/dev/null) || n=$(cat "$TB_RUN/cni-pods/$p.node") || return 1
	tb_exec "$n" "$TB_NPCNI" "$1" "$(tb_cni_conf_dir "$n")" "$(tb_cni_root "$n")" \
		"/var/run/netns/$(tb_ns "$p")" "$(tb_cni_field "$p" cid)" \
		"$(tb_cni_field "$p" namespace)" "$(tb_cni_field "$p" name)" \
		"$(tb_cni_field "$p" uid)" eth0
}

# tb_add_cni_pod [--ipv6] NODE POD K8S_NAMESPACE [K8S_NAME]: a sandbox namespace, CNI ADD through
# go-cni exactly as containerd's CRI plugin calls it (labels K8S_POD_NAMESPACE, K8S_POD_NAME,
# K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID, IgnoreUnknown; a fresh uid and 64-hex sandbox id),
# the pod recorded for tb_pod_field (address and host veth as the plugin returned them), pinned
# neighbours, and a UDP sink on TB_SINK_PORT. K8S_NAME defaults to POD. --ipv6 leaves IPv6 on in
# the pod (link-local address, DAD/RS/MLD): the counts of such a pod are not exact.
tb_add_cni_pod() {
	local v6=0 n p k8sns k8sname out ip veth mac rec uid h
	if [ "${1:-}" = --ipv6 ]; then
		v6=1
		shift
	fi
	n=$1 p=$2 k8sns=$3 k8sname=${4:-$2}
	[ -n "$TB_NPCNI" ] && [ -x "$TB_NPCNI" ] ||
		{ tb__die "npcni not built (tb_cni_build BUILD_DIR)"; return 1; }
	[ -e "$TB_RUN/pods/$p" ] && { tb__die "pod $p exists"; return 1; }
	mkdir -p "$TB_RUN/cni-pods" "$(tb_cni_conf_dir "$n")" || return 1
	tb__cni_conflist "$n" >"$(tb_cni_conf_dir "$n")/10-flannel.conflist" || return 1
	tb__cni_reserve "$n" || return 1
	h=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	uid="${h:0:8}-${h:8:4}-4${h:13:3}-a${h:17:3}-${h:20:12}"
	echo "$k8sns $k8sname $uid $(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
		>"$TB_RUN/cni-pods/$p" || return 1
	echo "$n" >"$TB_RUN/cni-pods/$p.node"
	tb__mkns "$p" || return 1
	if [ "$v6" = 1 ]; then
		tb_exec "$p" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 || return 1
	fi
	out=$(tb__cni_npcni add "$p") || { tb__die "CNI ADD of $p failed"; return 1; }
	read -r ip veth mac <<<"$out"
	rec="$n $ip $mac $veth"
	# what the plugin said must be what the kernel has
	tb__ip "$p" -4 -o addr show dev eth0 | grep -q " inet $ip/24 " ||
		{ tb__die "$p: eth0 has no $ip/24"; return 1; }
	tb__ip "$n" link show "$veth" >/dev/null || { tb__die "$p: no host veth $veth"; return 1; }
	echo "$rec" >"$TB_RUN/pods/$p"
	tb__pod_node_side "$p" || return 1
	tb__ip "$p" neigh replace "$TB_POD_NET.$(tb__idx "$n").1" lladdr "$(tb__cni_mac "$n")" \
		dev eth0 nud permanent || return 1
	tb__pod_mesh "$p" || return 1
	tb__start_sink "$p"
}

# tb_del_cni_pod POD: CNI DEL (libcni removes the cache files, host-local the lease), then the
# sandbox namespace is removed as containerd does after a pod stops.
tb_del_cni_pod() {
	local p=$1 rc=0
	tb__kill_pidfile "$TB_RUN/pids/sink-$p" KILL
	tb__cni_npcni del "$p" || { tb__log "CNI DEL of $p failed"; rc=1; }
	tb_del_pod "$p"
	rm -f "$TB_RUN/cni-pods/$p" "$TB_RUN/cni-pods/$p.node"
	return "$rc"
}

tb_is_cni_pod() { [ -e "$TB_RUN/cni-pods/$1" ]; }
