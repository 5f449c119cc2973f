/** Every match extension, one line each (like iptables' extensions/ directory). */
import type { MatchExtension } from '../types';
import { tcp } from './tcp';
import { udp } from './udp';
import { icmp } from './icmp';
import { icmp6 } from './icmp6';
import { state } from './state';
import { conntrack } from './conntrack';
import { multiport } from './multiport';
import { comment } from './comment';
import { mark } from './mark';
import { connmark } from './connmark';
import { recent } from './recent';
import { limit } from './limit';
import { rpfilter } from './rpfilter';
import { iprange } from './iprange';
import { mac } from './mac';
import { owner } from './owner';
import { connlimit } from './connlimit';
import { statistic } from './statistic';
import { length } from './length';
import { tcpmss } from './tcpmss';
import { ttl } from './ttl';
import { hl } from './hl';
import { pkttype } from './pkttype';
import { dscp } from './dscp';
import { tos } from './tos';
import { helper } from './helper';
import { esp } from './esp';
import { ah, ah6 } from './ah';
import { ecn } from './ecn';
import { addrtype } from './addrtype';
import { sctp } from './sctp';
import { string } from './string';
import { time } from './time';
import { hashlimit } from './hashlimit';
import { ipv6header } from './ipv6header';
import { frag } from './frag';
import { hbh } from './hbh';
import { dst } from './dst';
import { rt } from './rt';

export const MATCHES: MatchExtension[] = [
  tcp,
  udp,
  icmp,
  icmp6,
  state,
  conntrack,
  multiport,
  comment,
  mark,
  connmark,
  recent,
  limit,
  rpfilter,
  iprange,
  mac,
  owner,
  connlimit,
  statistic,
  length,
  tcpmss,
  ttl,
  hl,
  pkttype,
  dscp,
  tos,
  helper,
  esp,
  ah,
  ah6,
  ecn,
  addrtype,
  sctp,
  string,
  time,
  hashlimit,
  ipv6header,
  frag,
  hbh,
  dst,
  rt,
];
