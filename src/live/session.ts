/**
 * One `netsieve run`: the state directory brought to life.
 *
 * start() loads the host, the rulesets (with their counters), the conntrack
 * table, the clock and the recent lists from the state directory, gives
 * each packet-attached interface its device's MAC address, opens the ports,
 * and serves the control socket. stop() saves everything back: counters,
 * the conntrack table and the clock, the recent lists, the neighbour table.
 * reloadFromFiles() (SIGHUP) takes the rulesets and the host as the files
 * now have them, keeping the connections.
 */
import { Engine } from '../engine/engine';
import { ifaceByName } from '../host/model';
import { loadHost, storeHost } from '../host/store';
import { loadClock, loadConntrackState, storeConntrackState } from '../state/conntrack-store';
import { kernLogLine } from '../state/kernlog';
import { loadRuleset, storeRuleset, withLock } from '../state/store';
import { loadRecent, saveRecent } from '../cli/trace/persist';
import { checkAttachments, type Attachment } from './attach';
import { LiveClock } from './clock';
import { ControlServer, type ControlResponse } from './control';
import { execLive, type LiveHost } from './exec';
import { Router, type LinkLayer, type Port } from './router';

/** The Ethernet link layer and its neighbour table, as `run` builds them (src/link, src/host/neigh). */
export interface NeighLayer {
  link: LinkLayer;
  command(argv: string[]): ControlResponse & { changed: boolean };
  save(dir: string): void;
}

export interface LiveOptions {
  dir: string;
  attach: Attachment[];
  openPort(a: Attachment): Port;
  /** The real device's MAC address (packet attachments). */
  deviceMac(dev: string): Uint8Array;
  makeNeigh(dir: string, engine: Engine, out: (dev: string, frame: Uint8Array, off: number, len: number) => void, l3Devs: Set<string>): NeighLayer;
  /** Kernel log lines (LOG, TRACE), formatted as DIR/kern.log stores them. */
  log(line: string): void;
  /** A faster partial-checksum completion (the native addon's). */
  completeCsum?: (buf: Buffer, off: number, len: number, csumStart: number, csumOffset: number) => boolean;
  /** Messages for the operator (the terminal's stderr). */
  notice?(text: string): void;
  /** Timer period for neighbour and reassembly timers (ms). */
  tickMs?: number;
  seed?: number;
}

export class LiveSession implements LiveHost {
  readonly dir: string;
  engine!: Engine;
  clock!: LiveClock;
  router!: Router;
  private neighLayer!: NeighLayer;
  private control!: ControlServer;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = new Date();

  private constructor(private readonly o: LiveOptions) {
    this.dir = o.dir;
  }

  static async start(o: LiveOptions): Promise<LiveSession> {
    const s = new LiveSession(o);
    await s.open();
    return s;
  }

  private async open(): Promise<void> {
    const o = this.o;
    const { host, rules4, rules6, stateMs } = withLock(o.dir, 5, () => {
      const host = loadHost(o.dir);
      const err = checkAttachments(host, o.attach);
      if (err) throw new Error(err);
      // On an Ethernet link netsieve is the host: its interface has the device's MAC address.
      for (const a of o.attach) {
        if (a.kind !== 'packet') continue;
        ifaceByName(host, a.iface)!.mac = o.deviceMac(a.dev);
      }
      return { host, rules4: loadRuleset(o.dir, 4), rules6: loadRuleset(o.dir, 6), stateMs: loadClock(o.dir).ms };
    });
    this.clock = new LiveClock(stateMs);
    const conntrack = loadConntrackState(o.dir, host, this.clock);
    let router: Router | undefined;
    this.engine = new Engine({
      host, rules4, rules6, clock: this.clock, conntrack, seed: o.seed ?? (Date.now() >>> 0),
      onEmit: (dev, buf, off, len, origin) => router!.emit(dev, buf, off, len, origin),
    });
    loadRecent(o.dir, this.engine.net);
    router = new Router({ engine: this.engine, link: null, completeCsum: o.completeCsum, afterBatch: () => this.drainLog() });
    this.router = router;
    const l3 = new Set(o.attach.filter((a) => a.kind === 'tun').map((a) => a.iface));
    this.neighLayer = o.makeNeigh(o.dir, this.engine, router.frameOut, l3);
    router.link = this.neighLayer.link;
    const opened: Port[] = [];
    try {
      for (const a of o.attach) {
        const p = o.openPort(a);
        opened.push(p);
        router.attach(a, p);
      }
      this.control = new ControlServer(o.dir, (req) => execLive(this, req));
      await this.control.start(o.attach.map((a) => `${a.iface}=${a.kind}:${a.dev}`));
      // Only once the router runs does the state directory learn the devices' MAC addresses.
      withLock(o.dir, 5, () => storeHost(o.dir, host));
    } catch (e) {
      for (const p of opened) p.close();
      if (this.control) await this.control.stop();
      throw e;
    }
    this.timer = setInterval(() => router.tick(), o.tickMs ?? 100);
  }

  private drainLog(): void {
    const net = this.engine.net;
    if (net.log.length === 0 && net.trace.length === 0) return;
    const wall = this.clock.wall();
    const sec = Math.floor(wall / 1000), nsec = (wall % 1000) * 1e6;
    for (const l of net.log) this.o.log(kernLogLine(l, sec, nsec));
    for (const l of net.trace) this.o.log(kernLogLine(l, sec, nsec));
    net.log.length = 0;
    net.trace.length = 0;
  }

  neigh(argv: string[]): ControlResponse & { changed: boolean } {
    return this.neighLayer.command(argv);
  }

  status(): string {
    const lines = [`netsieve run: pid ${process.pid}, state ${this.dir}, since ${this.started.toISOString()}`];
    for (const p of this.router.stats()) {
      const s = p.stats;
      lines.push(`  ${p.iface} = ${p.kind}:${p.dev}  rx ${s.rxPackets} packets ${s.rxBytes} bytes  tx ${s.txPackets} packets ${s.txBytes} bytes  tx dropped ${s.txDropped}`);
    }
    lines.push(`  conntrack entries: ${this.engine.net.conntrack.count}`);
    return lines.join('\n') + '\n';
  }

  notice(text: string): void {
    (this.o.notice ?? ((t: string) => process.stderr.write(t)))(text);
  }

  /** SIGHUP: the rulesets and the host as the files have them now; connections stay. */
  reloadFromFiles(): void {
    withLock(this.dir, 5, () => {
      const host = loadHost(this.dir);
      for (const a of this.o.attach) {
        const i = ifaceByName(host, a.iface);
        const old = ifaceByName(this.engine.host, a.iface);
        if (i && old && a.kind === 'packet') i.mac = old.mac;
      }
      this.engine.reload({ host, rules4: loadRuleset(this.dir, 4), rules6: loadRuleset(this.dir, 6) });
    });
  }

  /** Saves counters, conntrack, clock, recent lists and neighbours; closes the ports and the socket. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.router.flush();
    this.drainLog();
    this.router.close();
    await this.control.stop();
    withLock(this.dir, 5, () => {
      for (const f of [4, 6] as const) storeRuleset(this.dir, this.engine.ruleset(f));
      storeConntrackState(this.dir, this.engine.net.conntrack, this.clock);
      saveRecent(this.dir, this.engine.net);
      this.neighLayer.save(this.dir);
    });
  }
}
