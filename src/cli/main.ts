import { FabrikError, toFabrikError } from '../shared/errors.ts';
import { CODE_VERSION } from '../shared/version.ts';
import { formatHelp, parseCommandArgs } from './command.ts';
import { loadCommandGroup, loadCommands } from './load-commands.ts';

async function usage(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    `fabrik (${CODE_VERSION}) — documents in, versioned datasets out, every step on a tamper-evident record`,
    '',
    'Usage: fabrik <command> [options]     fabrik <command> --help for its options',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Environment: FABRIK_CONFIG (a config file), FABRIK_HOME (data, default ./.fabrik), FABRIK_DATABASE_URL,',
    'FABRIK_WORKERS, FABRIK_PARSE_TIMEOUT_MS, FABRIK_PARSE_MEMORY_MB, FABRIK_MAX_FILE_BYTES, FABRIK_CHECKPOINT_EVERY,',
    'FABRIK_ACTOR. `fabrik config show` prints every setting and where it came from (docs/config.md).',
    '',
  ].join('\n');
}

/** Runs the CLI with the given arguments and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(await usage());
    return first === undefined ? 1 : 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${CODE_VERSION}\n`);
    return 0;
  }
  const json = argv.includes('--json');
  try {
    const commands = await loadCommandGroup(first);
    const command = commands?.find((candidate) => candidate.name === `${first} ${second}`) ?? commands?.find((candidate) => candidate.name === first);
    if (command === undefined) {
      const group = (commands ?? []).filter((candidate) => candidate.name.startsWith(`${first} `));
      if (group.length > 0) {
        const wanted = second === undefined || second === '--help' || second === '-h';
        if (wanted) {
          process.stdout.write(`Usage:\n${group.map((candidate) => `  ${candidate.usage}\n      ${candidate.summary}`).join('\n')}\n`);
          return second === undefined ? 1 : 0;
        }
        throw new FabrikError('usage', `unknown subcommand "${first} ${second}"; try one of: ${group.map((candidate) => candidate.name).join(', ')}`, { param: 'command' });
      }
      throw new FabrikError('usage', `unknown command "${first}"; \`fabrik --help\` lists the commands`, { param: 'command' });
    }
    const rest = argv.slice(command.name.split(' ').length);
    const input = parseCommandArgs(command, rest);
    if (input === 'help') {
      process.stdout.write(formatHelp(command));
      return 0;
    }
    return await command.run(input);
  } catch (error) {
    const fabrik = toFabrikError(error);
    if (json) process.stdout.write(`${JSON.stringify(fabrik.toJSON(), null, 2)}\n`);
    process.stderr.write(`fabrik: ${fabrik.code}: ${fabrik.message}\n`);
    if (fabrik.code === 'internal' && process.env.FABRIK_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    // Exit status 3 means an integrity check failed, whichever command found it.
    return fabrik.type === 'integrity_error' ? 3 : 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
