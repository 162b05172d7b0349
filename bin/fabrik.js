#!/usr/bin/env node
// Launcher: fabrik needs Node 24 (type stripping, node:sqlite). When started by an older Node
// (a global `npm install -g .` or `npm link` runs this file with the system's node), run the same
// command on the Node 24 that `npm install` put in node_modules, as one process to the user:
// signals are passed on, and a child killed by a signal kills this process with the same signal
// (so a shell sees 128+n, not 1).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

const major = Number(process.versions.node.split('.')[0]);
const entry = new URL('../src/cli/main.ts', import.meta.url);

if (major >= 24) {
  const { main } = await import(entry.href);
  const { exitWithParent } = await import(new URL('../src/cli/exit-with-parent.ts', import.meta.url).href);
  exitWithParent();
  process.exitCode = await main(process.argv.slice(2));
} else {
  let node;
  try {
    node = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(`fabrik: needs Node.js 24 or newer (this is ${process.version}); run \`npm install\` in the fabrik folder to get it\n`);
    process.exit(1);
  }
  const args = [entry.pathname, ...process.argv.slice(2)];
  if (typeof process.execve === 'function') {
    // Node 22.15+/23.11+: become Node 24 in place; nothing stands between the user and fabrik.
    process.execve(node, [node, ...args], process.env);
  }
  const child = spawn(node, args, { stdio: 'inherit', env: { ...process.env, FABRIK_LAUNCHER_PID: String(process.pid) } });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];
  const forward = (signal) => {
    // A terminal's Ctrl-C reaches the whole process group, the child too: do not send it twice.
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  for (const signal of forwarded) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`fabrik: internal: could not start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const name of forwarded) process.off(name, forward);
    // Die of the same signal; should it be ignored here, exit as a shell reports it.
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000).unref();
    process.kill(process.pid, signal);
  });
}
