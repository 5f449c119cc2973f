/**
 * Test support for the target packet tests (not used at run time): a host
 * laid out like the kernel probe's namespace B (REJECT.packet.probe.sh), a
 * NetContext whose output() records what the host sends, and an Skb over
 * given bytes.
 */
import { Conntrack } from '../../conntrack/conntrack';
import { Random, type Emitted, type NetContext } from '../../engine/net';
import { Skb } from '../../engine/skb';
import { addAddr, addLink, setLinkUp } from '../../host/link';
import { newHost, type Host } from '../../host/model';
import { parseIp } from '../../host/prefix';
import { emptyIp, type Family, type HookName, type TableName } from '../../rules/model';
import type { ParseContext, TargetExtension } from '../types';
import { hex } from '../../wire/fixtures';

export class TestClock {
  t = 1_000_000;
  now(): number { return this.t; }
  wall(): number { return 1_700_000_000_000 + this.t; }
}

/** Host B: veth vb (02:00:00:00:00:0b, MTU 1500) with 10.99.0.2/24 and fd00:99::2/64, lo up. */
export function hostB(): Host {
  const h = newHost();
  setLinkUp(h, 'lo', true);
  addLink(h, 'vb', 'dummy', { mac: Uint8Array.from([2, 0, 0, 0, 0, 0x0b]), mtu: 1500 });
  setLinkUp(h, 'vb', true);
  addAddr(h, 'vb', 4, parseIp(4, '10.99.0.2')!, 24, { brd: '+' });
  addAddr(h, 'vb', 6, parseIp(6, 'fd00:99::2')!, 64);
  return h;
}

export function makeNet(host: Host = hostB(), seed = 1): NetContext {
  const clock = new TestClock();
  const emitted: Emitted[] = [];
  return {
    host,
    conntrack: new Conntrack({ clock, buckets: 1024 }),
    clock,
    random: new Random(seed),
    extState: new Map(),
    log: [],
    trace: [],
    emitted,
    output(bytes, origin) { emitted.push({ dev: 'out', bytes: bytes.slice(), origin }); },
  };
}

/** An Skb over a copy of the packet `hexBytes` (IP header first). */
export function skbOf(net: NetContext, hexBytes: string | Uint8Array, hook: HookName = 'INPUT', table: TableName = 'filter'): Skb {
  const skb = new Skb();
  const b = typeof hexBytes === 'string' ? hex(hexBytes) : hexBytes.slice();
  skb.view.parse(b, 0, b.length);
  skb.net = net;
  skb.hook = hook;
  skb.table = table;
  skb.indev = hook === 'OUTPUT' ? '' : 'vb';
  return skb;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * The data a target holds after iptables parsed `--opt arg ...` (init,
 * parse, finalCheck), so that tests build rules the way users write them.
 */
export function targetData(ext: TargetExtension, family: Family, args: readonly string[]): unknown {
  const ctx: ParseContext = {
    family, table: 'mangle', ip: emptyIp(family), prog: family === 4 ? 'iptables' : 'ip6tables',
    argv: args, optind: 0, warn: () => {},
  };
  const d = ext.init(ctx);
  for (let i = 0; i < args.length; i++) {
    const opt = args[i].replace(/^--/, '');
    const spec = ext.options.find((o) => o.name === opt);
    if (spec === undefined) throw new Error(`no option ${opt}`);
    const arg = spec.arg === 'none' ? undefined : args[++i];
    ext.parse(opt, arg, false, d, ctx);
  }
  ext.finalCheck?.(d, ctx);
  return d;
}
