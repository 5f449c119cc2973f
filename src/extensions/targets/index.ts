/** Every target extension, one line each (like iptables' extensions/ directory). */
import type { TargetExtension } from '../types';

export const TARGETS: TargetExtension[] = [
];
