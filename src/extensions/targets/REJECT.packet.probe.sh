#!/bin/bash
# Regenerates the kernel observations in REJECT.packet.fixtures.ts (development only; the tests
# never run it). As root: bash REJECT.packet.probe.sh > out.json; the namespaces are deleted on exit.
A=nsv-pt-a-$$; B=nsv-pt-b-$$
cleanup() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
set -e
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A link set va address 02:00:00:00:00:0a; ip -n $B link set vb address 02:00:00:00:00:0b
ip -n $A addr add 10.99.0.1/24 brd + dev va; ip -n $B addr add 10.99.0.2/24 brd + dev vb
ip -n $A addr add fd00:99::1/64 dev va nodad; ip -n $B addr add fd00:99::2/64 dev vb nodad
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
# static neighbours so that the answer does not wait for ARP/ND
ip -n $B neigh add 10.99.0.1 lladdr 02:00:00:00:00:0a dev vb; ip -n $B neigh add fd00:99::1 lladdr 02:00:00:00:00:0a dev vb
ip -n $A neigh add 10.99.0.2 lladdr 02:00:00:00:00:0b dev va; ip -n $A neigh add fd00:99::2 lladdr 02:00:00:00:00:0b dev va
# software TX checksums on B's side so the captured bytes are final (ETHTOOL_STXCSUM=0x17 via SIOCETHTOOL)
ip netns exec $B /usr/bin/python3 -c '
import fcntl, socket, struct, array
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for cmd in (0x17, 0x1f, 0x21):  # STXCSUM, SSG, STSO (TSO/SG off too so nothing depends on them)
    buf = array.array("B", struct.pack("II", cmd, 0))
    ifr = struct.pack("16sP", b"vb", buf.buffer_info()[0])
    try: fcntl.ioctl(s.fileno(), 0x8946, ifr)
    except OSError as e: print("ethtool", hex(cmd), e)
'
ip netns exec $B iptables-legacy -A INPUT -p tcp --dport 1 -j REJECT --reject-with tcp-reset
ip netns exec $B iptables-legacy -A INPUT -p udp --dport 2 -j REJECT
ip netns exec $B iptables-legacy -A INPUT -p udp --dport 3 -j REJECT --reject-with icmp-host-prohibited
ip netns exec $B iptables-legacy -A INPUT -p udp --dport 5 -j REJECT --reject-with icmp-admin-prohibited
ip netns exec $B iptables-legacy -A INPUT -p icmp -j REJECT --reject-with icmp-net-unreachable
ip netns exec $B iptables-legacy -A INPUT -f -j REJECT --reject-with icmp-proto-unreachable
ip netns exec $B ip6tables-legacy -A INPUT -p tcp --dport 1 -j REJECT --reject-with tcp-reset
ip netns exec $B ip6tables-legacy -A INPUT -p udp --dport 2 -j REJECT
ip netns exec $B ip6tables-legacy -A INPUT -p udp --dport 3 -j REJECT --reject-with icmp6-adm-prohibited
ip netns exec $B sysctl -q net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || true
ip netns exec $A /usr/bin/python3 - 02:00:00:00:00:0a 02:00:00:00:00:0b <<'PY'
# Sends probe packets from namespace A to B (where REJECT rules sit) and records what comes back.
import sys, time, json, fcntl, socket, struct, subprocess
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, Raw, raw, sendp, AsyncSniffer, conf
from scapy.layers.inet6 import ICMPv6EchoRequest
conf.verb = 0
macA, macB = sys.argv[1], sys.argv[2]
A4, B4, A6, B6 = "10.99.0.1", "10.99.0.2", "fd00:99::1", "fd00:99::2"
probes = {
  "v4_rst_syn": IP(src=A4, dst=B4, id=0x1111, ttl=64, flags="DF") / TCP(sport=40000, dport=1, seq=1000, flags="S", window=64240, options=[("MSS", 1460)]),
  "v4_rst_ack_data": IP(src=A4, dst=B4, id=0x2222, ttl=63, tos=0x10) / TCP(sport=40001, dport=1, seq=5000, ack=0xdeadbeef, flags="PA", window=501) / Raw(b"hello world"),
  "v4_rst_fin_data": IP(src=A4, dst=B4, id=0x2223, ttl=63) / TCP(sport=40002, dport=1, seq=0xfffffffe, flags="F", window=501) / Raw(b"abc"),
  "v4_rst_to_rst": IP(src=A4, dst=B4, id=0x2224) / TCP(sport=40003, dport=1, seq=7, flags="R"),
  "v4_port_unreach": IP(src=A4, dst=B4, id=0x3333, ttl=64, tos=0x14) / UDP(sport=33000, dport=2) / Raw(b"x" * 20),
  "v4_host_prohib": IP(src=A4, dst=B4, id=0x4444, ttl=64) / UDP(sport=33001, dport=3) / Raw(b"y" * 30),
  "v4_admin_big": IP(src=A4, dst=B4, id=0x5555, ttl=64, tos=0xff) / UDP(sport=33002, dport=5) / Raw(bytes(range(256)) * 4),
  "v4_icmp_echo_net": IP(src=A4, dst=B4, id=0x6666, ttl=64) / ICMP(type=8, id=0x4242, seq=1) / Raw(b"ping"),
  "v4_icmp_err_quiet": IP(src=A4, dst=B4, id=0x6667, ttl=64) / ICMP(type=3, code=3) / Raw(raw(IP(src=B4, dst=A4) / UDP(sport=1, dport=2))[:28]),
  "v4_frag2": IP(src=A4, dst=B4, id=0x7777, ttl=64, frag=10, proto=17) / Raw(b"z" * 16),
  "v4_bad_csum_udp": IP(src=A4, dst=B4, id=0x7778) / UDP(sport=33003, dport=2, chksum=0x1234) / Raw(b"q" * 8),
  "v4_udp_nocsum": IP(src=A4, dst=B4, id=0x7779) / UDP(sport=33004, dport=2, chksum=0) / Raw(b"q" * 8),
  "v4_bcast": IP(src=A4, dst="10.99.0.255", id=0x7780) / UDP(sport=33005, dport=2) / Raw(b"b" * 4),
  "v6_rst_syn": IPv6(src=A6, dst=B6, hlim=64, fl=0x12345) / TCP(sport=40010, dport=1, seq=1000, flags="S", window=64240),
  "v6_rst_ack_data": IPv6(src=A6, dst=B6, hlim=64, tc=0x28) / TCP(sport=40011, dport=1, seq=9, ack=0x01020304, flags="PA") / Raw(b"data!"),
  "v6_port_unreach": IPv6(src=A6, dst=B6, hlim=64, fl=0xabcde) / UDP(sport=33010, dport=2) / Raw(b"x" * 20),
  "v6_adm_big": IPv6(src=A6, dst=B6, hlim=64) / UDP(sport=33011, dport=3) / Raw(bytes(range(256)) * 5 + b"tail"),
}
res = {}
for name, p in probes.items():
    fam6 = p.haslayer(IPv6)
    sn = AsyncSniffer(iface="va", store=True, lfilter=lambda x: (x.haslayer(IPv6) and x[IPv6].src == B6) or (x.haslayer(IP) and x[IP].src == B4))
    sn.start(); time.sleep(0.3)
    dst = macB if not p[0].dst.endswith(".255") else "ff:ff:ff:ff:ff:ff"
    sendp(Ether(src=macA, dst=dst) / p, iface="va")
    time.sleep(0.6)
    got = sn.stop()
    res[name] = {"sent": raw(p).hex(), "got": [raw(g.payload).hex() for g in got]}
    time.sleep(1.1)  # icmp rate limit (1 s per peer) between error probes
print(json.dumps(res, indent=1))
PY
ip netns exec $B iptables-legacy -nvL INPUT >&2
ip netns exec $B sysctl net.ipv6.auto_flowlabels net.ipv6.flowlabel_reflect >&2 || true
