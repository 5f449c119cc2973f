/**
 * Ethernet II header (14 bytes) with optional 802.1Q / 802.1ad VLAN tags.
 */
import { get16, put16 } from './checksum';

export const ETH_HLEN = 14;
export const ETH_ALEN = 6;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const VLAN_HLEN = 4;

/** Reusable result of parseEthernet. */
export class EthernetHeader {
  /** Offsets of the destination and source MACs. */
  dst = 0;
  src = 0;
  /** EtherType after any skipped VLAN tags. */
  ethertype = 0;
  /** VLAN tags skipped, and the outermost tag's 12-bit VLAN id (-1 when untagged). */
  vlanCount = 0;
  vlanId = -1;
  /** Offset of the network header. */
  l3 = 0;
}

/**
 * Parse the Ethernet header at b[off, end). With `skipVlan`, 802.1Q/802.1ad
 * tags are skipped (any number) to find the encapsulated EtherType. Returns
 * the network-header offset, or -1 when truncated.
 */
export function parseEthernet(b: Uint8Array, off: number, end: number, skipVlan: boolean, h: EthernetHeader): number {
  if (off + ETH_HLEN > end) return -1;
  h.dst = off;
  h.src = off + ETH_ALEN;
  h.vlanCount = 0;
  h.vlanId = -1;
  let p = off + 12;
  let type = get16(b, p);
  while (skipVlan && (type === ETH_P_8021Q || type === ETH_P_8021AD)) {
    if (p + 2 + VLAN_HLEN > end) return -1;
    if (h.vlanCount === 0) h.vlanId = get16(b, p + 2) & 0x0fff;
    h.vlanCount++;
    p += VLAN_HLEN;
    type = get16(b, p);
  }
  h.ethertype = type;
  h.l3 = p + 2;
  return h.l3;
}

/** Write a 14-byte Ethernet header; MACs are copied from dstMac[dstOff..] and srcMac[srcOff..]. Returns 14. */
export function buildEthernet(b: Uint8Array, off: number, dstMac: Uint8Array, dstOff: number, srcMac: Uint8Array, srcOff: number, ethertype: number): number {
  for (let i = 0; i < ETH_ALEN; i++) {
    b[off + i] = dstMac[dstOff + i];
    b[off + ETH_ALEN + i] = srcMac[srcOff + i];
  }
  put16(b, off + 12, ethertype);
  return ETH_HLEN;
}
