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
import type { Engine, PacketResult } from '../engine/engine';
import type { Emitted } from '../engine/net';
import type { Attachment } from './attach';

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
  input(dev: string, frame: Uint8Array, off: number, len: number): PacketResult | null;
  output(dev: string, buf: Uint8Array, off: number, len: number, origin: string): void;
  tick(): void;
}

/**
 * Received packets as the device hands them over: with a virtio-net header
 * first (vnetHdr ports) the offload work is done here: partial checksums
 * completed, GSO super-packets cut into segments. `deliver` is called for
 * each resulting packet (bytes valid only during the call).
 */
export type RxOffload = (buf: Uint8Array, off: number, len: number, ethernet: boolean, deliver: (b: Uint8Array, off: number, len: number) => void) => void;

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
  rxOffload?: RxOffload;
  /** Called after every batch: drain the engine's log lines, etc. */
  afterBatch?: () => void;
}

export class Router {
  private readonly ports = new Map<string, PortState>();
  private readonly byPort: PortState[] = [];
  engine: Engine;
  link: LinkLayer | null;
  private readonly rxOffload?: RxOffload;
  private readonly afterBatch?: () => void;
  /** Emitted packets for interfaces with no device attached. */
  unattachedDrops = 0;
  private current = '';
  private readonly deliverRx = (b: Uint8Array, off: number, len: number): void => this.input(this.current, b, off, len);

  constructor(o: RouterOptions) {
    this.engine = o.engine;
    this.link = o.link;
    this.rxOffload = o.rxOffload;
    this.afterBatch = o.afterBatch;
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
        if (vnet && this.rxOffload) {
          this.current = st.att.iface;
          this.rxOffload(st.rx, off, len, st.att.kind === 'packet', this.deliverRx);
        } else if (vnet) {
          this.input(st.att.iface, st.rx, off + VNET_HDR_LEN, len - VNET_HDR_LEN);
        } else {
          this.input(st.att.iface, st.rx, off, len);
        }
      }
      if (n < RX_BATCH) break;
    }
    this.flush();
    this.afterBatch?.();
  }

  private input(iface: string, b: Uint8Array, off: number, len: number): void {
    const st = this.ports.get(iface);
    if (!st) return;
    if (st.att.kind === 'packet' && this.link) this.link.input(iface, b, off, len);
    else this.engine.receive(iface, b.subarray(off, off + len));
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

  private queue(st: PortState, b: Uint8Array, off: number, len: number): void {
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
