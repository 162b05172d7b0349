// `npm run bench`: every benchmark in turn; each prints its own `bench <name>: …` lines.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BENCHES = ['fidelity.ts', 'pdf-engines.ts', 'ingest.ts', 'audit.ts', 'audit-postgres.ts', 'gateway.ts'];
let failed = 0;
for (const name of BENCHES) {
  const path = new URL(`./${name}`, import.meta.url).pathname;
  if (!existsSync(path)) continue;
  console.log(`\n== bench/${name}`);
  const result = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
