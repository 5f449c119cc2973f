// Per-entry conntrack extensions that helpers need, as typed arrays beside the table (the kernel keeps them
// in ct->ext: nf_conn_help, nf_conn_seqadj, and ct->master). Indexed by entry; grown with the table, never
// per packet. Sources: include/net/netfilter/nf_conntrack_helper.h (struct nf_conn_help, 32 bytes of helper
// data), include/net/netfilter/nf_conntrack_seqadj.h (struct nf_ct_seqadj per direction).

/** Helper ids stored per entry (0: no helper). */
export const HELPER_NONE = 0;
export const HELPER_FTP = 1;
export const HELPER_NAMES: readonly string[] = ['', 'ftp'];

/** u32 words of private helper data per entry (nf_conn_help.data is 32 bytes). */
export const HELP_WORDS = 8;

export class CtExt {
  capacity = 0;
  /** Helper id (HELPER_*). */
  helper = new Uint8Array(0);
  /** Helper private data (nf_ct_ftp_master for ftp), HELP_WORDS per entry, zeroed when the entry is created. */
  helpData = new Uint32Array(0);
  /** Master entry of an expected connection (ct->master), -1 for none, with the master slot's generation. */
  master = new Int32Array(0);
  masterGen = new Uint32Array(0);
  /** Bumped each time a slot is given to a new entry, so that a stale master index is recognised. */
  gen = new Uint32Array(0);
  /** Expectations this entry has registered (nf_conn_help.expecting[], one class). */
  expecting = new Uint16Array(0);
  /** nf_ct_seqadj per direction (index e * 2 + dir): correction_pos, offset_before, offset_after. */
  seqPos = new Uint32Array(0);
  seqBefore = new Int32Array(0);
  seqAfter = new Int32Array(0);

  fit(cap: number): void {
    if (cap <= this.capacity) return;
    const u8 = (a: Uint8Array, n: number): Uint8Array<ArrayBuffer> => { const b = new Uint8Array(n); b.set(a); return b; };
    const u16 = (a: Uint16Array, n: number): Uint16Array<ArrayBuffer> => { const b = new Uint16Array(n); b.set(a); return b; };
    const u32 = (a: Uint32Array, n: number): Uint32Array<ArrayBuffer> => { const b = new Uint32Array(n); b.set(a); return b; };
    const i32 = (a: Int32Array, n: number): Int32Array<ArrayBuffer> => { const b = new Int32Array(n); b.set(a); return b; };
    this.helper = u8(this.helper, cap);
    this.helpData = u32(this.helpData, cap * HELP_WORDS);
    this.master = i32(this.master, cap);
    this.masterGen = u32(this.masterGen, cap);
    this.gen = u32(this.gen, cap);
    this.expecting = u16(this.expecting, cap);
    this.seqPos = u32(this.seqPos, cap * 2);
    this.seqBefore = i32(this.seqBefore, cap * 2);
    this.seqAfter = i32(this.seqAfter, cap * 2);
    this.capacity = cap;
  }

  /** A slot starts a new entry: no helper, no master, zeroed helper data and sequence adjustment. */
  reset(e: number): void {
    this.helper[e] = HELPER_NONE;
    this.helpData.fill(0, e * HELP_WORDS, e * HELP_WORDS + HELP_WORDS);
    this.master[e] = -1;
    this.masterGen[e] = 0;
    this.gen[e] = (this.gen[e] + 1) >>> 0;
    this.expecting[e] = 0;
    this.seqPos[e * 2] = this.seqPos[e * 2 + 1] = 0;
    this.seqBefore[e * 2] = this.seqBefore[e * 2 + 1] = 0;
    this.seqAfter[e * 2] = this.seqAfter[e * 2 + 1] = 0;
  }
}
