#!/bin/bash
# Regenerates src/nat/ftp.fixtures.ts from the real kernel: a client, a MASQUERADE router with the ftp
# helper, and a tiny FTP-like responder, each in its own namespace (nsv-ftp-*, always deleted), tcpdump on
# both sides of the router. Needs root, iptables-legacy, tcpdump, conntrack and python3-scapy.
#   bash src/nat/ftp-capture.sh > src/nat/ftp.fixtures.ts
set -u
W=$(mktemp -d)
C=nsv-ftp-cli; R=nsv-ftp-rtr; S=nsv-ftp-srv
cleanup() { ip netns del $C 2>/dev/null; ip netns del $R 2>/dev/null; ip netns del $S 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cat > "$W/srv.py" <<'EOF'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.51.100.7', 21)); s.listen(1)
c, a = s.accept()
def rl():
    d = b''
    while not d.endswith(b'\n'):
        x = c.recv(1)
        if not x: break
        d += x
    return d
c.sendall(b'220 hi\r\n'); u = rl()
c.sendall(b'331 ok\r\n'); p = rl()
c.sendall(b'200 ok\r\n'); l = rl()
c.sendall(b'227 Entering Passive Mode (198,51,100,7,195,80).\r\n'); q = rl()
print('server received', [u, p, l, q], file=sys.stderr)
c.close()
EOF
cat > "$W/cli.py" <<'EOF'
import socket, time
c = socket.create_connection(('198.51.100.7', 21), source_address=('192.168.0.10', 40000))
def rl():
    d = b''
    while not d.endswith(b'\n'):
        x = c.recv(1)
        if not x: break
        d += x
    return d
rl()
c.sendall(b'USER a\r\n'); rl()
c.sendall(b'PORT 192,168,0,10,156,65\r\n'); rl()
c.sendall(b'LIST\r\n'); rl()
c.sendall(b'QUIT\r\n'); time.sleep(0.3)
EOF
cat > "$W/mkfix.py" <<'EOF'
import sys
from scapy.all import rdpcap, IP, TCP, raw
def fix(p):
    q = IP(raw(p[IP])); del q[TCP].chksum
    return IP(raw(q))
w = sys.argv[1]
cli = [p for p in rdpcap(w + '/cli.pcap') if IP in p]
srv = [p for p in rdpcap(w + '/srv.pcap') if IP in p]
c2s_in = [p for p in cli if p[IP].src == '192.168.0.10']
s2c_out = [p for p in cli if p[IP].dst == '192.168.0.10']
c2s_out = [p for p in srv if p[IP].dst == '198.51.100.7']
s2c_in = [p for p in srv if p[IP].src == '198.51.100.7']
assert len(c2s_in) == len(c2s_out) and len(s2c_in) == len(s2c_out)
ev = [(float(p.time), 'c2s', raw(fix(p)).hex(), raw(fix(q)).hex()) for p, q in zip(c2s_in, c2s_out)]
ev += [(float(p.time), 's2c', raw(fix(p)).hex(), raw(fix(q)).hex()) for p, q in zip(s2c_in, s2c_out)]
ev.sort()
print('// Captured on Linux 6.18 (see the header comment of ftp.kernel.test.ts): client side and server side')
print('// of the router; [direction, packet as sent, packet as the other side received it]. veth offloads the TCP')
print('// checksum (tcpdump sees partial sums), so the TCP checksums were completed as the device would (scapy).')
print("export const FTP_MASQ_CAPTURE: readonly (readonly ['c2s' | 's2c', string, string])[] = [")
for t, d, a, b in ev:
    print(f"  ['{d}', '{a}',\n    '{b}'],")
print('];')
EOF
ip netns add $C; ip netns add $R; ip netns add $S
ip link add ftpc0 netns $C type veth peer name ftpr0 netns $R
ip link add ftps0 netns $S type veth peer name ftpr1 netns $R
ip -n $C addr add 192.168.0.10/24 dev ftpc0; ip -n $C link set ftpc0 up; ip -n $C link set lo up
ip -n $C route add default via 192.168.0.1
ip -n $R addr add 192.168.0.1/24 dev ftpr0; ip -n $R addr add 203.0.113.1/24 dev ftpr1
ip -n $R link set ftpr0 up; ip -n $R link set ftpr1 up; ip -n $R link set lo up
ip -n $R route replace 198.51.100.0/24 dev ftpr1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip -n $S addr add 198.51.100.7/24 dev ftps0; ip -n $S link set ftps0 up; ip -n $S link set lo up
ip -n $S route replace default dev ftps0
ip netns exec $R iptables-legacy -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
ip netns exec $R iptables-legacy -t nat -A POSTROUTING -o ftpr1 -j MASQUERADE
ip netns exec $S tcpdump -i ftps0 -w "$W/srv.pcap" -U -s 0 tcp 2>/dev/null & T1=$!
ip netns exec $C tcpdump -i ftpc0 -w "$W/cli.pcap" -U -s 0 tcp 2>/dev/null & T2=$!
sleep 1
ip netns exec $S python3 "$W/srv.py" & SP=$!
sleep 0.5
ip netns exec $C python3 "$W/cli.py"
wait $SP
ip netns exec $R conntrack -L expect >&2
sleep 0.5
kill $T1 $T2; wait $T1 $T2 2>/dev/null
/usr/bin/python3 "$W/mkfix.py" "$W"
