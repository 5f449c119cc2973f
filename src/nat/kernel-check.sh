#!/bin/bash
# Reproduces the kernel observations behind KERNEL_V4/KERNEL_V6 in core.test.ts (run as root):
# SNAT to address ranges in a throwaway namespace, UDP sent through raw sockets, then conntrack -L.
set -e
NS=nsv-nat-$$
cleanup() { ip netns del $NS 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $NS
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link add d0 type veth peer name d0p
ip netns exec $NS ip link set d0p up
ip netns exec $NS ip link set d0 up
ip netns exec $NS ip addr add 10.9.0.254/24 dev d0
ip netns exec $NS ip route add default via 10.9.0.1
ip netns exec $NS iptables -t nat -A POSTROUTING -o d0 -p udp --dport 9 -j SNAT --to-source 192.0.2.1-192.0.2.100
ip netns exec $NS iptables -t nat -A POSTROUTING -o d0 -p udp --dport 10 -j SNAT --to-source 192.0.2.1-192.0.2.100 --persistent
ip netns exec $NS ip6tables -t nat -A POSTROUTING -o d0 -p udp --dport 9 -j SNAT --to-source 2001:db8::1-2001:db8::1:5
ip netns exec $NS ip addr add 2001:db8:9::254/64 dev d0 nodad
ip netns exec $NS ip -6 route add default via 2001:db8:9::1 dev d0 || true
ip netns exec $NS /usr/bin/python3 - <<'PY'
import socket
from scapy.all import IP, IPv6, UDP
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
for s, d, dp in [("10.1.0.1","10.9.0.5",9),("10.1.0.2","10.9.0.5",9),("10.1.0.3","10.9.0.77",9),("172.16.5.9","8.8.8.8",9),("10.1.0.1","10.9.0.6",10),("10.200.3.4","1.2.3.4",10)]:
    s4.sendto(bytes(IP(src=s,dst=d)/UDP(sport=5000,dport=dp)/b"x"), (d, 0))
for s, d in [("2001:db8:1::1","2001:db8:9::5"),("2001:db8:1::2","2001:db8:9::5"),("fd00::7","2001:db8:9::99")]:
    s6.sendto(bytes(IPv6(src=s,dst=d)/UDP(sport=5000,dport=9)/b"x"), (d, 0))
PY
ip netns exec $NS conntrack -L -f ipv4
ip netns exec $NS conntrack -L -f ipv6
