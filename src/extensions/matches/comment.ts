/**
 * comment match (extensions/libxt_comment.c; net/netfilter/xt_comment.c):
 * --comment text, mandatory, not invertible. The kernel keeps 256 bytes
 * including the NUL, so longer text is silently cut to 255 bytes
 * (xtopt_parse_string with XTOPT_PUT).
 */
import { saveString } from '../../util/quote';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from '../xtoptions';

const MAX_COMMENT_LEN = 256;

export interface CommentInfo { comment: string; seen: Seen; }

export const comment = defineMatch<CommentInfo>({
  kind: 'match',
  name: 'comment',
  family: 0,
  options: [{ name: 'comment', arg: 'required' }],
  init: () => ({ comment: '', seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('comment', 'comment', d.seen, invert, false);
    const bytes = Buffer.from(arg!, 'utf8');
    d.comment = bytes.length >= MAX_COMMENT_LEN ? bytes.subarray(0, MAX_COMMENT_LEN - 1).toString('utf8') : arg!;
  },
  finalCheck: (d) => xtMandatory('comment', 'comment', d.seen),
  print: (d) => ` /* ${d.comment} */`,
  save: (d) => ' --comment' + saveString(d.comment),
  // xt_comment.c comment_mt: always true.
  match: () => true,
});
