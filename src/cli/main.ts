import { FabrikError, toFabrikError } from '../shared/errors.ts';
import { CODE_VERSION } from '../shared/version.ts';
import { formatHelp, parseCommandArgs, type Command } from './command.ts';
import {
  auditCheckConsistencyCommand,
  auditCheckpointCommand,
  auditCheckProofCommand,
  auditConsistencyCommand,
  auditLogCommand,
  auditProofCommand,
  auditVerifyCommand,
} from './commands/audit.ts';
import { datasetBuildCommand, datasetListCommand, datasetShowCommand } from './commands/dataset.ts';
import { demoCommand } from './commands/demo.ts';
import { documentShowCommand, documentsCommand } from './commands/documents.ts';
import { engineSimCommand } from './commands/engine-sim.ts';
import { exportCommand } from './commands/export.ts';
import { ingestCommand } from './commands/ingest.ts';
import { lineageCommand } from './commands/lineage.ts';
import { keyCreateCommand, keyListCommand, keyRevokeCommand } from './commands/key.ts';
import { modelAddCommand, modelListCommand, modelRemoveCommand } from './commands/model.ts';
import { serveCommand } from './commands/serve.ts';
import { sourceForgetCommand, sourceListCommand } from './commands/source.ts';
import { teamCreateCommand, teamListCommand, teamSetCommand } from './commands/team.ts';
import { usageCommand } from './commands/usage.ts';
import { verifyCommand } from './commands/verify.ts';

export const COMMANDS: Command[] = [
  demoCommand,
  ingestCommand,
  documentsCommand,
  documentShowCommand,
  sourceListCommand,
  sourceForgetCommand,
  datasetBuildCommand,
  datasetListCommand,
  datasetShowCommand,
  exportCommand,
  lineageCommand,
  verifyCommand,
  auditVerifyCommand,
  auditProofCommand,
  auditCheckProofCommand,
  auditCheckpointCommand,
  auditConsistencyCommand,
  auditCheckConsistencyCommand,
  auditLogCommand,
  engineSimCommand,
  serveCommand,
  teamCreateCommand, teamListCommand, teamSetCommand,
  keyCreateCommand, keyListCommand, keyRevokeCommand,
  usageCommand,
  modelAddCommand, modelListCommand, modelRemoveCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    `fabrik (${CODE_VERSION}) — documents in, versioned datasets out, every step on a tamper-evident record`,
    '',
    'Usage: fabrik <command> [options]     fabrik <command> --help for its options',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Environment: FABRIK_HOME (data, default ./.fabrik), FABRIK_WORKERS, FABRIK_PARSE_TIMEOUT_MS,',
    'FABRIK_PARSE_MEMORY_MB, FABRIK_MAX_FILE_BYTES, FABRIK_CHECKPOINT_EVERY, FABRIK_ACTOR.',
    '',
  ].join('\n');
}

/** Runs the CLI with the given arguments and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(usage());
    return first === undefined ? 1 : 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${CODE_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === `${first} ${second}`) ?? COMMANDS.find((candidate) => candidate.name === first);
  const json = argv.includes('--json');
  try {
    if (command === undefined) {
      const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${first} `));
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
