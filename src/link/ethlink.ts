/**
 * The Ethernet link layer of the live router: what the kernel does below
 * IP on an Ethernet device, for a host that is netsieve itself.
 *
 * - Received frames (eth_type_trans, arp_rcv, ip_rcv): a frame for another
 *   unicast MAC is PACKET_OTHERHOST and dropped; ours, broadcast and
 *   multicast are taken. VLAN-tagged frames are dropped (no VLAN devices).
 *   ARP is answered and learned here (net/ipv4/arp.c arp_process) and never
 *   crosses iptables (that would be arptables). IPv4/IPv6 go to the engine.
 * - Neighbour discovery crosses ip6tables as in the kernel (ndisc_rcv runs
 *   after INPUT, ndisc_send_skb uses LOCAL_OUT): an NS is handed to the
 *   engine, whose local stack answers it (localstack.ts); what it teaches
 *   (ndisc_recv_ns: SLLAO -> STALE; ndisc_recv_na: TLLAO -> REACHABLE when
 *   solicited) is learned only when the engine delivered it.
 * - Output (ip_finish_output2 / ip6_finish_output2): next hop = the route's
 *   gateway or the destination; broadcast and multicast map to fixed MACs
 *   (RFC 1112 01:00:5e, RFC 2464 33:33, ff:ff:ff:ff:ff:ff); otherwise the
 *   neighbour table resolves, queues and solicits (arp_solicit /
 *   ndisc_solicit). Solicitations for IPv6 go through the engine
 *   (OUTPUT/POSTROUTING); ARP requests do not.
 * - Failure: queued packets get ICMP host unreachable / ICMPv6 address
 *   unreachable (arp_error_report / ndisc_error_report -> dst_link_failure).
 *
 * A packet leaving with a known neighbour allocates nothing: one frame
 * buffer is reused, and out() gets it only for the duration of the call.
 */
import type { Engine, PacketResult, ReceiveOptions } from '../engine/engine';
import { sendIcmpError } from '../engine/localstack';
import { lookupFib } from '../host/fib';
import { ifaceByIndex, ifaceByName, type Host, type Iface } from '../host/model';
import {
  NEIGH_UPDATE_F_ISROUTER, NEIGH_UPDATE_F_OVERRIDE, NEIGH_UPDATE_F_OVERRIDE_ISROUTER, NEIGH_UPDATE_F_WEAK_OVERRIDE,
  NUD_FAILED, NUD_REACHABLE, NUD_STALE, type NeighEntry, type NeighSink, type NeighTable,
} from '../host/neigh';
import { effectiveRpFilter, readSysctl } from '../host/sysctl';
import { ArpMessage, ARPOP_REPLY, ARPOP_REQUEST, ARP_FRAME_LEN, BROADCAST_MAC, buildArpFrame, ipv4MulticastMac, parseArp } from '../wire/arp';
import { get16, put16 } from '../wire/checksum';
import { ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6 } from '../wire/ethernet';
import { NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION } from '../wire/icmpv6';
import { buildNs, ipv6MulticastMac, ND_NA_OVERRIDE, ND_NA_ROUTER, ND_NA_SOLICITED, NdMessage, parseNdisc, solicitedNode } from '../wire/ndisc';
import { PacketView } from '../wire/packet';

export type FrameSink = (dev: string, frame: Uint8Array, off: number, len: number) => void;

const MAX_FRAME = 65535 + 64 + ETH_HLEN;

function macAt(b: Uint8Array, off: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (b[off + i] !== mac[i]) return false;
  return true;
}

const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** An ICMPv6 message of `type` right after a bare IPv6 header at b[off]. */
function isIcmp6Type(b: Uint8Array, off: number, len: number, type: number): boolean {
  return len >= 41 && (b[off] >> 4) === 6 && b[off + 6] === 58 && b[off + 40] === type;
}

export class EthLink {
  private readonly engine: Engine;
  /** The engine's host: the one a reload (ip, sysctl, SIGHUP) put there. */
  private get host(): Host { return this.engine.host; }
  private readonly neigh: NeighTable;
  private readonly out: FrameSink;
  private readonly l3Devs: Set<string>;
  private readonly frame = new Uint8Array(MAX_FRAME);
  private readonly arpBuf = new Uint8Array(ARP_FRAME_LEN);
  private readonly nsBuf = new Uint8Array(128);
  private readonly arp = new ArpMessage();
  private readonly nd = new NdMessage();
  private readonly a4 = new Uint8Array(4);
  private readonly a16 = new Uint8Array(16);
  private readonly mac = new Uint8Array(6);
  /** Calls into the engine made here, and output() calls (always from inside the engine). */
  private inEngine = 0;
  /** An NS or NA received on pendDev, learned once the engine delivers it. */
  private pendArmed = false;
  private pendDev: Iface | null = null;
  /** The device an NS being sent must leave on (the engine routes link-scope destinations without an oif). */
  private forceDev: Iface | null = null;

  constructor(o: { engine: Engine; host: Host; neigh: NeighTable; out: FrameSink; l3Devs?: Set<string> }) {
    this.engine = o.engine;
    this.neigh = o.neigh;
    this.out = o.out;
    this.l3Devs = o.l3Devs ?? new Set();
    const sink: NeighSink = {
      solicit: (e, unicast, tail) => this.solicit(e, unicast, tail),
      transmit: (e, pkt) => {
        const i = ifaceByIndex(this.host, e.ifindex);
        if (i) this.emit(i, e.lladdr, 0, pkt, 0, pkt.length);
      },
      unreachable: (e, pkt) => this.unreachable(e, pkt),
    };
    this.neigh.sink = sink;
  }

  private readonly rxOpts: ReceiveOptions = { ethernet: false, gsoSize: 0, checksumTrusted: false };

  private now(): number { return this.engine.net.clock.now(); }

  /** A frame received on dev (Ethernet unless dev is L3): ARP handled here, IP handed to engine.receive. */
  input(dev: string, frame: Uint8Array, off: number, len: number, rx?: ReceiveOptions): PacketResult | null {
    if (this.l3Devs.has(dev)) return this.receive(dev, frame, off, len, false, rx);
    const iface = ifaceByName(this.host, dev);
    if (!iface || !iface.up || len < ETH_HLEN) return null;
    // eth_type_trans: PACKET_OTHERHOST for a unicast MAC not ours; ip_rcv / arp_rcv drop those.
    if ((frame[off] & 1) === 0 && !macAt(frame, off, iface.mac)) return null;
    const type = get16(frame, off + 12);
    if (type === ETH_P_8021Q || type === ETH_P_8021AD) return null;
    if (type === ETH_P_ARP) { this.arpInput(iface, frame, off, len); return null; }
    if (type !== ETH_P_IP && type !== ETH_P_IPV6) return null;
    this.pendArmed = type === ETH_P_IPV6 && parseNdisc(frame, off + ETH_HLEN, off + len, this.nd);
    this.pendDev = iface;
    try {
      const r = this.receive(dev, frame, off, len, true, rx);
      if (this.pendArmed && r.fate === 'delivered') this.ndLearn(iface);
      return r;
    } finally {
      this.pendArmed = false;
      this.pendDev = null;
    }
  }

  private receive(dev: string, frame: Uint8Array, off: number, len: number, ethernet: boolean, rx?: ReceiveOptions): PacketResult {
    const bytes = off === 0 && len === frame.length ? frame : frame.subarray(off, off + len);
    // One options object, refilled per packet (GSO size and checksum trust come from the device).
    const o = this.rxOpts;
    o.ethernet = ethernet;
    o.gsoSize = rx?.gsoSize ?? 0;
    o.checksumTrusted = rx?.checksumTrusted ?? false;
    this.inEngine++;
    try {
      return this.engine.receive(dev, bytes, o);
    } finally {
      this.inEngine--;
    }
  }

  /** Use as (or call from) the Engine's onEmit: an IP packet leaving dev gets its Ethernet header and goes to out(). */
  output(dev: string, buf: Uint8Array, off: number, len: number, origin: string): void {
    if (origin === 'deliver' || dev === 'local' || len < 20) return;
    if (this.l3Devs.has(dev)) { this.out(dev, buf, off, len); return; }
    let iface = ifaceByName(this.host, dev);
    const v6 = (buf[off] >> 4) === 6;
    if (v6 && this.pendArmed && origin === 'stack' && isIcmp6Type(buf, off, len, NDISC_NEIGHBOUR_ADVERTISEMENT)) {
      // Our answer to the NS being received: ndisc_recv_ns learned the solicitor before answering,
      // and the answer leaves where the NS came in (the engine routes fe80:: without an oif).
      iface = this.pendDev ?? iface;
      this.pendArmed = false;
      if (this.pendDev) this.ndLearn(this.pendDev);
    } else if (v6 && this.forceDev && isIcmp6Type(buf, off, len, NDISC_NEIGHBOUR_SOLICITATION)) {
      iface = this.forceDev;
    }
    if (!iface) return;
    this.inEngine++;
    try {
      if (v6) this.output6(iface, buf, off, len);
      else this.output4(iface, buf, off, len);
    } finally {
      this.inEngine--;
    }
  }

  private output4(iface: Iface, buf: Uint8Array, off: number, len: number): void {
    const d = off + 16;
    const a = this.a4;
    for (let i = 0; i < 4; i++) a[i] = buf[d + i];
    if (a[0] === 255 && a[1] === 255 && a[2] === 255 && a[3] === 255) { this.emit(iface, BROADCAST_MAC, 0, buf, off, len); return; }
    if ((a[0] & 0xf0) === 0xe0) { ipv4MulticastMac(buf, d, this.mac, 0); this.emit(iface, this.mac, 0, buf, off, len); return; }
    const r = lookupFib(this.host, 4, a);
    if (r !== null && r.type === 'broadcast') { this.emit(iface, BROADCAST_MAC, 0, buf, off, len); return; }
    // rt_nexthop: the gateway when the route has one on a link (nhScope link), else the destination.
    const nh = r !== null && r.gw !== null && r.dev === iface.index && r.nhScope === 'link' ? r.gw : a;
    this.resolve(iface, 4, nh, buf, off, len);
  }

  private output6(iface: Iface, buf: Uint8Array, off: number, len: number): void {
    if (len < 40) return;
    const d = off + 24;
    if (buf[d] === 0xff) { ipv6MulticastMac(buf, d, this.mac, 0); this.emit(iface, this.mac, 0, buf, off, len); return; }
    const a = this.a16;
    for (let i = 0; i < 16; i++) a[i] = buf[d + i];
    const r = lookupFib(this.host, 6, a);
    const nh = r !== null && r.gw !== null && r.dev === iface.index ? r.gw : a;
    this.resolve(iface, 6, nh, buf, off, len);
  }

  private resolve(iface: Iface, family: 4 | 6, nh: Uint8Array, buf: Uint8Array, off: number, len: number): void {
    const now = this.now();
    const e = this.neigh.lookup(iface.index, family, nh, 0) ?? this.neigh.create(iface.index, family, nh, 0, now);
    if (e === null) return;
    if (this.neigh.output(e, buf, off, len, now)) this.emit(iface, e.lladdr, 0, buf, off, len);
  }

  /** Ethernet header + the IP packet, into the one frame buffer, then out(). */
  private emit(iface: Iface, dst: Uint8Array, dstOff: number, pkt: Uint8Array, off: number, len: number): void {
    const f = this.frame;
    if (len + ETH_HLEN > f.length) return;
    for (let i = 0; i < 6; i++) { f[i] = dst[dstOff + i]; f[6 + i] = iface.mac[i]; }
    put16(f, 12, (pkt[off] >> 4) === 6 ? ETH_P_IPV6 : ETH_P_IP);
    f.set(pkt.subarray(off, off + len), ETH_HLEN);
    this.out(iface.name, f, 0, len + ETH_HLEN);
  }

  // --- ARP ----------------------------------------------------------------------

  private setA4(x: number): Uint8Array {
    const a = this.a4;
    a[0] = x >>> 24; a[1] = (x >>> 16) & 0xff; a[2] = (x >>> 8) & 0xff; a[3] = x & 0xff;
    return a;
  }

  private isLocal4(x: number): boolean {
    return lookupFib(this.host, 4, this.setA4(x))?.type === 'local';
  }

  /** arp_ignore (max of all and the device): 0 any local address, 1 only the device's, 2 also sender in its subnet, 8 never. */
  private arpIgnore(iface: Iface, sip: number, tip: number): boolean {
    const v = Math.max(Number(readSysctl(this.host, 'net.ipv4.conf.all.arp_ignore') ?? '0'), Number(readSysctl(this.host, `net.ipv4.conf.${iface.name}.arp_ignore`) ?? '0'));
    if (v === 8) return true;
    if (v !== 1 && v !== 2) return false;
    for (const a of iface.addrs4) {
      if (u32(a.addr, 0) !== tip) continue;
      if (v === 1) return false;
      const mask = a.plen === 0 ? 0 : (0xffffffff << (32 - a.plen)) >>> 0;
      if (((sip & mask) >>> 0) === ((tip & mask) >>> 0)) return false;
    }
    return true;
  }

  /** ip_route_input_noref(tip, sip, dev) gives a local route: tip is ours and sip passes fib_validate_source. */
  private requestForUs(iface: Iface, sip: number, tip: number): boolean {
    if (!this.isLocal4(tip)) return false;
    if (sip === 0xffffffff || (sip >>> 28) === 0xe || (sip >>> 24) === 0) return false;
    const back = lookupFib(this.host, 4, this.setA4(sip));
    if (back?.type === 'local') {
      const al = readSysctl(this.host, 'net.ipv4.conf.all.accept_local') === '1' || readSysctl(this.host, `net.ipv4.conf.${iface.name}.accept_local`) === '1';
      if (!al) return false;
    }
    const rp = effectiveRpFilter(this.host, iface.name);
    if (rp === 1 && (!back || back.dev !== iface.index)) return false;
    if (rp === 2 && (!back || (back.type !== 'unicast' && back.type !== 'local'))) return false;
    return true;
  }

  /** arp_process, for Ethernet with arp_accept = 0 and no proxy ARP. */
  private arpInput(iface: Iface, b: Uint8Array, off: number, len: number): void {
    const m = this.arp;
    if (!parseArp(b, off + ETH_HLEN, off + len, m)) return;
    const sip = m.spa, tip = m.tpa;
    if ((tip >>> 28) === 0xe) return;
    if ((tip >>> 24) === 127 && readSysctl(this.host, `net.ipv4.conf.${iface.name}.route_localnet`) !== '1') return;
    const now = this.now();
    const toUs = (b[off] & 1) === 0;
    if (sip === 0) {
      // RFC 2131 duplicate address probe: answered (to its sender's MAC), nothing learned.
      if (m.op === ARPOP_REQUEST && this.isLocal4(tip) && !this.arpIgnore(iface, sip, tip)) this.arpReply(iface, b, m.sha, sip, tip);
      return;
    }
    if (m.op === ARPOP_REQUEST && this.requestForUs(iface, sip, tip)) {
      if (!this.arpIgnore(iface, sip, tip)) {
        // neigh_event_ns: the sender is created or refreshed as STALE, then answered.
        const e = this.neigh.create(iface.index, 4, b, m.spaOff, now);
        if (e) {
          this.neigh.update(e, b, m.sha, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, now);
          this.arpReply(iface, b, m.sha, sip, tip);
        }
      }
      return;
    }
    // "Update our ARP tables": only an entry we already have (arp_accept = 0).
    const e = this.neigh.lookup(iface.index, 4, b, m.spaOff);
    if (!e) return;
    let garp = sip === tip;
    if (garp && m.op === ARPOP_REPLY) garp = macAt(b, m.tha, b.subarray(m.sha, m.sha + 6));
    if (garp) garp = (lookupFib(this.host, 4, this.setA4(sip))?.type ?? 'unicast') === 'unicast';
    const override = now > e.updated + this.neigh.params.locktime || garp;
    // Broadcast replies and requests do not assert reachability.
    const state = m.op === ARPOP_REPLY && toUs ? NUD_REACHABLE : NUD_STALE;
    this.neigh.update(e, b, m.sha, state, override ? NEIGH_UPDATE_F_OVERRIDE : 0, now);
  }

  /** arp_send_dst(ARPOP_REPLY, sip, dev, tip, sha, dev_addr, sha): from our MAC and tip, to the asker. */
  private arpReply(iface: Iface, b: Uint8Array, sha: number, sip: number, tip: number): void {
    const n = buildArpFrame(this.arpBuf, 0, ARPOP_REPLY, b, sha, iface.mac, 0, tip, b, sha, sip);
    this.out(iface.name, this.arpBuf, 0, n);
  }

  /** inet_select_addr(dev, dst, RT_SCOPE_LINK): the device's primary address on dst's subnet, else its first, else any device's. */
  private selectAddr4(iface: Iface, dst: number): number {
    let first = -1;
    for (const a of iface.addrs4) {
      if (a.secondary || a.scope === 'host') continue;
      const mask = a.plen === 0 ? 0 : (0xffffffff << (32 - a.plen)) >>> 0;
      const x = u32(a.addr, 0);
      if (((x & mask) >>> 0) === ((dst & mask) >>> 0)) return x;
      if (first < 0) first = x;
    }
    if (first >= 0) return first;
    for (const i of this.host.ifaces) for (const a of i.addrs4) if (!a.secondary && a.scope !== 'host') return u32(a.addr, 0);
    return 0;
  }

  // --- solicitations and failures ----------------------------------------------------

  private solicit(e: NeighEntry, unicast: boolean, tail: Uint8Array | null): void {
    const iface = ifaceByIndex(this.host, e.ifindex);
    if (!iface || !iface.up) return;
    if (e.family === 4) {
      // arp_solicit with arp_announce = 0: the queued packet's source when it is ours, else inet_select_addr.
      const target = u32(e.addr, 0);
      let saddr = tail !== null && (tail[0] >> 4) === 4 && tail.length >= 20 ? u32(tail, 12) : -1;
      if (saddr < 0 || !this.isLocal4(saddr)) saddr = this.selectAddr4(iface, target);
      const n = buildArpFrame(this.arpBuf, 0, ARPOP_REQUEST, unicast && e.hasLladdr ? e.lladdr : null, 0, iface.mac, 0, saddr, null, 0, target);
      this.out(iface.name, this.arpBuf, 0, n);
      return;
    }
    // ndisc_solicit: the queued packet's source if it is an address of this device, else the link-local address.
    let src: Uint8Array | null = null, srcOff = 0;
    if (tail !== null && tail.length >= 40 && (tail[0] >> 4) === 6) {
      if (this.ownAddr6(iface, tail, 8)) { src = tail; srcOff = 8; }
    }
    if (src === null) {
      const ll = iface.addrs6.find((a) => a.scope === 'link');
      if (!ll) return;
      src = ll.addr;
    }
    const dst = this.a16;
    if (unicast) dst.set(e.addr); else solicitedNode(e.addr, 0, dst, 0);
    const n = buildNs(this.nsBuf, 0, src, srcOff, dst, 0, e.addr, 0, iface.mac, 0);
    this.forceDev = iface;
    try {
      this.sendLocal(this.nsBuf.subarray(0, n), iface.name);
    } finally {
      this.forceDev = null;
    }
  }

  /** A packet of the host's own through OUTPUT/POSTROUTING: net.output when inside the engine (it saves the packet in hand), else engine.send. */
  private sendLocal(bytes: Uint8Array, oif?: string): void {
    if (this.inEngine > 0) { this.engine.net.output(bytes, 'stack', oif); return; }
    this.inEngine++;
    try {
      this.engine.send(bytes, { oif });
    } finally {
      this.inEngine--;
    }
  }

  /** arp_error_report / ndisc_error_report: ICMP host unreachable, ICMPv6 address unreachable, through OUTPUT. */
  private unreachable(e: NeighEntry, pkt: Uint8Array): void {
    const v = new PacketView();
    v.parse(pkt, 0, pkt.length);
    if (!v.l3Ok()) return;
    const net = this.engine.net;
    const type = e.family === 4 ? 3 : 1, code = e.family === 4 ? 1 : 3;
    if (this.inEngine > 0) { sendIcmpError(net, v, type, code, 0); return; }
    // Outside a packet the engine's context is stale: send the error as a local packet
    // (conntrack finds the connection it is about), not as an answer to the last packet.
    const saved = net.output;
    net.output = (bytes) => this.sendLocal(bytes);
    try {
      sendIcmpError(net, v, type, code, 0);
    } finally {
      net.output = saved;
    }
  }

  /** ndisc_recv_ns / ndisc_recv_na for the NS/NA in this.nd, received on iface and delivered. */
  private ndLearn(iface: Iface): void {
    const m = this.nd, b = m.buf, now = this.now();
    if (m.type === NDISC_NEIGHBOUR_SOLICITATION) {
      let unspecified = true;
      for (let i = 0; i < 16; i++) if (b[m.src + i] !== 0) { unspecified = false; break; }
      if (unspecified || !this.ownAddr6(iface, b, m.target)) return;
      const inc = b[m.dst] === 0xff;
      let e = this.neigh.lookup(iface.index, 6, b, m.src);
      if (!e && (!inc || m.sllao >= 0)) e = this.neigh.create(iface.index, 6, b, m.src, now);
      if (e) this.neigh.update(e, m.sllao >= 0 ? b : null, m.sllao, NUD_STALE, NEIGH_UPDATE_F_WEAK_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE, now);
      return;
    }
    if (this.ownAddr6(iface, b, m.target)) return;
    const e = this.neigh.lookup(iface.index, 6, b, m.target);
    if (!e || e.state & NUD_FAILED) return;
    const f = m.flags;
    this.neigh.update(e, m.tllao >= 0 ? b : null, m.tllao, f & ND_NA_SOLICITED ? NUD_REACHABLE : NUD_STALE,
      NEIGH_UPDATE_F_WEAK_OVERRIDE | (f & ND_NA_OVERRIDE ? NEIGH_UPDATE_F_OVERRIDE : 0) | NEIGH_UPDATE_F_OVERRIDE_ISROUTER | (f & ND_NA_ROUTER ? NEIGH_UPDATE_F_ISROUTER : 0), now);
  }

  private ownAddr6(iface: Iface, b: Uint8Array, off: number): boolean {
    outer: for (const a of iface.addrs6) {
      for (let i = 0; i < 16; i++) if (a.addr[i] !== b[off + i]) continue outer;
      return true;
    }
    return false;
  }

  /** Timers: retransmit solicitations, fail entries (ICMP unreachable for their queued packets). */
  tick(): void {
    this.neigh.tick(this.now());
  }
}
