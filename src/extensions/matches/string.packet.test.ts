/**
 * string match packet function (net/netfilter/xt_string.c string_mt via
 * skb_find_text; lib/ts_bm.c, lib/ts_kmp.c), offsets counted from the
 * start of the IP header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareTextSearch, stringMatch, type StringInfo } from './string';
import { check, makeNet, pkt4, pkt6, ruleMatch, skbOf } from './packet-testkit';

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

test('bm and kmp find the pattern; --from/--to are offsets from the IP header and the match must end by --to', () => {
  const net = makeNet();
  // 20 bytes IPv4 + 20 bytes TCP: the payload starts at offset 40, "GET /" ends at 45.
  const s = skbOf(pkt4('tcp', { flags: 0x18, payload: enc('GET /index.html HTTP/1.1\r\n') }), net);
  for (const algo of ['bm', 'kmp']) {
    const m = (...a: string[]): boolean => check(4, ['-m', 'string', '--algo', algo, ...a], s)[0];
    assert.equal(m('--string', 'GET /'), true, algo);
    assert.equal(m('--string', 'POST'), false, algo);
    assert.equal(m('--string', 'GET /', '--to', '45'), true, algo);
    assert.equal(m('--string', 'GET /', '--to', '44'), false, algo);
    assert.equal(m('--string', 'GET /', '--from', '40'), true, algo);
    assert.equal(m('--string', 'GET /', '--from', '41'), false, algo);
    assert.equal(m('--string', 'HTTP', '--from', '40', '--to', '60'), true, algo); // 'HTTP' at 56..60
    assert.equal(m('--string', 'HTTP', '--from', '40', '--to', '59'), false, algo);
    assert.equal(m('--string', 'GET /', '--from', '40', '--to', '40'), false, algo);
    assert.equal(m('--string', 'GET /', '--from', '2000'), false, algo);
    assert.equal(m('!', '--string', 'POST'), true, algo);
    assert.equal(m('--string', 'get /INDEX', '--icase'), true, algo);
    assert.equal(m('--string', 'get /INDEX'), false, algo);
    assert.equal(m('--hex-string', '|0d0a|'), true, algo);
    // The headers are searched too: the TCP destination port 80 is bytes 00 50 at offsets 22-23.
    assert.equal(m('--hex-string', '|0050|', '--to', '24'), true, algo);
  }
});

test('the text ends with the datagram (trailing bytes past the IP length are not read), IPv6 too', () => {
  const net = makeNet();
  const p = pkt6('udp', { payload: enc('hello world') });
  const withTail = new Uint8Array(p.length + 8);
  withTail.set(p);
  withTail.set(enc('TRAILERS'), p.length);
  const s = skbOf(withTail, net);
  assert.equal(check(6, ['-m', 'string', '--algo', 'kmp', '--string', 'world'], s)[0], true);
  assert.equal(check(6, ['-m', 'string', '--algo', 'kmp', '--string', 'TRAIL'], s)[0], false);
  assert.equal(check(6, ['-m', 'string', '--algo', 'bm', '--string', 'hello', '--from', '48'], s)[0], true);
  assert.equal(check(6, ['-m', 'string', '--algo', 'bm', '--string', 'hello', '--from', '49'], s)[0], false);
});

test('--icase folds with the kernel\'s Latin-1 ctype table', () => {
  const net = makeNet();
  const s = skbOf(pkt4('udp', { payload: Uint8Array.from([0x41, 0xe9, 0x74, 0xe9]) }), net); // "A\xe9t\xe9"
  for (const algo of ['bm', 'kmp']) {
    assert.equal(check(4, ['-m', 'string', '--algo', algo, '--hex-string', '|61c954c9|', '--icase'], s)[0], true, algo);
    assert.equal(check(4, ['-m', 'string', '--algo', algo, '--hex-string', '|61c954c9|'], s)[0], false, algo);
  }
});

/** First occurrence by brute force, over Latin-1 toupper when icase. */
function naive(text: Uint8Array, pat: Uint8Array, icase: boolean): number {
  const up = (c: number): number => ((c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c !== 0xf7) ? c - 32 : c);
  for (let i = 0; i + pat.length <= text.length; i++) {
    let ok = true;
    for (let j = 0; j < pat.length; j++) {
      if ((icase ? up(text[i + j]) : text[i + j]) !== (icase ? up(pat[j]) : pat[j])) { ok = false; break; }
    }
    if (ok) return i;
  }
  return -1;
}

test('bm and kmp agree with a brute-force search on random texts (ASCII alphabet, fixed seed)', () => {
  let seed = 12345;
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 16) % n; };
  const alpha = enc('abAB');
  const net = makeNet();
  for (let round = 0; round < 400; round++) {
    const text = Uint8Array.from({ length: 1 + rnd(40) }, () => alpha[rnd(alpha.length)]);
    const pat = Uint8Array.from({ length: 1 + rnd(5) }, () => alpha[rnd(alpha.length)]);
    const icase = rnd(2) === 1;
    const s = skbOf(pkt4('udp', { payload: text }), net);
    const want = naive(text, pat, icase) >= 0;
    for (const algo of ['bm', 'kmp']) {
      const d: StringInfo = { seen: new Set(), algo, pattern: [...pat], from: 0, to: 65535, invert: false, icase, ts: prepareTextSearch(algo, [...pat], icase) };
      assert.equal(stringMatch(s, d), want, `${algo} ${Buffer.from(pat).toString()} in ${Buffer.from(text).toString()} icase=${icase}`);
    }
  }
});

test('the tables are prepared when the rule is parsed (finalCheck), not per packet', () => {
  const { data } = ruleMatch<StringInfo>(4, ['-m', 'string', '--algo', 'bm', '--string', 'abcab']);
  assert.ok(data.ts);
  // ts_bm compute_prefix_tbl: bad_shift[c] = distance from the last occurrence of c before the final byte
  // to the end (patlen when absent); good_shift[g] = patlen - j - g for the rightmost j where subpattern()
  // finds the g-byte suffix again (or a prefix of it at the pattern start): "ab" at 0 gives 5-0-2 = 3, and
  // for g = 3 the match at j = -1 ("b" then "ab") gives 5+1-3 = 3; the 1-byte suffix "b" at 1 is preceded
  // by the same byte "a" as the suffix, so it does not count (good_shift[1] stays 5).
  assert.deepEqual([data.ts.bad[0x61], data.ts.bad[0x62], data.ts.bad[0x63], data.ts.bad[0x64]], [1, 3, 2, 5]);
  assert.deepEqual([...data.ts.good], [1, 5, 3, 3, 3]);
  const k = ruleMatch<StringInfo>(4, ['-m', 'string', '--algo', 'kmp', '--string', 'abcab']).data;
  assert.deepEqual([...k.ts!.prefix], [0, 0, 0, 1, 2]);
});
