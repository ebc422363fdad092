#!/usr/bin/env python3
"""Pods for bench/scale_pods.sh: veth pairs in bulk, libcni cache files, one frame per pod.

usage: scale_pods.py ip-batch FIRST END POD_NS >node.batch   (host ends, run with ip -n NODE -batch)
       scale_pods.py pod-batch FIRST END >pods.batch          (pod ends, ip -n POD_NS -batch)
       scale_pods.py neigh-batch FIRST END >neigh.batch       (node: neighbours of the pods)
       scale_pods.py fdb-batch FIRST END >fdb.batch           (node: bridge fdb, bridge -batch)
       scale_pods.py caches FIRST END DIR                     (one cniCacheV1 file per pod)
       scale_pods.py traffic FIRST END GW_MAC GW_IP           (inside POD_NS: a UDP frame per pod)

Pod i: host veth veth5ca1XXXX (i in hex) enslaved to cni0, its peer p<i> in the one pods namespace
(all pods share it: a namespace per pod costs seconds each at 1,000), MAC 02:00:0b:xx:xx:xx,
address 10.245.<i / 250>.<i % 250 + 1> (the node routes 10.245.0.0/16 to cni0).
"""
import base64
import json
import os
import socket
import struct
import sys


def veth(i):
    return 'veth5ca1%04x' % i


def mac(i):
    return '02:00:0b:%02x:%02x:%02x' % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


def ip(i):
    return '10.245.%d.%d' % (i // 250, i % 250 + 1)


def cache_doc(i, bmac):
    cid = '%064x' % (0x5ca1e << 200 | i)
    uid = '5ca1e000-0000-4000-a000-%012x' % i
    netns = '/var/run/netns/scale-pod-%d' % i
    conf = json.dumps({'name': 'cbr0', 'cniVersion': '0.3.1',
                       'plugins': [{'type': 'flannel', 'delegate': {'hairpinMode': True,
                                                                    'isDefaultGateway': True}},
                                   {'type': 'portmap', 'capabilities': {'portMappings': True}}]},
                      separators=(',', ':')).encode()
    doc = {'kind': 'cniCacheV1', 'containerId': cid, 'config': base64.b64encode(conf).decode(),
           'ifName': 'eth0', 'networkName': 'cbr0', 'netns': netns,
           'cniArgs': [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'scale-%d' % (i % 10)],
                       ['K8S_POD_NAME', 'web-%05d' % i], ['K8S_POD_INFRA_CONTAINER_ID', cid],
                       ['K8S_POD_UID', uid]],
           'capabilityArgs': {'io.kubernetes.cri.pod-annotations': {
               'kubernetes.io/config.seen': '2026-11-26T07:01:12.402917311Z',
               'kubernetes.io/config.source': 'api'}},
           'result': {'cniVersion': '0.3.1', 'dns': {},
                      'interfaces': [{'mac': bmac, 'name': 'cni0'},
                                     {'mac': mac(i), 'name': veth(i)},
                                     {'mac': mac(i), 'name': 'eth0', 'sandbox': netns}],
                      'ips': [{'address': ip(i) + '/16', 'gateway': '10.245.0.1',
                               'interface': 2, 'version': '4'}],
                      'routes': [{'dst': '0.0.0.0/0', 'gw': '10.245.0.1'}]}}
    return cid, json.dumps(doc, separators=(',', ':')).encode()


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff


def frame(i, gw_mac, gw_ip):
    payload = b'scale'.ljust(18, b'\0')
    udp = struct.pack('!HHHH', 40000, 9, 8 + len(payload), 0) + payload
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                      socket.inet_aton(ip(i)), socket.inet_aton(gw_ip))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    eth = bytes.fromhex(gw_mac.replace(':', '')) + bytes.fromhex(mac(i).replace(':', '')) + \
        b'\x08\x00'
    return eth + hdr + udp


def main():
    cmd, first, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = sys.stdout
    if cmd == 'ip-batch':
        for i in range(first, end):
            out.write('link add %s mtu 1450 type veth peer name p%d netns %s\n' %
                      (veth(i), i, sys.argv[4]))
            out.write('link set %s master cni0 up\n' % veth(i))
    elif cmd == 'pod-batch':
        for i in range(first, end):
            out.write('link set p%d address %s mtu 1450 up\n' % (i, mac(i)))
    elif cmd == 'neigh-batch':
        for i in range(first, end):
            out.write('neigh replace %s lladdr %s dev cni0 nud permanent\n' % (ip(i), mac(i)))
    elif cmd == 'fdb-batch':
        for i in range(first, end):
            out.write('fdb replace %s dev %s master static\n' % (mac(i), veth(i)))
    elif cmd == 'caches':
        bmac = open('/sys/class/net/cni0/address').read().strip()
        for i in range(first, end):
            cid, data = cache_doc(i, bmac)
            path = os.path.join(sys.argv[4], 'cbr0-%s-eth0' % cid)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, data)  # one write(2), as libcni's os.WriteFile
            os.close(fd)
    elif cmd == 'traffic':
        gw_mac, gw_ip = sys.argv[4], sys.argv[5]
        for i in range(first, end):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind(('p%d' % i, 0))
            s.send(frame(i, gw_mac, gw_ip))
            s.close()
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
