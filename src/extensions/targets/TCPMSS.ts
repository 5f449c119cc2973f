/**
 * TCPMSS target (extensions/libxt_TCPMSS.c; net/netfilter/xt_TCPMSS.c).
 *
 * --set-mss N (up to 65535 minus the IP and TCP header sizes: 65515 for IPv4,
 * 65495 for IPv6) or --clamp-mss-to-pmtu (stored as mss 0xffff); the two
 * overwrite each other, the last one given wins. The kernel
 * (tcpmss_tg4_check/tcpmss_tg6_check) wants -p tcp, allows clamping only
 * from FORWARD, OUTPUT and POSTROUTING, and insists on a "tcp" match whose
 * --tcp-flags comparison includes SYN (not inverted): the mask is not looked
 * at, so `--tcp-flags NONE SYN` passes and `--tcp-flags SYN NONE` does not.
 * There is no table restriction.
 */
import { paramError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import { HOOK_BIT, type Family } from '../../rules/model';
import type { TcpInfo } from '../matches/tcp';
import { defineTarget, type TargetExtension } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const CLAMP_PMTU = 0xffff;
const TCPHDR_SYN = 0x02;
const CLAMP_HOOKS = HOOK_BIT.FORWARD | HOOK_BIT.OUTPUT | HOOK_BIT.POSTROUTING;

interface TcpmssInfo { mss: number; xflags: number; }

function make(family: Family): TargetExtension {
  const entries: readonly XtOption[] = [
    { name: 'set-mss', id: 0, type: 'u16', max: family === 4 ? 65535 - 20 : 65535 - 40 },
    { name: 'clamp-mss-to-pmtu', id: 1, type: 'none' },
  ];
  return defineTarget<TcpmssInfo>({
    kind: 'target',
    name: 'TCPMSS',
    family,
    proto: 6,
    options: optionSpecs(entries),
    init: () => ({ mss: 0, xflags: 0 }),
    parse(opt, arg, invert, d) {
      const v = xtParse('TCPMSS', entries, opt, arg, invert, d);
      d.mss = opt === 'set-mss' ? v : CLAMP_PMTU;
    },
    finalCheck(d) {
      if (d.xflags === 0) paramError('TCPMSS target: At least one parameter is required');
      xtFcheck('TCPMSS', entries, d.xflags);
    },
    print: (d) => (d.mss === CLAMP_PMTU ? ' TCPMSS clamp to PMTU' : ` TCPMSS set ${d.mss}`),
    save: (d) => (d.mss === CLAMP_PMTU ? ' --clamp-mss-to-pmtu' : ` --set-mss ${d.mss}`),
    check(d, ctx) {
      if (d.mss === CLAMP_PMTU && (ctx.hookMask & ~CLAMP_HOOKS)) return EINVAL_MSG;
      const syn = ctx.matches.some((m) => {
        if (m.name !== 'tcp') return false;
        const t = m.data as TcpInfo;
        return (t.flgCmp & TCPHDR_SYN) !== 0 && !t.invFlags;
      });
      return syn ? null : EINVAL_MSG;
    },
  });
}

export const TCPMSS4 = make(4);
export const TCPMSS6 = make(6);
