/**
 * The sysctls the host model knows, with Linux 6.x defaults (read from a
 * fresh network namespace on the reference machine) and the kernel's
 * validation (the proc_handler and its extra1/extra2 bounds). Keys under
 * net.ipv4.conf.IFACE / net.ipv6.conf.IFACE exist for all, default and every
 * interface; a new interface copies "default" (devinet.c / addrconf.c).
 */

export interface SysctlSpec {
  /** Number of integers the value holds (ip_local_port_range has 2). */
  n: number;
  min?: number;
  max?: number;
  /** Not writable: nf_conntrack_count. */
  readonly?: boolean;
  /** Default value as printed. */
  def: string;
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
/** proc_dointvec_jiffies refuses seconds beyond INT_MAX / HZ (do_proc_dointvec_jiffies_conv); HZ is 250 on the reference machine. */
const JIFFIES_SECONDS_MAX = Math.floor(INT_MAX / 250);

/** Global keys (net.netfilter.* from nf_conntrack_standalone.c and the per-protocol files). */
export const GLOBAL_SYSCTLS: Record<string, SysctlSpec> = {
  'net.ipv4.ip_forward': { n: 1, def: '0' },
  'net.ipv4.ip_local_port_range': { n: 2, min: 1, max: 65535, def: '32768\t60999' },
  'net.ipv4.ip_unprivileged_port_start': { n: 1, min: 0, max: 65535, def: '1024' },
  'net.ipv4.ip_nonlocal_bind': { n: 1, def: '0' },
  'net.ipv4.ip_default_ttl': { n: 1, min: 1, max: 255, def: '64' },
  'net.ipv4.icmp_echo_ignore_all': { n: 1, min: 0, max: 1, def: '0' },
  'net.ipv4.icmp_echo_ignore_broadcasts': { n: 1, min: 0, max: 1, def: '1' },
  'net.ipv4.icmp_ratelimit': { n: 1, def: '1000' },
  'net.ipv4.icmp_ratemask': { n: 1, def: '6168' },
  // ip_fragment.c ip4_frags_ns_ctl_table: proc_dointvec_jiffies, so |seconds| <= INT_MAX / HZ (HZ 250 on the reference machine).
  'net.ipv4.ipfrag_time': { n: 1, min: -JIFFIES_SECONDS_MAX, max: JIFFIES_SECONDS_MAX, def: '30' },
  // net/ipv6/icmp.c ipv6_icmp_table_template: proc_dointvec_ms_jiffies_minmax from 0, in ms; 100 since Linux 6.x (it was 1000).
  'net.ipv6.icmp.ratelimit': { n: 1, min: 0, def: '100' },
  'net.ipv4.tcp_syncookies': { n: 1, def: '1' },
  'net.netfilter.nf_conntrack_acct': { n: 1, min: 0, max: 1, def: '0' },
  'net.netfilter.nf_conntrack_buckets': { n: 1, min: 1, max: INT_MAX, def: '262144' },
  'net.netfilter.nf_conntrack_checksum': { n: 1, min: 0, max: 1, def: '1' },
  'net.netfilter.nf_conntrack_count': { n: 1, readonly: true, def: '0' },
  'net.netfilter.nf_conntrack_events': { n: 1, min: 0, max: 2, def: '2' },
  // nf_conntrack_reasm.c nf_ct_frag6_sysctl_table: proc_dointvec_jiffies, seconds.
  'net.netfilter.nf_conntrack_frag6_timeout': { n: 1, min: -JIFFIES_SECONDS_MAX, max: JIFFIES_SECONDS_MAX, def: '60' },
  'net.netfilter.nf_conntrack_expect_max': { n: 1, min: 1, max: INT_MAX, def: '4096' },
  'net.netfilter.nf_conntrack_generic_timeout': { n: 1, def: '600' },
  'net.netfilter.nf_conntrack_gre_timeout': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_gre_timeout_stream': { n: 1, def: '180' },
  'net.netfilter.nf_conntrack_icmp_timeout': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_icmpv6_timeout': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_log_invalid': { n: 1, min: 0, max: 255, def: '0' },
  'net.netfilter.nf_conntrack_max': { n: 1, min: 0, max: INT_MAX, def: '262144' },
  'net.netfilter.nf_conntrack_sctp_timeout_closed': { n: 1, def: '10' },
  'net.netfilter.nf_conntrack_sctp_timeout_cookie_echoed': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_sctp_timeout_cookie_wait': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_sctp_timeout_established': { n: 1, def: '210' },
  'net.netfilter.nf_conntrack_sctp_timeout_heartbeat_sent': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_sctp_timeout_shutdown_ack_sent': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_sctp_timeout_shutdown_recd': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_sctp_timeout_shutdown_sent': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_tcp_be_liberal': { n: 1, min: 0, max: 1, def: '0' },
  'net.netfilter.nf_conntrack_tcp_ignore_invalid_rst': { n: 1, min: 0, max: 1, def: '0' },
  'net.netfilter.nf_conntrack_tcp_loose': { n: 1, min: 0, max: 1, def: '1' },
  'net.netfilter.nf_conntrack_tcp_max_retrans': { n: 1, def: '3' },
  'net.netfilter.nf_conntrack_tcp_timeout_close': { n: 1, def: '10' },
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait': { n: 1, def: '60' },
  'net.netfilter.nf_conntrack_tcp_timeout_established': { n: 1, def: '432000' },
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait': { n: 1, def: '120' },
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_tcp_timeout_max_retrans': { n: 1, def: '300' },
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv': { n: 1, def: '60' },
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent': { n: 1, def: '120' },
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait': { n: 1, def: '120' },
  'net.netfilter.nf_conntrack_tcp_timeout_unacknowledged': { n: 1, def: '300' },
  'net.netfilter.nf_conntrack_timestamp': { n: 1, min: 0, max: 1, def: '0' },
  'net.netfilter.nf_conntrack_udp_timeout': { n: 1, def: '30' },
  'net.netfilter.nf_conntrack_udp_timeout_stream': { n: 1, def: '120' },
};

/** Per-device IPv4 keys (net.ipv4.conf.X.*), with the defaults of all / default (which differ for accept_source_route). */
export const CONF4: Record<string, { all: string; def: string }> = {
  accept_local: { all: '0', def: '0' },
  accept_redirects: { all: '1', def: '1' },
  accept_source_route: { all: '0', def: '1' },
  arp_accept: { all: '0', def: '0' },
  arp_ignore: { all: '0', def: '0' },
  arp_filter: { all: '0', def: '0' },
  forwarding: { all: '0', def: '0' },
  ignore_routes_with_linkdown: { all: '0', def: '0' },
  log_martians: { all: '0', def: '0' },
  promote_secondaries: { all: '0', def: '0' },
  route_localnet: { all: '0', def: '0' },
  rp_filter: { all: '0', def: '0' },
  send_redirects: { all: '1', def: '1' },
  src_valid_mark: { all: '0', def: '0' },
};

/** Per-device IPv6 keys (net.ipv6.conf.X.*). */
export const CONF6: Record<string, { all: string; def: string }> = {
  accept_dad: { all: '0', def: '1' },
  accept_ra: { all: '1', def: '1' },
  disable_ipv6: { all: '0', def: '0' },
  forwarding: { all: '0', def: '0' },
  keep_addr_on_down: { all: '0', def: '0' },
};

export const INT_RANGE = { min: INT_MIN, max: INT_MAX };

export function defaultSysctls(): Record<string, string> {
  const s: Record<string, string> = {};
  for (const [k, v] of Object.entries(GLOBAL_SYSCTLS)) s[k] = v.def;
  for (const [k, v] of Object.entries(CONF4)) {
    s[`net.ipv4.conf.all.${k}`] = v.all;
    s[`net.ipv4.conf.default.${k}`] = v.def;
  }
  for (const [k, v] of Object.entries(CONF6)) {
    s[`net.ipv6.conf.all.${k}`] = v.all;
    s[`net.ipv6.conf.default.${k}`] = v.def;
  }
  return s;
}
