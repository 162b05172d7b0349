import type { Command } from './command.ts';

// The module of each command, by the command's first word. A run loads only the module of the
// command asked for: importing every command (the tokenizer, the PDF and gateway stacks) took
// about half of a short command's time.
const MODULES: Record<string, () => Promise<Record<string, unknown>>> = {
  demo: () => import('./commands/demo.ts'),
  ingest: () => import('./commands/ingest.ts'),
  documents: () => import('./commands/documents.ts'),
  document: () => import('./commands/documents.ts'),
  source: () => import('./commands/source.ts'),
  dataset: () => import('./commands/dataset.ts'),
  export: () => import('./commands/export.ts'),
  lineage: () => import('./commands/lineage.ts'),
  verify: () => import('./commands/verify.ts'),
  audit: () => import('./commands/audit.ts'),
  'engine-sim': () => import('./commands/engine-sim.ts'),
  serve: () => import('./commands/serve.ts'),
  config: () => import('./commands/config.ts'),
  team: () => import('./commands/team.ts'),
  key: () => import('./commands/key.ts'),
  usage: () => import('./commands/usage.ts'),
  model: () => import('./commands/model.ts'),
  worker: () => import('./commands/worker.ts'),
  jobs: () => import('./commands/jobs.ts'),
  migrate: () => import('./commands/migrate.ts'),
};

/** Every command in the order `fabrik --help` and docs/cli.md list them. */
export const COMMAND_ORDER = [
  'demo', 'ingest', 'documents', 'document show', 'source list', 'source forget',
  'dataset build', 'dataset list', 'dataset show', 'export', 'lineage', 'verify',
  'audit verify', 'audit proof', 'audit check-proof', 'audit checkpoint', 'audit consistency', 'audit check-consistency', 'audit log',
  'engine-sim', 'serve', 'config show', 'config check', 'migrate',
  'team create', 'team list', 'team set', 'key create', 'key list', 'key revoke', 'usage', 'model add', 'model list', 'model remove',
  'worker', 'jobs list', 'jobs retry', 'jobs stats',
] as const;

function commandsOf(module: Record<string, unknown>): Command[] {
  return Object.values(module).filter((value): value is Command => typeof value === 'object' && value !== null && typeof (value as Command).name === 'string' && typeof (value as Command).run === 'function');
}

/** The commands whose name starts with `word` (one module's), or null when no command does. */
export async function loadCommandGroup(word: string): Promise<Command[] | null> {
  const load = Object.hasOwn(MODULES, word) ? MODULES[word] : undefined;
  if (load === undefined) return null;
  const order: readonly string[] = COMMAND_ORDER;
  return commandsOf(await load())
    .filter((command) => command.name === word || command.name.startsWith(`${word} `))
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** Every command, in COMMAND_ORDER; a command missing from the order is a programming error. */
export async function loadCommands(): Promise<Command[]> {
  const modules = await Promise.all([...new Set(Object.values(MODULES))].map((load) => load()));
  const byName = new Map(modules.flatMap(commandsOf).map((command) => [command.name, command]));
  const order: readonly string[] = COMMAND_ORDER;
  const unlisted = [...byName.keys()].filter((name) => !order.includes(name));
  if (unlisted.length > 0) throw new Error(`programming error: commands missing from COMMAND_ORDER in load-commands.ts: ${unlisted.join(', ')}`);
  return order.map((name) => {
    const command = byName.get(name);
    if (command === undefined) throw new Error(`programming error: COMMAND_ORDER names "${name}", which no command module exports`);
    return command;
  });
}
