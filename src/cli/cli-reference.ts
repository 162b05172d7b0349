import { formatHelp } from './command.ts';
import { loadCommands } from './load-commands.ts';

/** docs/cli.md, made from the command definitions so the reference cannot drift from the code. */
export async function renderCliReference(): Promise<string> {
  const sections = (await loadCommands()).map((command) => `## fabrik ${command.name}\n\n\`\`\`\n${formatHelp(command).trimEnd()}\n\`\`\`\n`);
  return [
    '# CLI reference',
    '',
    'Generated from the command definitions in `src/cli/commands/` by',
    '`node src/cli/cli-reference.ts > docs/cli.md`; `src/cli/cli-reference.test.ts` fails when it is stale.',
    '',
    'Every command takes `--help`; `--json` prints the result as JSON on stdout (errors too, in the',
    '`{ "error": { message, type, param, code } }` shape). Exit status: 0 success, 1 usage or other error,',
    '2 partial success (some files failed to ingest), 3 an integrity check failed.',
    '',
    ...sections,
  ].join('\n');
}

if (import.meta.main) process.stdout.write(await renderCliReference());
