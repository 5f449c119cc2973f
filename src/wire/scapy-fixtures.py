#!/usr/bin/python3
"""Development-time generator of the byte fixtures in fixtures.ts (run with
Debian's python3-scapy 2.5.0: /usr/bin/python3 src/wire/scapy-fixtures.py).
Its output is pasted into fixtures.ts; the tests never run scapy."""
from scapy.all import Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, Raw, raw
from scapy.layers.inet import IPOption_Router_Alert
from scapy.layers.inet6 import (IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment, ICMPv6EchoRequest, ICMPv6DestUnreach, ICMPv6ND_NS, PadN, ICMPv6EchoReply)
from scapy.layers.ipsec import AH

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
out = {}
def put(name, pkt):
    out[name] = raw(pkt).hex()

syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456789, 0)), ("NOP", None), ("WScale", 7)]
tcp4 = IP(src="192.0.2.1", dst="198.51.100.2", id=0x1234, ttl=64, flags="DF", tos=0x10) / \
    TCP(sport=40000, dport=80, seq=1000, ack=0, flags="S", window=64240, options=syn_opts)
put("eth_tcp4_syn", Ether(src=MAC_A, dst=MAC_B) / tcp4)
put("eth_vlan_tcp4_syn", Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=42) / tcp4)
put("tcp4_syn", tcp4)
put("tcp4_ack_data", IP(src="10.1.2.3", dst="10.4.5.6", id=7, ttl=63) /
    TCP(sport=5555, dport=443, seq=0xfffffff0, ack=0x80000001, flags="PA", window=501,
        options=[("NOP", None), ("NOP", None), ("Timestamp", (1, 2)), ("SAck", (100, 200, 300, 400))]) / Raw(b"GET / HTTP/1.1\r\n\r\n"))
put("udp4_ra", IP(src="192.0.2.10", dst="224.0.0.22", id=1, ttl=1, options=[IPOption_Router_Alert()]) / UDP(sport=5353, dport=5353) / Raw(b"hello"))
put("icmp4_echo", IP(src="192.0.2.1", dst="192.0.2.2", id=0xbeef, ttl=64) / ICMP(type=8, code=0, id=0x4242, seq=7) / Raw(b"abcdefgh"))
orig = IP(src="192.0.2.2", dst="198.51.100.9", id=99, ttl=64) / UDP(sport=33000, dport=53) / Raw(b"x" * 20)
put("icmp4_port_unreach", IP(src="198.51.100.9", dst="192.0.2.2", id=0, ttl=64) / ICMP(type=3, code=3) / Raw(raw(orig)[:28]))
origt = IP(src="192.0.2.2", dst="198.51.100.9", id=100, ttl=1) / TCP(sport=40001, dport=22, seq=555, flags="S")
put("icmp4_ttl_exceeded_tcp", IP(src="203.0.113.1", dst="192.0.2.2", id=5, ttl=255) / ICMP(type=11, code=0) / Raw(raw(origt)))
origi = IP(src="192.0.2.2", dst="198.51.100.9", id=101, ttl=64) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping")
put("icmp4_unreach_icmp", IP(src="198.51.100.9", dst="192.0.2.2", id=6, ttl=64) / ICMP(type=3, code=1) / Raw(raw(origi)[:28]))
put("ip4_frag_later", IP(src="192.0.2.1", dst="192.0.2.2", id=0x4321, ttl=64, flags="MF", frag=185, proto=17) / Raw(b"y" * 16))
put("ip4_frag_first", IP(src="192.0.2.1", dst="192.0.2.2", id=0x4321, ttl=64, flags="MF", frag=0) / UDP(sport=1000, dport=2000, len=2000, chksum=0x1234) / Raw(b"z" * 24))

A6, B6 = "2001:db8::1", "2001:db8:0:1::2"
tcp6 = IPv6(src=A6, dst=B6, hlim=64, tc=0x20, fl=0x12345) / TCP(sport=443, dport=50000, seq=7, ack=1001, flags="SA", window=65535, options=[("MSS", 1440)])
put("eth_tcp6_synack", Ether(src=MAC_A, dst=MAC_B) / tcp6)
put("tcp6_synack", tcp6)
put("ip6_exthdrs_udp", IPv6(src=A6, dst=B6, hlim=64) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")]) /
    IPv6ExtHdrRouting(addresses=["2001:db8::99"], segleft=1) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")]) /
    UDP(sport=1111, dport=2222) / Raw(b"data"))
put("ip6_frag_first", IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=0xdeadbeef, m=1, offset=0) / UDP(sport=3000, dport=4000, len=1300) / Raw(b"q" * 16))
put("ip6_frag_later", IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=0xdeadbeef, m=0, offset=154, nh=17) / Raw(b"r" * 16))
put("ip6_ah_tcp", IPv6(src=A6, dst=B6) / AH(nh=6, payloadlen=4, spi=0x100, seq=1, icv=b"\x00" * 12) / TCP(sport=1, dport=2, flags="A"))
put("ip6_nonext", IPv6(src=A6, dst=B6, nh=59) / Raw(b""))
put("icmp6_echo", IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=0x99, seq=3, data=b"ping6"))
orig6 = IPv6(src=B6, dst=A6) / TCP(sport=2000, dport=3000, seq=42, flags="S")
put("icmp6_unreach_tcp", IPv6(src=A6, dst=B6) / ICMPv6DestUnreach(code=4) / Raw(raw(orig6)))
put("icmp6_ns", IPv6(src=A6, dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=B6))

# The SYN above after SNAT to 203.0.113.7:61000, and after TCPMSS clamps it to 1400:
put("tcp4_syn_nat", IP(src="203.0.113.7", dst="198.51.100.2", id=0x1234, ttl=64, flags="DF", tos=0x10) /
    TCP(sport=61000, dport=80, seq=1000, ack=0, flags="S", window=64240, options=syn_opts))
put("tcp4_syn_mss1400", IP(src="192.0.2.1", dst="198.51.100.2", id=0x1234, ttl=64, flags="DF", tos=0x10) /
    TCP(sport=40000, dport=80, seq=1000, ack=0, flags="S", window=64240, options=[("MSS", 1400)] + syn_opts[1:]))

# Built by the TS builders and compared byte for byte:
put("build_rst4", IP(src="198.51.100.2", dst="192.0.2.1", id=0, ttl=64, flags="DF") / TCP(sport=80, dport=40000, seq=0, ack=1001, flags="RA", window=0))
put("build_udp4", IP(src="10.0.0.1", dst="10.0.0.2", id=0x55aa, ttl=17) / UDP(sport=1234, dport=5678) / Raw(b"payload!"))
put("build_icmp4_unreach", IP(src="198.51.100.9", dst="192.0.2.2", id=0x1111, ttl=64) / ICMP(type=3, code=3) / Raw(raw(orig)[:28]))
put("build_rst6", IPv6(src=B6, dst=A6, hlim=64) / TCP(sport=50000, dport=443, seq=1001, ack=0, flags="R", window=0))
put("build_udp6", IPv6(src=A6, dst=B6, hlim=255, fl=0xabcde) / UDP(sport=547, dport=546) / Raw(b"dhcp"))
put("build_udp6_dnat", IPv6(src=A6, dst="2001:db8:ffff::5", hlim=255, fl=0xabcde) / UDP(sport=547, dport=9999) / Raw(b"dhcp"))
put("build_icmp6_unreach", IPv6(src=A6, dst=B6, hlim=64) / ICMPv6DestUnreach(code=1) / Raw(raw(orig6)))
put("build_icmp6_echo_reply", IPv6(src=B6, dst=A6, hlim=64) / ICMPv6EchoReply(id=0x99, seq=3, data=b"ping6"))

for k, v in out.items():
    print(f"  {k}: '{v}',")
