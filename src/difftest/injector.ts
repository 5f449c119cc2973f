/**
 * Injection and capture on the peer side of the router, in one Python
 * process (no scapy: plain AF_PACKET sockets). The process opens one
 * socket per peer namespace (setns into each, then back), then plays the
 * packet list on one timeline: frame i is written on its peer's link, and
 * every frame any peer receives before frame i+1 is sent is attributed to
 * slot i. The router handles an injected frame synchronously in the
 * sender's softirq (veth_xmit -> netif_rx), so its answers are queued on the
 * peers' sockets long before the next slot; the gap only keeps the order
 * unambiguous. The script is written to a temp dir at run time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PeerLink {
  /** Namespace of the peer (ip netns name). */
  ns: string;
  /** The peer's end of the veth inside that namespace. */
  ifname: string;
  /** Ethernet source of injected frames (the peer's MAC) and destination (the router's MAC on that link). */
  mac: string;
  routerMac: string;
}

export interface InjectPacket { peer: number; hex: string; /** Seconds to wait (capturing into the previous slot) before this packet. */ delay?: number; }

export interface CapturedFrame {
  peer: number;
  /** Index of the last packet injected before this frame was received. */
  slot: number;
  /** Whole Ethernet frame. */
  hex: string;
}

export interface InjectResult {
  /** Seconds since the first injection at which each packet was written. */
  sent: number[];
  frames: CapturedFrame[];
  /** Frames seen before the first injection (stray traffic: reported, not compared). */
  stray: CapturedFrame[];
  /** Packets the peer could not write (e.g. larger than the link's MTU). */
  errors?: string[];
}

const SCRIPT = String.raw`
import ctypes, json, os, select, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
spec = json.load(open(sys.argv[1]))
home = os.open('/proc/self/ns/net', os.O_RDONLY)
socks = []
for p in spec['peers']:
    fd = os.open('/var/run/netns/' + p['ns'], os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns ' + p['ns'])
    os.close(fd)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((p['ifname'], 0))
    s.setblocking(False)
    socks.append(s)
libc.setns(home, CLONE_NEWNET)
mac = lambda m: bytes.fromhex(m.replace(':', ''))
heads = [mac(p['routerMac']) + mac(p['mac']) for p in spec['peers']]
out = {'sent': [], 'frames': [], 'stray': []}
def drain(slot, until, into):
    while True:
        rem = until - time.monotonic()
        if rem <= 0:
            return
        r, _, _ = select.select(socks, [], [], rem)
        for s in r:
            while True:
                try:
                    data, addr = s.recvfrom(70000)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                into.append({'peer': socks.index(s), 'slot': slot, 'hex': data.hex()})
drain(-1, time.monotonic() + spec['settle'], out['stray'])
gap = spec['gap']
t0 = time.monotonic()
for i, pk in enumerate(spec['packets']):
    if pk.get('delay'):
        drain(i - 1, time.monotonic() + pk['delay'], out['frames'])
    ip = bytes.fromhex(pk['hex'])
    et = b'\x86\xdd' if ip[0] >> 4 == 6 else b'\x08\x00'
    t = time.monotonic()
    try:
        socks[pk['peer']].send(heads[pk['peer']] + et + ip)
    except OSError as e:
        out.setdefault('errors', []).append('packet %d: %s' % (i, e))
    out['sent'].append(t - t0)
    last = i == len(spec['packets']) - 1
    drain(i, t + (spec['tail'] if last else gap), out['frames'])
json.dump(out, sys.stdout)
`;

let pythonBin: string | null | undefined;

/** A python3 able to run the script (Debian's first: a PATH python may be a pyenv shim). */
export function findPython(): string | null {
  if (pythonBin !== undefined) return pythonBin;
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import socket, ctypes; socket.AF_PACKET']);
    if (r.status === 0) return (pythonBin = p);
  }
  return (pythonBin = null);
}

/** Plays `packets` from the peers and returns what every peer captured, slot by slot. */
export function injectAndCapture(peers: PeerLink[], packets: InjectPacket[], o: { gapMs?: number; tailMs?: number; settleMs?: number } = {}): InjectResult {
  const py = findPython();
  if (!py) throw new Error('no python3 with AF_PACKET sockets');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 'inject.py'), SCRIPT);
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
      peers, packets, gap: (o.gapMs ?? 12) / 1000, tail: (o.tailMs ?? 120) / 1000, settle: (o.settleMs ?? 20) / 1000,
    }));
    const r = spawnSync(py, [path.join(dir, 'inject.py'), path.join(dir, 'spec.json')], { maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`injector failed: ${r.stderr.toString()}`);
    return JSON.parse(r.stdout.toString()) as InjectResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
