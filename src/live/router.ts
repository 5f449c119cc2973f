/**
 * The live router: the engine moving real packets between real devices.
 *
 * Each attached device is a port (src/io/native.ts: a TUN device or an
 * AF_PACKET socket). When a port becomes readable the router reads a batch
 * of packets, hands each to the engine (through the Ethernet link layer on
 * packet ports: ARP, neighbour discovery, MAC headers), collects what the
 * engine emits into per-port transmit batches, and writes each batch with
 * one call. Everything runs on the Node event loop thread, one packet at a
 * time, so a ruleset or host change (reload) lands between two packets:
 * never in the middle of one.
 *
 * Buffers are allocated once per port; the per-packet path copies bytes
 * into them and allocates nothing of its own.
 */
import type { Engine, PacketResult, ReceiveOptions } from '../engine/engine';
import type { Emitted } from '../engine/net';
import { ifaceByName, type Host } from '../host/model';
import {
  completeChecksum, parseVnetHdr, segmentOffloaded, segmentTcp, VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6, VnetHdr,
} from '../io/offload';
import type { Attachment } from './attach';
import { TcpFrame, tcpFrame, writeGsoHeader } from './gso';

/** A real device, as src/io/native.ts opens it. */
export interface Port {
  readonly kind: 'tun' | 'packet';
  readonly name: string;
  readonly vnetHdr: boolean;
  recv(buf: Buffer, slotSize: number, lens: Uint32Array): number;
  send(buf: Buffer, offs: Uint32Array, lens: Uint32Array, n: number): number;
  onReadable(cb: () => void): void;
  close(): void;
}

/** The Ethernet link layer (src/link/ethlink.ts) as the router uses it. */
export interface LinkLayer {
  input(dev: string, frame: Uint8Array, off: number, len: number, rx?: ReceiveOptions): PacketResult | null;
  output(dev: string, buf: Uint8Array, off: number, len: number, origin: string): void;
  tick(): void;
}

/** virtio_net_hdr without mergeable buffers (include/uapi/linux/virtio_net.h): 10 bytes. */
export const VNET_HDR_LEN = 10;

const RX_BATCH = 64;
/** A GSO super-packet can be 64 KiB of IP plus the Ethernet and virtio-net headers. */
const RX_SLOT = 65536 + 256;
const TX_BATCH = 64;
const TX_SLOT = 65536 + 256;

export interface PortStats { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; txDropped: number; }

class PortState {
  readonly rx: Buffer;
  readonly rxLens = new Uint32Array(RX_BATCH);
  readonly tx: Buffer;
  readonly txOffs = new Uint32Array(TX_BATCH);
  readonly txLens = new Uint32Array(TX_BATCH);
  txN = 0;
  /** The interface's MTU, read from the host it was last looked up in (a reload replaces the host). */
  mtu = 1500;
  mtuHost: Host | null = null;
  readonly stats: PortStats = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, txDropped: 0 };
  constructor(readonly att: Attachment, readonly port: Port) {
    this.rx = Buffer.alloc(RX_SLOT * RX_BATCH);
    this.tx = Buffer.alloc(TX_SLOT * TX_BATCH);
    for (let i = 0; i < TX_BATCH; i++) this.txOffs[i] = i * TX_SLOT;
  }
}

export interface RouterOptions {
  engine: Engine;
  /** Set once the engine exists: the router's emit() must be the engine's onEmit. */
  link: LinkLayer | null;
  /** Completes partial checksums (the addon's C version; src/io/offload.ts completeChecksum by default). */
  completeCsum?: (buf: Buffer, off: number, len: number, csumStart: number, csumOffset: number) => boolean;
  /** Called after every batch: drain the engine's log lines, etc. */
  afterBatch?: () => void;
}

export class Router {
  private readonly ports = new Map<string, PortState>();
  private readonly byPort: PortState[] = [];
  engine: Engine;
  link: LinkLayer | null;
  private readonly afterBatch?: () => void;
  private readonly completeCsum: (buf: Buffer, off: number, len: number, csumStart: number, csumOffset: number) => boolean;
  /** Emitted packets for interfaces with no device attached. */
  unattachedDrops = 0;
  /** Received packets dropped for a bad virtio-net header or an offload that cannot be completed. */
  offloadDrops = 0;
  private current = '';
  private readonly plainRx: ReceiveOptions = { gsoSize: 0, checksumTrusted: false };
  private readonly rxOpts: ReceiveOptions = { gsoSize: 0, checksumTrusted: false };
  private readonly deliverRx = (b: Uint8Array, off: number, len: number): void => this.input(this.current, b, off, len, this.plainRx);
  private readonly vh = new VnetHdr();
  private readonly tf = new TcpFrame();
  private readonly segOut = new Uint8Array(65536 + 256);
  /** gso_size of the super-packet being handled (0 when it is a plain packet). */
  private curGso = 0;
  private segPort: PortState | null = null;
  private readonly segEmit = (b: Uint8Array, off: number, len: number): void => this.queuePlain(this.segPort!, b, off, len);

  constructor(o: RouterOptions) {
    this.engine = o.engine;
    this.link = o.link;
    this.afterBatch = o.afterBatch;
    this.completeCsum = o.completeCsum ?? completeChecksum;
  }

  /** Wires a port to an interface of the host and starts reading from it. */
  attach(att: Attachment, port: Port): void {
    const st = new PortState(att, port);
    this.ports.set(att.iface, st);
    this.byPort.push(st);
    port.onReadable(() => this.poll(st));
  }

  stats(): { iface: string; kind: string; dev: string; stats: PortStats }[] {
    return this.byPort.map((s) => ({ iface: s.att.iface, kind: s.att.kind, dev: s.att.dev, stats: { ...s.stats } }));
  }

  /** Reads batches until the device has nothing more, then flushes every transmit batch. */
  poll(st: PortState): void {
    const vnet = st.port.vnetHdr;
    for (let round = 0; round < 16; round++) {
      const n = st.port.recv(st.rx, RX_SLOT, st.rxLens);
      for (let i = 0; i < n; i++) {
        const off = i * RX_SLOT, len = st.rxLens[i];
        st.stats.rxPackets++;
        st.stats.rxBytes += len;
        if (vnet) this.rxVnet(st, off, len);
        else this.input(st.att.iface, st.rx, off, len, this.plainRx);
      }
      if (n < RX_BATCH) break;
    }
    this.flush();
    this.afterBatch?.();
  }

  /**
   * A packet read with its virtio-net header. A partial checksum is
   * completed (the engine's NAT updates checksums incrementally, which needs
   * a whole one) and then trusted, as the kernel trusts CHECKSUM_PARTIAL. A
   * TCP super-packet goes through the engine whole (GRO/GSO skbs cross
   * netfilter once); other offloads are cut into segments first.
   */
  private rxVnet(st: PortState, off: number, len: number): void {
    const b = st.rx;
    if (len < VNET_HDR_LEN) { this.offloadDrops++; return; }
    const h = parseVnetHdr(b, off, this.vh);
    const f = off + VNET_HDR_LEN, flen = len - VNET_HDR_LEN;
    const gso = h.gsoType & ~VIRTIO_NET_HDR_GSO_ECN;
    if (gso !== VIRTIO_NET_HDR_GSO_NONE && gso !== VIRTIO_NET_HDR_GSO_TCPV4 && gso !== VIRTIO_NET_HDR_GSO_TCPV6) {
      this.current = st.att.iface;
      if (segmentOffloaded(b, off, len, st.att.kind === 'packet', this.segOut, this.deliverRx) < 0) this.offloadDrops++;
      return;
    }
    let trusted = (h.flags & VIRTIO_NET_HDR_F_DATA_VALID) !== 0;
    if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
      if (!this.completeCsum(b, f, flen, h.csumStart, h.csumOffset)) { this.offloadDrops++; return; }
      trusted = true;
    }
    this.rxOpts.gsoSize = gso === VIRTIO_NET_HDR_GSO_NONE ? 0 : h.gsoSize;
    this.rxOpts.checksumTrusted = trusted;
    this.curGso = this.rxOpts.gsoSize ?? 0;
    try {
      this.input(st.att.iface, b, f, flen, this.rxOpts);
    } finally {
      this.curGso = 0;
    }
  }

  private input(iface: string, b: Uint8Array, off: number, len: number, rx: ReceiveOptions): void {
    const st = this.ports.get(iface);
    if (!st) return;
    if (st.att.kind === 'packet' && this.link) this.link.input(iface, b, off, len, rx);
    else this.engine.receive(iface, b.subarray(off, off + len), rx);
  }

  /** The engine's onEmit: IP packets leaving an interface. */
  readonly emit = (dev: string, buf: Uint8Array, off: number, len: number, origin: Emitted['origin']): void => {
    if (dev === 'local') return; // delivered to the host itself: no sockets of its own in the router
    const st = this.ports.get(dev);
    if (!st) { this.unattachedDrops++; return; }
    if (st.att.kind === 'packet' && this.link) this.link.output(dev, buf, off, len, origin);
    else this.queue(st, buf, off, len);
  };

  /** The link layer's frame sink: a whole frame for a packet port. */
  readonly frameOut = (dev: string, frame: Uint8Array, off: number, len: number): void => {
    const st = this.ports.get(dev);
    if (!st) { this.unattachedDrops++; return; }
    this.queue(st, frame, off, len);
  };

  /**
   * Queues a frame for the port. A frame longer than the device's MTU is a
   * TCP super-packet the engine let through: handed to the kernel whole for
   * segmentation on a virtio-net port, cut here otherwise.
   */
  private queue(st: PortState, b: Uint8Array, off: number, len: number): void {
    const l2 = st.att.kind === 'packet' ? 14 : 0;
    if (st.mtuHost !== this.engine.host) {
      st.mtuHost = this.engine.host;
      st.mtu = ifaceByName(st.mtuHost, st.att.iface)?.mtu ?? 1500;
    }
    const mtu = st.mtu;
    if (len - l2 <= mtu) { this.queuePlain(st, b, off, len); return; }
    const t = this.tf;
    if (!tcpFrame(b, off, len, l2, t)) { st.stats.txDropped++; return; }
    const seg = this.curGso > 0 ? this.curGso : mtu - (t.l4 - t.l3) - t.thl;
    if (seg <= 0) { st.stats.txDropped++; return; }
    if (st.port.vnetHdr && len + VNET_HDR_LEN <= TX_SLOT) {
      if (st.txN === TX_BATCH) this.flushPort(st);
      const o = st.txOffs[st.txN];
      st.tx.set(b.subarray(off, off + len), o + VNET_HDR_LEN);
      if (!writeGsoHeader(st.tx, o, o + VNET_HDR_LEN + len, l2, seg, t)) { st.stats.txDropped++; return; }
      st.txLens[st.txN] = len + VNET_HDR_LEN;
      st.txN++;
      return;
    }
    this.segPort = st;
    if (segmentTcp(b, off, len, l2, seg, this.segOut, this.segEmit) < 0) st.stats.txDropped++;
    this.segPort = null;
  }

  private queuePlain(st: PortState, b: Uint8Array, off: number, len: number): void {
    const hdr = st.port.vnetHdr ? VNET_HDR_LEN : 0;
    if (len + hdr > TX_SLOT) { st.stats.txDropped++; return; }
    if (st.txN === TX_BATCH) this.flushPort(st);
    const o = st.txOffs[st.txN];
    // A zeroed virtio-net header: no offload asked of the device for what we send.
    if (hdr) st.tx.fill(0, o, o + hdr);
    st.tx.set(b.subarray(off, off + len), o + hdr);
    st.txLens[st.txN] = len + hdr;
    st.txN++;
  }

  flush(): void {
    for (let i = 0; i < this.byPort.length; i++) if (this.byPort[i].txN > 0) this.flushPort(this.byPort[i]);
  }

  private flushPort(st: PortState): void {
    const n = st.txN;
    st.txN = 0;
    const sent = st.port.send(st.tx, st.txOffs, st.txLens, n);
    const hdr = st.port.vnetHdr ? VNET_HDR_LEN : 0;
    for (let i = 0; i < sent; i++) { st.stats.txPackets++; st.stats.txBytes += st.txLens[i] - hdr; }
    // A full device queue drops, as a full qdisc would.
    st.stats.txDropped += n - sent;
  }

  /** Timers: neighbour retransmissions and failures, reassembly timeouts. */
  tick(): void {
    this.link?.tick();
    this.engine.expire();
    this.flush();
    this.afterBatch?.();
  }

  close(): void {
    for (const st of this.byPort) st.port.close();
    this.ports.clear();
    this.byPort.length = 0;
  }
}
