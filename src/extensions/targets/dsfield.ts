/**
 * Rewriting the DS field (IPv4 TOS byte, IPv6 traffic class) as
 * include/net/dsfield.h does for the TOS and DSCP targets: the bits in
 * `mask` are kept, `value` is ORed in. IPv4 patches the header checksum with
 * the kernel's own arithmetic (ipv4_change_dsfield), which we copy step by
 * step so that even its corner cases (0x0000 against 0xffff) come out the same.
 */
import type { PacketView } from '../../wire/packet';

export function changeDsfield(v: PacketView, mask: number, value: number): void {
  const b = v.buf;
  const l3 = v.l3;
  if (v.family === 4) {
    const tos = b[l3 + 1];
    const ds = ((tos & mask) | value) & 0xff;
    // u32 arithmetic: add the old byte with end-around carry, subtract the new one, fold the borrow.
    let check = (b[l3 + 10] << 8) | b[l3 + 11];
    check += tos;
    if ((check + 1) >>> 16) check = (check + 1) & 0xffff;
    check = (check - ds) >>> 0;
    check = (check + (check >>> 16)) >>> 0;
    b[l3 + 10] = (check >>> 8) & 0xff;
    b[l3 + 11] = check & 0xff;
    b[l3 + 1] = ds;
    v.tos = ds;
  } else {
    // ipv6_change_dsfield: the traffic class straddles the first two bytes (version | tc | flow label).
    const tc = ((b[l3] & 0x0f) << 4) | (b[l3 + 1] >> 4);
    const ds = ((tc & mask) | value) & 0xff;
    b[l3] = (b[l3] & 0xf0) | (ds >> 4);
    b[l3 + 1] = (b[l3 + 1] & 0x0f) | ((ds & 0x0f) << 4);
    v.tos = ds;
  }
}
