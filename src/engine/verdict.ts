/**
 * Verdicts, numbered as the kernel numbers them (include/uapi/linux/netfilter.h,
 * include/uapi/linux/netfilter/x_tables.h): a target returns one of these.
 */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
/** A target that lets traversal go on with the next rule (LOG, MARK, ...). */
export const XT_CONTINUE = 0xffffffff;
/** RETURN as a verdict (XT_RETURN = -NF_REPEAT - 1). */
export const XT_RETURN = -5;

export type Verdict = number;

export function verdictName(v: Verdict): string {
  switch (v) {
    case NF_DROP: return 'DROP';
    case NF_ACCEPT: return 'ACCEPT';
    case NF_STOLEN: return 'STOLEN';
    case NF_QUEUE: return 'QUEUE';
    case XT_RETURN: return 'RETURN';
    case XT_CONTINUE: return 'CONTINUE';
    default: return String(v);
  }
}
