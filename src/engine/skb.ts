/**
 * The per-packet context handed to matches and targets, in the spirit of
 * the kernel's sk_buff plus xt_action_param: where the packet is (hook,
 * table, devices) and what is known about it. One instance is reused for
 * every packet; nothing here is allocated per packet.
 */
import type { Family, HookName, TableName } from '../rules/model';

/** What the fixed-header match needs from a parsed packet (ip_packet_match / ip6_packet_match). */
export interface L3Fields {
  buf: Uint8Array;
  family: Family;
  /** Offset of the source and destination address in buf. */
  saddrOff: number;
  daddrOff: number;
  /** Upper-layer protocol (after IPv6 extension headers); -1 when it cannot be found. */
  proto: number;
  /** Fragment offset in 8-byte units (non-zero: a non-first fragment). */
  fragOff: number;
  /** Total length of the IP packet (for byte counters). */
  len: number;
}

export class Skb {
  l3!: L3Fields;
  hook: HookName = 'PREROUTING';
  table: TableName = 'filter';
  /** Input and output device names; '' when not known at this hook. */
  indev = '';
  outdev = '';
  /** nfmark. */
  mark = 0;
  /** Set by a match that found the packet unusable (par->hotdrop): the packet is dropped at once. */
  hotdrop = false;
}
