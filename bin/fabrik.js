#!/usr/bin/env node
// Launcher: fabrik needs Node 24 (type stripping, node:sqlite). When started by an older Node,
// re-run the same command on the Node 24 that `npm install` put in node_modules.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
const entry = new URL('../src/cli/main.ts', import.meta.url);

if (major >= 24) {
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  let node;
  try {
    node = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(`fabrik: needs Node.js 24 or newer (this is ${process.version}); run \`npm install\` in the fabrik folder to get it\n`);
    process.exit(1);
  }
  const result = spawnSync(node, [entry.pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
