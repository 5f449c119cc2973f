/**
 * netsieve's library API: everything the CLI uses, for programs that drive
 * the engine directly.
 *
 *   const host = loadHost(dir);                       // or build one with runIp/runSysctl
 *   const rules4 = loadRuleset(dir, 4), rules6 = loadRuleset(dir, 6);
 *   const engine = new Engine({ host, rules4, rules6, trace: true });
 *   const r = engine.receive('ppp0', bytes);          // a packet arriving on ppp0
 *   r.fate, r.reason, r.steps, r.emitted              // what happened, where, what left
 *   engine.send(bytes, { uid: 1000 });                // a packet from a local process
 *   engine.advance(30_000);                           // time passes (conntrack timeouts, limits)
 */
export { Engine, type EngineOptions, type PacketResult, type HookStep, type NatHook } from './engine/engine';
export type { Emitted, NetContext, Clock } from './engine/net';
export { Random } from './engine/net';
export { Skb } from './engine/skb';
export { compileTable, doTable, UnsupportedExtension } from './engine/traverse';
export { Conntrack, type ConntrackOptions } from './conntrack/conntrack';
export { conntrackList, procNfConntrack } from './conntrack/print';
export { saveConntrack, loadConntrack } from './conntrack/snapshot';
export { newHost, type Host } from './host/model';
export { runIp, runSysctl, runListen } from './cli/host-commands';
export { runIptables, runSave, runRestore, parseRestoreArgs } from './cli/iptables';
export { runConntrack } from './cli/conntrack';
export { newRuleset, type Ruleset, type Table, type Chain, type Rule, type Family, type TableName } from './rules/model';
export { loadRuleset, storeRuleset } from './state/store';
export { loadHost, storeHost } from './host/store';
export { PacketView } from './wire/packet';
