/**
 * The typed face of the native packet I/O addon (native/netsieve_io.c,
 * built into build/Release/netsieve_io.node by scripts/build-native.js).
 * `netsieve run` moves real packets with it: AF_PACKET sockets for
 * Ethernet interfaces, TUN devices for IP-level ones. See docs/native.md.
 *
 * Nothing here allocates on the per-packet path: recv/send take
 * caller-owned buffers and arrays and go straight to the addon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LinkInfo {
  index: number;
  mtu: number;
  mac: Uint8Array;
  up: boolean;
  /** IFF_* flags as SIOCGIFFLAGS reports them (IFF_UP 0x1, IFF_RUNNING 0x40, ...). */
  flags: number;
  /** ARPHRD_* link type: 1 Ethernet, 65534 none (TUN), 512 PPP. */
  hwType: number;
}

/** Counters of what a port dropped on its own, and its last error. */
export interface PortStats {
  /** Received packets longer than the slot (skipped, never passed on cut). */
  rxTruncated: number;
  /** Packets the kernel dropped while handing them over (a GSO type virtio cannot describe). */
  rxDropped: number;
  /** Packets the device refused outright in send() (EMSGSIZE, EINVAL, EIO...); counted as taken. */
  txErrors: number;
  /** The last such error, as "send(eth0): Message too long"; '' when none. */
  lastError: string;
  /** The file descriptor, -1 once closed (for diagnostics). */
  fd: number;
}

export interface PacketPort {
  readonly kind: 'tun' | 'packet';
  readonly name: string;        // the real device name
  readonly vnetHdr: boolean;
  /** Up to lens.length packets into buf (packet i at i*slotSize); returns the count. */
  recv(buf: Buffer, slotSize: number, lens: Uint32Array): number;
  /** Writes n packets; returns how many the device took. */
  send(buf: Buffer, offs: Uint32Array, lens: Uint32Array, n: number): number;
  /** cb runs on the event loop each time the device has packets to read. */
  onReadable(cb: () => void): void;
  close(): void;
  /** What the port dropped by itself so far. */
  stats(): PortStats;
  /** True once close() ran. */
  readonly closed: boolean;
}

export interface NativeIo {
  linkInfo(ifname: string): LinkInfo;
  setLinkUp(ifname: string, up: boolean): void;
  openTun(name: string, opts?: { vnetHdr?: boolean }): PacketPort;
  openPacket(ifname: string, opts?: { vnetHdr?: boolean }): PacketPort;
  /** src/io/offload.ts completeChecksum done in C (for 64 KiB GSO packets): true when the offsets fit. */
  completeCsum(buf: Buffer, off: number, len: number, csumStart: number, csumOffset: number): boolean;
}

/** An opaque handle object from the addon; it carries the device name the kernel gave. */
interface Handle { readonly name: string }

/** The addon's exports (native/netsieve_io.c). */
interface Binding {
  linkInfo(ifname: string): LinkInfo;
  setLinkUp(ifname: string, up: boolean): void;
  openTun(name: string, opts: { vnetHdr: boolean }): Handle;
  openPacket(ifname: string, opts: { vnetHdr: boolean }): Handle;
  recv(h: Handle, buf: Buffer, slotSize: number, lens: Uint32Array): number;
  send(h: Handle, buf: Buffer, offs: Uint32Array, lens: Uint32Array, n: number): number;
  poll(h: Handle, cb: () => void): void;
  close(h: Handle): void;
  stats(h: Handle): PortStats;
  completeCsum(buf: Buffer, off: number, len: number, csumStart: number, csumOffset: number): boolean;
}

const FUNCTIONS = ['linkInfo', 'setLinkUp', 'openTun', 'openPacket', 'recv', 'send', 'poll', 'close', 'stats', 'completeCsum'] as const;

class Port implements PacketPort {
  private isClosed = false;
  constructor(
    private readonly b: Binding,
    private readonly h: Handle,
    readonly kind: 'tun' | 'packet',
    readonly vnetHdr: boolean,
  ) {}

  get name(): string { return this.h.name; }
  get closed(): boolean { return this.isClosed; }

  recv(buf: Buffer, slotSize: number, lens: Uint32Array): number {
    return this.b.recv(this.h, buf, slotSize, lens);
  }

  send(buf: Buffer, offs: Uint32Array, lens: Uint32Array, n: number): number {
    return this.b.send(this.h, buf, offs, lens, n);
  }

  onReadable(cb: () => void): void {
    this.b.poll(this.h, cb);
  }

  close(): void {
    this.isClosed = true;
    this.b.close(this.h);
  }

  stats(): PortStats {
    const s = this.b.stats(this.h);
    return { rxTruncated: s.rxTruncated, rxDropped: s.rxDropped, txErrors: s.txErrors, lastError: s.lastError, fd: s.fd };
  }
}

function wrap(b: Binding): NativeIo {
  return {
    linkInfo: (ifname) => b.linkInfo(ifname),
    completeCsum: (buf, off, len, start, offset) => b.completeCsum(buf, off, len, start, offset),
    setLinkUp: (ifname, up) => b.setLinkUp(ifname, up),
    openTun: (name, opts) => {
      const vnetHdr = opts?.vnetHdr === true;
      return new Port(b, b.openTun(name, { vnetHdr }), 'tun', vnetHdr);
    },
    openPacket: (ifname, opts) => {
      const vnetHdr = opts?.vnetHdr === true;
      return new Port(b, b.openPacket(ifname, { vnetHdr }), 'packet', vnetHdr);
    },
  };
}

/** Where the addon is: dist/io/native.js -> <package root>/build/Release/netsieve_io.node. */
export const ADDON_PATH = path.join(__dirname, '..', '..', 'build', 'Release', 'netsieve_io.node');

export const NOT_BUILT_REASON =
  'the native addon was not built (build/Release/netsieve_io.node missing): install python3, make and g++, then run `npm run build:native`';

let loaded: { ok: true; io: NativeIo } | { ok: false; reason: string } | undefined;

/** Loads build/Release/netsieve_io.node once; never throws. */
export function loadNativeIo(): { ok: true; io: NativeIo } | { ok: false; reason: string } {
  if (loaded !== undefined) return loaded;
  if (!fs.existsSync(ADDON_PATH)) return (loaded = { ok: false, reason: NOT_BUILT_REASON });
  try {
    const mod: unknown = require(ADDON_PATH);
    const missing = FUNCTIONS.filter((f) => typeof (mod as Record<string, unknown> | null)?.[f] !== 'function');
    if (missing.length > 0) {
      return (loaded = { ok: false, reason: `${ADDON_PATH} is not this version's addon (missing ${missing.join(', ')}): run \`npm run build:native\`` });
    }
    return (loaded = { ok: true, io: wrap(mod as Binding) });
  } catch (e) {
    return (loaded = { ok: false, reason: `cannot load ${ADDON_PATH}: ${e instanceof Error ? e.message : String(e)}` });
  }
}
