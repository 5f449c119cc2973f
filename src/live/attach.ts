/**
 * `--attach IF=packet:DEV` and `--attach IF=tun:NAME`: which interface of
 * the state directory's host is wired to which real Linux device.
 *
 *  - packet:DEV  an AF_PACKET socket bound to the existing device DEV; the
 *                link carries Ethernet frames, netsieve answers ARP and
 *                neighbour discovery for its own addresses on it.
 *  - tun:NAME    a TUN device NAME (created when missing) carrying bare IP
 *                packets; the kernel of the namespace netsieve runs in is
 *                the peer at the other end.
 */
import type { Host } from '../host/model';
import { ifaceByName } from '../host/model';

export interface Attachment {
  /** The interface in the state directory's host. */
  iface: string;
  kind: 'packet' | 'tun';
  /** The real device. */
  dev: string;
}

/** Linux interface names: at most IFNAMSIZ-1 = 15 bytes, no '/', ':' or white space (dev_valid_name). */
function validDevName(n: string): boolean {
  return n.length > 0 && Buffer.byteLength(n) <= 15 && n !== '.' && n !== '..' && !/[/:\s]/.test(n);
}

export function parseAttach(spec: string): Attachment | string {
  const m = /^([^=]+)=(packet|tun):(.+)$/.exec(spec);
  if (!m) return `--attach ${spec}: expected IFACE=packet:DEVICE or IFACE=tun:NAME`;
  const [, iface, kind, dev] = m;
  if (!validDevName(dev)) return `--attach ${spec}: "${dev}" is not a valid device name`;
  return { iface, kind: kind as 'packet' | 'tun', dev };
}

/** Checks a whole set of attachments against the host: every interface exists, once, and is not lo. */
export function checkAttachments(host: Host, list: Attachment[]): string | null {
  if (list.length === 0) return 'nothing to run: give at least one --attach IFACE=packet:DEVICE or IFACE=tun:NAME';
  const seenIf = new Set<string>(), seenDev = new Set<string>();
  for (const a of list) {
    const i = ifaceByName(host, a.iface);
    if (!i) return `--attach ${a.iface}=...: the state directory has no interface ${a.iface} (see \`netsieve ip link\`)`;
    if (i.kind === 'loopback') return `--attach ${a.iface}=...: the loopback interface stays inside netsieve`;
    if (seenIf.has(a.iface)) return `--attach: ${a.iface} is attached twice`;
    if (seenDev.has(`${a.kind}:${a.dev}`)) return `--attach: ${a.kind}:${a.dev} is used twice`;
    seenIf.add(a.iface);
    seenDev.add(`${a.kind}:${a.dev}`);
  }
  return null;
}
