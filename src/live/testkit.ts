/**
 * Test helpers for the live router without real devices: an in-memory
 * port, a link layer for TUN-only (bare IP) attachments, a router session
 * started on them, and the prerequisite checks the live tests share
 * (skipped with the reason where missing, a failure under CI=true).
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadNativeIo } from '../io/native';
import type { Attachment } from './attach';
import type { Port } from './router';
import { LiveSession, type NeighLayer } from './session';

/** An in-memory device: the test pushes packets in and reads what the router sent. */
export class FakePort implements Port {
  readonly vnetHdr = false;
  readonly sent: Uint8Array[] = [];
  private readonly queue: Uint8Array[] = [];
  private cb: (() => void) | undefined;
  closed = false;
  constructor(readonly kind: 'tun' | 'packet', readonly name: string) {}
  recv(buf: Buffer, slotSize: number, lens: Uint32Array): number {
    let n = 0;
    while (n < lens.length && this.queue.length > 0) {
      const p = this.queue.shift()!;
      buf.set(p, n * slotSize);
      lens[n++] = p.length;
    }
    return n;
  }
  send(buf: Buffer, offs: Uint32Array, lens: Uint32Array, n: number): number {
    for (let i = 0; i < n; i++) this.sent.push(Uint8Array.from(buf.subarray(offs[i], offs[i] + lens[i])));
    return n;
  }
  onReadable(cb: () => void): void { this.cb = cb; }
  close(): void { this.closed = true; }
  /** A packet arrives from the wire. */
  inject(p: Uint8Array): void { this.queue.push(p); this.cb?.(); }
  take(): Uint8Array[] { return this.sent.splice(0); }
}

/** All interfaces TUN-attached (bare IP): the Ethernet link layer is not involved. */
export function l3Only(): NeighLayer {
  return {
    link: { input: () => null, output: () => { throw new Error('no Ethernet port here'); }, tick: () => {} },
    command: () => ({ code: 0, stdout: '', stderr: '', changed: false }),
    save: () => {},
  };
}

/** A router on in-memory ports for the state directory; `ports` maps each interface to its FakePort. */
export async function memoryRouter(dir: string, attach: Attachment[], o: { log?: (l: string) => void; notice?: (t: string) => void; tickMs?: number } = {}):
Promise<{ session: LiveSession; ports: Map<string, FakePort> }> {
  const ports = new Map<string, FakePort>();
  const session = await LiveSession.start({
    dir, attach,
    openPort: (a) => { const p = new FakePort(a.kind, a.dev); ports.set(a.iface, p); return p; },
    deviceMac: () => new Uint8Array(6),
    makeNeigh: l3Only,
    log: o.log ?? (() => {}),
    notice: o.notice ?? (() => {}),
    tickMs: o.tickMs,
  });
  return { session, ports };
}

/** Skips (or fails under CI) when the native addon is not built; true when it is. */
export function needNative(t: TestContext): boolean {
  const n = loadNativeIo();
  if (n.ok) return true;
  if (process.env.CI === 'true') assert.fail(`the native addon must be built under CI: ${n.reason}`);
  t.skip(n.reason);
  return false;
}

/** Skips (or fails under CI) unless this is root with setpriv to drop capabilities; true when both are there. */
export function needSetpriv(t: TestContext): boolean {
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v setpriv']).status === 0) return true;
  if (process.env.CI === 'true') assert.fail('CI runs as root with setpriv (util-linux)');
  t.skip('needs root and setpriv to drop capabilities');
  return false;
}

/**
 * A command prefix that runs a program as root without any capability
 * (empty bounding and inheritable sets): it cannot open TUN devices or
 * packet sockets, nor override file permissions, yet reads the checkout
 * wherever CI cloned it.
 */
export const WITHOUT_CAPS: readonly string[] = ['setpriv', '--inh-caps=-all', '--bounding-set=-all'];
