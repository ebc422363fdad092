#!/usr/bin/env bash
# Pod identity end to end: the agent in a testbed node namespace reads cniCacheV1 files written
# as containerd + flannel (bridge plugin, network cbr0) write them, and flanneld's subnet.env.
# Asserts, from /metrics:
#   - pod counters carry namespace/pod, exact counts for same-node and cross-node datagrams, and
#     the path classes same_node / cross_node / host;
#   - nodepath_pod_info and nodepath_node_network_info carry the files' values;
#   - a cache file written after start labels its pod within 1 s; subnet.env written late and
#     rewritten is followed;
#   - a corrupt cache file is logged once, its veth keeps counting with empty pod labels;
#   - churn: 50 pods (veth + cache file) created and deleted while scraping: all named while
#     they exist, no series left after, agent RSS back to its level before.
# Usage: bash tests/e2e/pods.test.sh build/nodepath   (root; exit 0 = pass)
set -uo pipefail
bin=$(readlink -f "${1:-build/nodepath}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/testbed.sh
. "$here/testbed.sh"
# shellcheck source=tests/e2e/cni_cache.sh
. "$here/cni_cache.sh"

fails=0
ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
expect_eq() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: got '$2' want '$3'"; fi
}
die() {
	echo "FATAL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$bin" ] || die "no agent binary $bin"
tb_trap
tb_up || die "testbed did not come up"
echo "testbed $TB_TAG"

cache=$TB_RUN/n1/cni-results
subnet=$TB_RUN/n1/subnet.env
mkdir -p "$cache"

write_cache() { cni_write_cache "$cache" "$@"; }

scrape() { tb_scrape n1 >"$TB_RUN/m" || bad "scrape failed"; }
m() { tb_metric0 "$TB_RUN/m" "$@"; }

# n1a is known before the agent starts; n1b's file comes later; subnet.env comes later too.
f_n1a=$(write_cache n1a shop cart-7d9f8c6b5-x2k4q) || die "write_cache"
tb_start_agent n1 "$bin" --path.cni-cache="$cache" --path.flannel-subnet="$subnet" ||
	die "agent did not start"
pid=$(tb_agent_pid n1)

scrape
expect_eq "pod_info for n1a" "$(m nodepath_pod_info "namespace=\"shop\",pod=\"cart-7d9f8c6b5-x2k4q\",interface=\"$(tb_pod_veth n1a)\",pod_ip=\"$(tb_pod_ip n1a)\"")" 1
expect_eq "n1b unnamed before its file" \
	"$(m nodepath_pod_info "interface=\"$(tb_pod_veth n1b)\"")" 0
grep -q '^nodepath_node_network_info' "$TB_RUN/m" && bad "network info without subnet.env"

# Late cache file: labelled within 1 s.
start=$(date +%s%N)
write_cache n1b shop checkout-0 >/dev/null
named=""
for _ in $(seq 100); do
	scrape
	if [ "$(m nodepath_pod_info "pod=\"checkout-0\",interface=\"$(tb_pod_veth n1b)\"")" = 1 ]; then
		named=$((($(date +%s%N) - start) / 1000000))
		break
	fi
	sleep 0.01
done
if [ -n "$named" ] && [ "$named" -lt 1000 ]; then ok "late cache file named in ${named} ms"; else
	bad "late cache file not named within 1 s"; fi

# Late subnet.env (flanneld writes temp + rename).
u0=$(grep -c 'path classes updated' "$(tb_agent_log n1)")
cni_write_subnet_env "$subnet" n1
scrape
expect_eq "node network info" "$(m nodepath_node_network_info 'cluster_cidr="10.244.0.0/16",pod_cidr="10.244.1.0/24",overlay_mtu="1450"')" 1
for _ in $(seq 300); do
	[ "$(grep -c 'path classes updated' "$(tb_agent_log n1)")" -gt "$u0" ] && break
	sleep 0.02
done
[ "$(grep -c 'path classes updated' "$(tb_agent_log n1)")" -gt "$u0" ] || bad "path classes not updated from subnet.env"

# Exact counts with names: 10 x 100 B same node, 20 x 1000 B cross node, 5 x 64 B to the node.
scrape
cp "$TB_RUN/m" "$TB_RUN/m0"
tb_send_udp n1a n1b 10 100
tb_send_udp n1a n2a 20 1000
tb_send_udp n1a 10.244.1.1 5 64 9 # discard port on the gateway: ICMP replies come back
sleep 0.3
scrape
d() { # FAMILY SELECTOR: delta since m0
	echo $(($(tb_metric0 "$TB_RUN/m" "$1" "$2" | cut -d. -f1) - $(tb_metric0 "$TB_RUN/m0" "$1" "$2" | cut -d. -f1)))
}
sel_a="namespace=\"shop\",pod=\"cart-7d9f8c6b5-x2k4q\",interface=\"$(tb_pod_veth n1a)\""
sel_b="namespace=\"shop\",pod=\"checkout-0\",interface=\"$(tb_pod_veth n1b)\""
expect_eq "n1a transmit packets" "$(d nodepath_pod_transmit_packets_total "$sel_a")" 35
expect_eq "n1a transmit bytes" "$(d nodepath_pod_transmit_bytes_total "$sel_a")" $((10 * 142 + 20 * 1042 + 5 * 106))
expect_eq "n1b receive packets" "$(d nodepath_pod_receive_packets_total "$sel_b")" 10
expect_eq "n1b receive bytes" "$(d nodepath_pod_receive_bytes_total "$sel_b")" 1420
expect_eq "path same_node n1a transmit" "$(d nodepath_path_packets_total "$sel_a,direction=\"transmit\",path=\"same_node\"")" 10
expect_eq "path same_node n1b receive" "$(d nodepath_path_packets_total "$sel_b,direction=\"receive\",path=\"same_node\"")" 10
expect_eq "path cross_node n1a transmit" "$(d nodepath_path_packets_total "$sel_a,direction=\"transmit\",path=\"cross_node\"")" 20
expect_eq "path cross_node n1a transmit bytes" "$(d nodepath_path_bytes_total "$sel_a,direction=\"transmit\",path=\"cross_node\"")" 20840
expect_eq "path host n1a transmit" "$(d nodepath_path_packets_total "$sel_a,direction=\"transmit\",path=\"host\"")" 5

# A corrupt cache file for n1b: logged once, n1b keeps counting with empty names, n1a untouched.
f_n1b=$(ls "$cache"/cbr0-*-eth0 | grep -v "$f_n1a")
printf '{"kind":"cniCacheV1","containerId":"x","ifName":eth0' >"$f_n1b"
sleep 0.3
for _ in 1 2 3; do scrape; done
cp "$TB_RUN/m" "$TB_RUN/m0"
tb_send_udp n1a n1b 7 100
sleep 0.2
scrape
expect_eq "corrupt: n1b counts unnamed" "$(d nodepath_pod_receive_packets_total "namespace=\"\",pod=\"\",interface=\"$(tb_pod_veth n1b)\"")" 7
expect_eq "corrupt: n1a still named" "$(d nodepath_pod_transmit_packets_total "$sel_a")" 7
expect_eq "corrupt: logged once" "$(grep -c "skipping CNI cache file $f_n1b" "$(tb_agent_log n1)")" 1

# --- churn ----------------------------------------------------------------------------------
# Lightweight pods (namespace + veth in cni0 + cache file; no sink process).
churn_add() { # NAME K
	local p=$1 k=$2 veth ip mac
	veth=veth$(tb__rand_hex8)
	ip=10.244.1.$((100 + k))
	mac=$(printf '02:00:0a:f4:01:%02x' $((100 + k)))
	tb__mkns "$p" || return 1
	tb__ip "$p" link add eth0 address "$mac" type veth peer name "$veth" netns "$(tb_ns n1)" ||
		return 1
	echo "n1 $ip $mac $veth" >"$TB_RUN/pods/$p"
	tb__ip n1 link set "$veth" master cni0 up || return 1
	write_cache "$p" churn "$p" >"$TB_RUN/cache-$p"
}
churn_del() { # NAME: CNI DEL: cache file and namespace (with the veth) go
	rm -f "$(cat "$TB_RUN/cache-$1")" "$TB_RUN/cache-$1"
	tb_del_pod "$1"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }

scrape_loop() {
	while :; do tb_scrape n1 >/dev/null 2>&1 || echo x >>"$TB_RUN/scrape-errors"; sleep 0.05; done
}

churn_cycle() { # CYCLE: add 50, check all named, delete 50, check none left
	local c=$1 i n
	for i in $(seq 50); do churn_add "c$c-$i" "$i" || { bad "churn_add c$c-$i"; return; }; done
	n=0
	for _ in $(seq 200); do
		scrape
		n=$(grep -c "^nodepath_pod_receive_packets_total{.*namespace=\"churn\",pod=\"c$c-" "$TB_RUN/m")
		[ "$n" = 50 ] && break
		sleep 0.05
	done
	expect_eq "cycle $c: pods named on counters" "$n" 50
	expect_eq "cycle $c: pod_info series" "$(grep -c "^nodepath_pod_info{namespace=\"churn\"" "$TB_RUN/m")" 50
	veths=$(for i in $(seq 50); do tb_pod_veth "c$c-$i"; done | paste -sd'|')
	for i in $(seq 50); do churn_del "c$c-$i"; done
	# The veth goes with the pod's namespace (the kernel cleans it up asynchronously).
	for _ in $(seq 200); do
		scrape
		n=$(grep -cE "c$c-|$veths" "$TB_RUN/m")
		[ "$n" = 0 ] && break
		sleep 0.05
	done
	expect_eq "cycle $c: series (names or veths) left after delete" "$n" 0
}

scrape_loop &
loop_pid=$!
churn_cycle 1 # warm-up: allocator arenas, link table and map sizes reach their working size
sleep 0.5
rss0=$(rss_kb)
churn_cycle 2
sleep 0.5
rss1=$(rss_kb)
kill "$loop_pid" 2>/dev/null
wait "$loop_pid" 2>/dev/null
echo "agent RSS before churn ${rss0} kB, after ${rss1} kB"
if [ "$rss1" -le $((rss0 + 512)) ]; then ok "RSS back to its level (+$((rss1 - rss0)) kB)"; else
	bad "RSS grew by $((rss1 - rss0)) kB over a churn cycle"; fi
expect_eq "scrape errors during churn" "$(wc -l <"$TB_RUN/scrape-errors" 2>/dev/null || echo 0)" 0
kill -0 "$pid" 2>/dev/null || bad "agent died"

echo "--- excerpt"
grep -E '^nodepath_(pod_info|node_network_info|pod_receive_packets_total|path_packets_total)' "$TB_RUN/m" | head -12
[ "$fails" -eq 0 ] && echo "pods.test: all passed" || echo "pods.test: $fails failed" >&2
[ "$fails" -eq 0 ]
