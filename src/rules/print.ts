/**
 * Canonical text of rules: the -S / iptables-save form and the -L table,
 * byte for byte as iptables-legacy 1.8.9 prints them (iptables.c
 * print_firewall/print_header, xshared.c save_rule, libxtables
 * xtables_print_num).
 */
import type { PrintContext } from '../extensions/types';
import { addrToString, hostName, isZero, maskBits, maskToListString, maskToString } from '../util/addr';
import type { Chain, Family, IpHeaderMatch, Rule, Table } from './model';
import { protoName, protoNameNoLookup } from './proto';

export interface ListFormat {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

/** -S/iptables-save text of the fixed header (" -s ... -p tcp"). */
export function saveIp(ip: IpHeaderMatch, family: Family): string {
  let s = '';
  const addr = (inv: boolean, opt: string, a: Uint8Array, m: Uint8Array): void => {
    if (isZero(m) && !inv) return;
    s += `${inv ? ' !' : ''} ${opt} ${addrToString(a)}${maskToString(m)}`;
  };
  addr(ip.invSrc, '-s', ip.src, ip.smsk);
  addr(ip.invDst, '-d', ip.dst, ip.dmsk);
  if (ip.iniface !== '') s += `${ip.invIn ? ' !' : ''} -i ${ip.iniface}`;
  if (ip.outiface !== '') s += `${ip.invOut ? ' !' : ''} -o ${ip.outiface}`;
  if (ip.proto !== 0) {
    const n = protoName(ip.proto);
    s += `${ip.invProto ? ' !' : ''} -p ${n ?? ip.proto}`;
  }
  if (ip.frag && family === 4) s += `${ip.invFrag ? ' !' : ''} -f`;
  return s;
}

export function printContext(family: Family, ip: IpHeaderMatch, numeric: boolean): PrintContext {
  return { family, ip, numeric };
}

/** The part of a rule after "-A CHAIN": header, matches, counters, target. */
export function saveRuleBody(rule: Rule, family: Family, counters: boolean): string {
  const pc = printContext(family, rule.ip, false);
  let s = saveIp(rule.ip, family);
  for (const m of rule.matches) s += ` -m ${m.ext.name}${m.ext.save(m.data, pc)}`;
  if (counters) s += ` -c ${rule.pcnt} ${rule.bcnt}`;
  s += saveTarget(rule, pc);
  return s;
}

function saveTarget(rule: Rule, pc: PrintContext): string {
  const t = rule.target;
  switch (t.kind) {
    case 'none': return '';
    case 'verdict': return ` -j ${t.verdict}`;
    case 'jump': return ` ${t.goto ? '-g' : '-j'} ${t.chain}`;
    case 'ext': return ` -j ${t.ext.name}${t.ext.save(t.data, pc)}`;
  }
}

/** The target column of -L: the kernel's name for the target. */
export function targetName(rule: Rule): string {
  const t = rule.target;
  switch (t.kind) {
    case 'none': return '';
    case 'verdict': return t.verdict;
    case 'jump': return t.chain;
    case 'ext': return t.ext.kernelName ?? t.ext.name;
  }
}

/** Builtin chains first (hook order), then user chains sorted by strcmp. */
export function orderedChains(table: Table): Chain[] {
  const builtin: Chain[] = [];
  const user: Chain[] = [];
  for (const c of table.chains.values()) (c.builtin ? builtin : user).push(c);
  user.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtin, ...user];
}

/** iptables -S [chain [rulenum]] (-v adds counters). */
export function listRules(table: Table, family: Family, chain: Chain | undefined, rulenum: number | undefined, verbose: boolean): string {
  let out = '';
  const chains = chain ? [chain] : orderedChains(table);
  if (rulenum !== undefined && chain) {
    const r = chain.rules[rulenum - 1];
    if (r) out += `-A ${chain.name}${saveRuleBody(r, family, verbose)}\n`;
    return out;
  }
  for (const c of chains) {
    if (c.builtin) out += `-P ${c.name} ${c.policy}${verbose ? ` -c ${c.pcnt} ${c.bcnt}` : ''}\n`;
    else out += `-N ${c.name}\n`;
  }
  for (const c of chains) {
    for (const r of c.rules) out += `-A ${c.name}${saveRuleBody(r, family, verbose)}\n`;
  }
  return out;
}

/** xtables_print_num. */
export function printNum(n: number, exact: boolean, notable: boolean): string {
  if (exact) return notable ? `${n} ` : `${String(n).padStart(8)} `;
  if (n <= 99999) return notable ? `${n} ` : `${String(n).padStart(5)} `;
  let v = Math.floor((n + 500) / 1000);
  if (v <= 9999) return notable ? `${v}K ` : `${String(v).padStart(4)}K `;
  v = Math.floor((v + 500) / 1000);
  if (v <= 9999) return notable ? `${v}M ` : `${String(v).padStart(4)}M `;
  v = Math.floor((v + 500) / 1000);
  if (v <= 9999) return notable ? `${v}G ` : `${String(v).padStart(4)}G `;
  v = Math.floor((v + 500) / 1000);
  return notable ? `${v}T ` : `${String(v).padStart(4)}T `;
}

export function references(table: Table, name: string): number {
  let n = 0;
  for (const c of table.chains.values()) {
    for (const r of c.rules) if (r.target.kind === 'jump' && r.target.chain === name) n++;
  }
  return n;
}

function chainHeader(table: Table, c: Chain, f: ListFormat): string {
  let s = `Chain ${c.name}`;
  if (c.builtin) {
    s += ` (policy ${c.policy}`;
    if (f.verbose) s += ` ${printNum(c.pcnt, f.exact, true)}packets, ${printNum(c.bcnt, f.exact, true)}bytes`;
    s += ')\n';
  } else {
    s += ` (${references(table, c.name)} references)\n`;
  }
  if (f.lineNumbers) s += 'num  ';
  if (f.verbose) s += f.exact ? '    pkts      bytes ' : ' pkts bytes ';
  s += 'target    ';
  s += ' prot opt';
  if (f.verbose) s += ' in     out    ';
  s += ` ${'source'.padEnd(19)} `;
  s += ` ${'destination'.padEnd(19)} `;
  return s + '\n';
}

function listAddr(inv: boolean, a: Uint8Array, m: Uint8Array, f: ListFormat, family: Family): string {
  let buf: string;
  if (isZero(m) && !f.numeric) buf = 'anywhere';
  else {
    const full = maskBits(m) === a.length * 8;
    const name = !f.numeric && full ? hostName(a) : undefined;
    buf = (name ?? addrToString(a)) + maskToListString(m);
  }
  void family;
  return (inv ? '!' : ' ') + buf.padEnd(19) + ' ';
}

export function listRule(rule: Rule, num: number, family: Family, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += `${String(num).padEnd(4)} `;
  if (f.verbose) s += printNum(rule.pcnt, f.exact, false) + printNum(rule.bcnt, f.exact, false);
  s += targetName(rule).padEnd(9) + ' ';
  s += rule.ip.invProto ? '!' : ' ';
  const pname = f.numeric ? String(rule.ip.proto) : (protoName(rule.ip.proto) ?? String(rule.ip.proto));
  s += pname.padEnd(4) + ' ';
  s += (rule.ip.invFrag ? '!' : '-') + (rule.ip.frag ? 'f' : '-') + ' ';
  if (f.verbose) {
    const iface = (inv: boolean, n: string): string => (inv ? '!' : '') + (n !== '' ? n : f.numeric ? '*' : 'any');
    s += ' ' + iface(rule.ip.invIn, rule.ip.iniface).padEnd(6) + ' ';
    s += iface(rule.ip.invOut, rule.ip.outiface).padEnd(6) + ' ';
  }
  s += listAddr(rule.ip.invSrc, rule.ip.src, rule.ip.smsk, f, family);
  s += listAddr(rule.ip.invDst, rule.ip.dst, rule.ip.dmsk, f, family);
  const pc = printContext(family, rule.ip, f.numeric);
  for (const m of rule.matches) s += m.ext.print(m.data, pc);
  if (rule.target.kind === 'ext') s += rule.target.ext.print(rule.target.data, pc);
  else if (rule.target.kind === 'jump' && rule.target.goto) s += '[goto] ';
  return s + '\n';
}

/** The rule line iptables -v prints for -A/-I/-D/-R/-C (print_firewall with FMT_NOTABLE|FMT_VIA|FMT_NUMERIC|FMT_NOCOUNTS). */
export function verboseRule(rule: Rule, family: Family): string {
  const ip = rule.ip;
  let s = targetName(rule) + ' ';
  s += (ip.invProto ? '!' : ' ') + (protoNameNoLookup(ip.proto) ?? String(ip.proto)) + ' ';
  s += 'opt ' + (ip.invFrag ? '!' : '-') + (ip.frag ? 'f' : '-') + ' ';
  s += `in ${(ip.invIn ? '!' : '') + (ip.iniface || '*')} `;
  s += `out ${(ip.invOut ? '!' : '') + (ip.outiface || '*')} `;
  s += (ip.invSrc ? '!' : ' ') + addrToString(ip.src) + maskToListString(ip.smsk) + ' ';
  s += (ip.invDst ? '!' : ' ') + '-> ' + addrToString(ip.dst) + maskToListString(ip.dmsk) + '  ';
  const pc = printContext(family, ip, true);
  for (const m of rule.matches) s += m.ext.print(m.data, pc);
  if (rule.target.kind === 'ext') s += rule.target.ext.print(rule.target.data, pc);
  else if (rule.target.kind === 'jump' && rule.target.goto) s += '[goto] ';
  return s + '\n';
}

/** iptables -L [chain [rulenum]]. */
export function listTable(table: Table, family: Family, chain: Chain | undefined, rulenum: number | undefined, f: ListFormat): string {
  const chains = chain ? [chain] : orderedChains(table);
  let out = '';
  let first = true;
  for (const c of chains) {
    if (rulenum !== undefined) {
      const r = c.rules[rulenum - 1];
      if (r) out += listRule(r, rulenum, family, f);
      continue;
    }
    if (!first) out += '\n';
    first = false;
    out += chainHeader(table, c, f);
    c.rules.forEach((r, i) => { out += listRule(r, i + 1, family, f); });
  }
  return out;
}
