/**
 * Errors as the xtables programs report them (include/xtables.h enum
 * xtables_exittype): OTHER_PROBLEM exits 1, PARAMETER_PROBLEM exits 2,
 * RESOURCE_PROBLEM 4. Extensions and the parser throw XtError; the CLI turns
 * it into the program's own prefix, message and exit status.
 */
export const OTHER_PROBLEM = 1;
export const PARAMETER_PROBLEM = 2;
export const RESOURCE_PROBLEM = 4;

export class XtError extends Error {
  /**
   * @param status exit status
   * @param msg message without program prefix, usually ending without newline
   * @param opts.plain print msg to stdout with no "prog vX (legacy): " prefix (iptables' printf() errors)
   * @param opts.noHint suppress the "Try `iptables -h'" line even for parameter problems
   */
  constructor(
    readonly status: number,
    readonly msg: string,
    readonly opts: { plain?: boolean; noHint?: boolean; hint?: boolean; hintOnly?: boolean; prefixStderr?: string } = {},
  ) {
    super(msg);
  }

  /** What the program had printed to stdout before failing (iptables -v prints the rule first). */
  stdout = '';
}

export function paramError(msg: string): never {
  throw new XtError(PARAMETER_PROBLEM, msg);
}

export function otherError(msg: string): never {
  throw new XtError(OTHER_PROBLEM, msg);
}
