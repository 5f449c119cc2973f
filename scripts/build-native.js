#!/usr/bin/env node
/*
 * Builds the native packet I/O addon (build/Release/netsieve_io.node) with
 * node-gyp. It is the package's `install` script and `npm run build:native`.
 *
 * - It builds against the Node headers already on the machine (npm's
 *   nodedir, the headers next to this node binary, or /usr/include/node),
 *   passed as --nodedir so node-gyp never downloads any.
 * - It never fails `npm install`: when the addon cannot be built, it prints
 *   one warning line (netsieve works without it except `netsieve run`) and
 *   exits 0. The full node-gyp output goes to build/native-build.log.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const logFile = path.join(root, 'build', 'native-build.log');
const FIX = 'install python3, make and g++, then run `npm rebuild netsieve` (or `npm run build:native` in a checkout)';

function warn(why) {
  console.warn(`netsieve: warning: the native packet I/O addon was not built (${why}); netsieve works without it except \`netsieve run\`. To fix: ${FIX}.`);
  process.exit(0);
}

const hasHeaders = (dir) => !!dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'));

/** A directory holding include/node/node_api.h for this Node, or null. */
function findNodedir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(process.env.npm_config_nodedir);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['config', 'get', 'nodedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const v = r.status === 0 ? r.stdout.trim() : '';
  if (v && v !== 'undefined' && v !== 'null') candidates.push(v);
  // An official Node tarball keeps its headers at <prefix>/include/node next to bin/node.
  candidates.push(path.join(path.dirname(process.execPath), '..'));
  // Distribution packages (Debian's nodejs / libnode-dev).
  candidates.push('/usr', '/usr/local');
  return candidates.find(hasHeaders) ?? null;
}

/** How to run node-gyp: [command, leading args]. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  // npm_execpath is npm-cli.js; npm bundles node-gyp next to it.
  const execpath = process.env.npm_execpath;
  if (execpath) {
    const bundled = path.join(path.dirname(execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(bundled)) return [process.execPath, [bundled]];
  }
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(npmDir)) return [process.execPath, [npmDir]];
  return [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--yes', 'node-gyp']];
}

function main() {
  if (process.platform !== 'linux') warn(`it drives Linux interfaces and this is ${process.platform}`);
  const nodedir = findNodedir();
  if (!nodedir) warn(`no Node headers found (include/node/node_api.h), and they are never downloaded: install your distribution's Node headers (Debian: libnode-dev) or set npm's nodedir`);
  const [cmd, lead] = findNodeGyp();
  const r = spawnSync(cmd, [...lead, 'rebuild', `--nodedir=${nodedir}`], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
    maxBuffer: 1 << 26,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}\n` : ''}`;
  try {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, out);
  } catch { /* the log is a courtesy */ }
  const built = path.join(root, 'build', 'Release', 'netsieve_io.node');
  if (r.status !== 0 || !fs.existsSync(built)) {
    warn(`node-gyp ${r.error ? `could not run: ${r.error.message}` : `failed, see ${path.relative(process.cwd(), logFile) || logFile}`}`);
  }
  if (process.env.npm_lifecycle_event !== 'install') console.log(`netsieve: built ${path.relative(process.cwd(), built)}`);
}

main();
