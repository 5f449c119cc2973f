/** Every match extension, one line each (like iptables' extensions/ directory). */
import type { MatchExtension } from '../types';
import { tcp } from './tcp';

export const MATCHES: MatchExtension[] = [
  tcp,
];
