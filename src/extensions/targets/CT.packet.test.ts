// CT and NOTRACK packet functions (xt_CT.c xt_ct_target), TRACE (xt_TRACE.c), NFQUEUE (xt_NFQUEUE.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NF_QUEUE, XT_CONTINUE } from '../../engine/verdict';
import { IP_CT_ESTABLISHED, IP_CT_NEW, IP_CT_UNTRACKED } from '../../conntrack/constants';
import { CtPacket } from '../../conntrack/packet';
import { FIX } from '../../wire/fixtures';
import { CT, ctBindTemplate, ctForgetEntry, ctHelperOf } from './CT';
import { NOTRACK } from './NOTRACK';
import { TRACE } from './TRACE';
import { NFQUEUE, nfqueueBypass, nfqueueNum } from './NFQUEUE';
import { makeNet, skbOf, targetData } from './target-testkit';

test('NOTRACK and CT --notrack make the packet untracked, for the skb and for conntrack', () => {
  for (const [ext, args] of [[NOTRACK, []], [CT, ['--notrack']]] as const) {
    const net = makeNet();
    const skb = skbOf(net, FIX.tcp4_syn, 'PREROUTING', 'raw');
    skb.ctp = new CtPacket();
    assert.equal(ext.target!(skb, targetData(ext, 4, args)), XT_CONTINUE);
    assert.equal(skb.ct, -1);
    assert.equal(skb.ctinfo, IP_CT_UNTRACKED);
    assert.equal(skb.ctp.ctinfo, IP_CT_UNTRACKED);
    // Conntrack then leaves it alone: no entry is created.
    net.conntrack.in(skb.ctp);
    assert.equal(net.conntrack.count, 0);
  }
});

test('CT leaves a packet that already has a conntrack reference alone', () => {
  const skb = skbOf(makeNet(), FIX.tcp4_syn, 'OUTPUT', 'raw');
  skb.ct = 3; skb.ctinfo = IP_CT_ESTABLISHED;
  CT.target!(skb, targetData(CT, 4, ['--notrack']));
  assert.equal(skb.ct, 3);
  assert.equal(skb.ctinfo, IP_CT_ESTABLISHED);
});

test('CT --helper: the template waits for conntrack, then names the new entry\'s helper', () => {
  const net = makeNet();
  const skb = skbOf(net, FIX.tcp4_syn, 'PREROUTING', 'raw');
  assert.equal(CT.target!(skb, targetData(CT, 4, ['--helper', 'ftp'])), XT_CONTINUE);
  assert.equal(skb.ctinfo, -1); // still to be tracked
  ctBindTemplate(net, 7, IP_CT_NEW);
  assert.equal(ctHelperOf(net, 7), 'ftp');
  // The template was used up: a later packet of an existing entry gets nothing.
  ctBindTemplate(net, 8, IP_CT_NEW);
  assert.equal(ctHelperOf(net, 8), undefined);
  // Only new entries take the template.
  CT.target!(skb, targetData(CT, 4, ['--helper', 'ftp']));
  ctBindTemplate(net, 9, IP_CT_ESTABLISHED);
  assert.equal(ctHelperOf(net, 9), undefined);
  ctForgetEntry(net, 7);
  assert.equal(ctHelperOf(net, 7), undefined);
});

test('TRACE sets nftrace and lets traversal go on', () => {
  const skb = skbOf(makeNet(), FIX.tcp4_syn, 'PREROUTING', 'raw');
  assert.equal(skb.nftrace, false);
  assert.equal(TRACE.target!(skb, targetData(TRACE, 4, [])), XT_CONTINUE);
  assert.equal(skb.nftrace, true);
});

test('NFQUEUE queues; the engine learns from the rule whether no listener means accept', () => {
  const skb = skbOf(makeNet(), FIX.tcp4_syn, 'INPUT');
  const plain = targetData(NFQUEUE, 4, ['--queue-num', '5']);
  const bypass = targetData(NFQUEUE, 4, ['--queue-balance', '2:3', '--queue-bypass']);
  assert.equal(NFQUEUE.target!(skb, plain), NF_QUEUE);
  assert.equal(NFQUEUE.target!(skb, bypass), NF_QUEUE);
  assert.equal(nfqueueBypass(plain), false);
  assert.equal(nfqueueBypass(bypass), true);
  assert.equal(nfqueueNum(plain), 5);
  assert.equal(nfqueueNum(bypass), 2);
});
