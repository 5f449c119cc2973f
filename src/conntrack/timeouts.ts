// Default timeouts, in milliseconds, as the kernel sets them per network namespace
// (net/netfilter/nf_conntrack_proto_tcp.c tcp_timeouts[], nf_conntrack_proto_udp.c udp_timeouts[],
// nf_conntrack_proto_icmp.c / _icmpv6.c, nf_conntrack_proto_generic.c). They equal the
// /proc/sys/net/netfilter/nf_conntrack_*_timeout* sysctls of a fresh namespace (checked on 6.18).
import * as C from './constants';

export interface Timeouts {
  /** Indexed by TCP state, plus TCP_CONNTRACK_RETRANS and TCP_CONNTRACK_UNACK. */
  tcp: Float64Array;
  udpUnreplied: number;
  udpReplied: number;
  icmp: number;
  icmpv6: number;
  generic: number;
}

const S = 1000;

export function defaultTimeouts(): Timeouts {
  const tcp = new Float64Array(C.TCP_CONNTRACK_TIMEOUT_MAX);
  tcp[C.TCP_CONNTRACK_NONE] = 120 * S; // unused slot; the kernel copies SYN_SENT here
  tcp[C.TCP_CONNTRACK_SYN_SENT] = 120 * S;
  tcp[C.TCP_CONNTRACK_SYN_RECV] = 60 * S;
  tcp[C.TCP_CONNTRACK_ESTABLISHED] = 432000 * S;
  tcp[C.TCP_CONNTRACK_FIN_WAIT] = 120 * S;
  tcp[C.TCP_CONNTRACK_CLOSE_WAIT] = 60 * S;
  tcp[C.TCP_CONNTRACK_LAST_ACK] = 30 * S;
  tcp[C.TCP_CONNTRACK_TIME_WAIT] = 120 * S;
  tcp[C.TCP_CONNTRACK_CLOSE] = 10 * S;
  tcp[C.TCP_CONNTRACK_SYN_SENT2] = 120 * S;
  tcp[C.TCP_CONNTRACK_RETRANS] = 300 * S;
  tcp[C.TCP_CONNTRACK_UNACK] = 300 * S;
  return { tcp, udpUnreplied: 30 * S, udpReplied: 120 * S, icmp: 30 * S, icmpv6: 30 * S, generic: 600 * S };
}
