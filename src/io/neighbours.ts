/**
 * Link-layer addresses for replayed packets written as Ethernet frames.
 *
 * The engine works from the IP header, so a packet leaving an interface has
 * no Ethernet header; the replay writes one as the host would: source = the
 * out interface's MAC (host model), destination = the next hop's MAC. The
 * next hop is the route's gateway or the destination itself (on-link), and
 * its MAC is learned from the input captures the way ARP/ND would have
 * resolved it: a frame received on DEV from source IP S says that the next
 * hop towards S on DEV (S itself, or the gateway of S's route) has the
 * frame's source MAC. Replies therefore go back to the MAC that the
 * original came from. Multicast and broadcast use their fixed mappings
 * (RFC 1112 01:00:5e + low 23 bits, RFC 2464 33:33 + low 32 bits,
 * ff:ff:ff:ff:ff:ff). A next hop never seen in the input gets the
 * placeholder 00:00:00:00:00:00 (what Linux itself puts on a NOARP device).
 */
import { lookupFib } from '../host/fib';
import type { Host } from '../host/model';

export const PLACEHOLDER_MAC = new Uint8Array(6);
const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** Learned entries per interface at most (bounded memory on any capture). */
const MAX_PER_DEV = 65536;

export class NeighbourTable {
  private readonly byDev = new Map<number, Map<string, Uint8Array>>();
  private readonly a4 = new Uint8Array(4);
  private readonly a16 = new Uint8Array(16);

  constructor(private readonly host: Host) {}

  /** Learns from an Ethernet frame received on ifindex `dev`: IP header at `ip`, source MAC at `mac`. */
  learn(dev: number, b: Uint8Array, ip: number, mac: number): void {
    const addr = this.copyAddr(b, ip + ((b[ip] >> 4) === 6 ? 8 : 12), (b[ip] >> 4) === 6 ? 16 : 4);
    if (!addr) return;
    const route = lookupFib(this.host, addr.length === 4 ? 4 : 6, addr);
    if (!route || route.dev !== dev || (route.type !== 'unicast')) return;
    const key = keyOf(route.gw ?? addr);
    let m = this.byDev.get(dev);
    if (!m) { m = new Map(); this.byDev.set(dev, m); }
    const old = m.get(key);
    if (old) { for (let i = 0; i < 6; i++) old[i] = b[mac + i]; return; }
    if (m.size >= MAX_PER_DEV) return;
    m.set(key, b.slice(mac, mac + 6));
  }

  /** The destination MAC for a packet (IP header at b[ip]) leaving on ifindex `dev`. */
  resolve(dev: number, b: Uint8Array, ip: number, out: Uint8Array, outOff: number): void {
    const v6 = (b[ip] >> 4) === 6;
    const d = ip + (v6 ? 24 : 16);
    if (v6 && b[d] === 0xff) {
      out[outOff] = 0x33; out[outOff + 1] = 0x33;
      for (let i = 0; i < 4; i++) out[outOff + 2 + i] = b[d + 12 + i];
      return;
    }
    if (!v6 && (b[d] & 0xf0) === 0xe0) {
      out[outOff] = 0x01; out[outOff + 1] = 0x00; out[outOff + 2] = 0x5e;
      out[outOff + 3] = b[d + 1] & 0x7f; out[outOff + 4] = b[d + 2]; out[outOff + 5] = b[d + 3];
      return;
    }
    let mac: Uint8Array = PLACEHOLDER_MAC;
    const addr = this.copyAddr(b, d, v6 ? 16 : 4);
    if (addr) {
      const route = lookupFib(this.host, v6 ? 6 : 4, addr);
      if (route && route.type === 'broadcast') mac = BROADCAST_MAC;
      else if (!v6 && b[d] === 255 && b[d + 1] === 255 && b[d + 2] === 255 && b[d + 3] === 255) mac = BROADCAST_MAC;
      else {
        const learned = this.byDev.get(dev)?.get(keyOf(route?.gw ?? addr));
        if (learned) mac = learned;
      }
    }
    for (let i = 0; i < 6; i++) out[outOff + i] = mac[i];
  }

  private copyAddr(b: Uint8Array, off: number, n: number): Uint8Array | null {
    if (off + n > b.length) return null;
    const a = n === 4 ? this.a4 : this.a16;
    for (let i = 0; i < n; i++) a[i] = b[off + i];
    return a;
  }
}

function keyOf(a: Uint8Array): string {
  let s = '';
  for (let i = 0; i < a.length; i++) s += (a[i] < 16 ? '0' : '') + a[i].toString(16);
  return s;
}
