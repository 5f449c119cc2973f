/** Every target extension, one line each (like iptables' extensions/ directory). */
import type { TargetExtension } from '../types';
import { REJECT4, REJECT6 } from './REJECT';
import { LOG } from './LOG';
import { TCPMSS4, TCPMSS6 } from './TCPMSS';
import { CT } from './CT';
import { NOTRACK } from './NOTRACK';
import { TRACE } from './TRACE';
import { NFLOG } from './NFLOG';
import { TTL } from './TTL';
import { HL } from './HL';
import { TOS } from './TOS';
import { DSCP } from './DSCP';
import { CHECKSUM } from './CHECKSUM';
import { NFQUEUE } from './NFQUEUE';
import { DNAT } from './DNAT';
import { SNAT } from './SNAT';
import { MASQUERADE } from './MASQUERADE';
import { REDIRECT } from './REDIRECT';
import { MARK } from './MARK';
import { CONNMARK } from './CONNMARK';
import { NETMAP } from './NETMAP';

export const TARGETS: TargetExtension[] = [
  REJECT4, REJECT6,
  LOG,
  TCPMSS4, TCPMSS6,
  CT,
  NOTRACK,
  TRACE,
  NFLOG,
  TTL, HL, TOS, DSCP, CHECKSUM, NFQUEUE,
  DNAT, SNAT, MASQUERADE, REDIRECT,
  MARK, CONNMARK,
  NETMAP,
];
