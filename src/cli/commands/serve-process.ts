// The process `fabrik serve` turns itself into (see serve.ts): the server's modules only, not
// every CLI command's, started with V8 settings for a proxy. `node serve-process.ts [serve options]`.
import { toFabrikError } from '../../shared/errors.ts';
import { formatHelp, parseCommandArgs } from '../command.ts';
import { exitWithParent } from '../exit-with-parent.ts';
import { serveCommand } from './serve.ts';

const argv = process.argv.slice(2);
// execve kept our pid and parent but not the launcher's watch on that parent.
exitWithParent();
try {
  const input = parseCommandArgs(serveCommand, argv);
  if (input === 'help') process.stdout.write(formatHelp(serveCommand));
  else process.exitCode = await serveCommand.run(input);
} catch (error) {
  const fabrik = toFabrikError(error);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(fabrik.toJSON(), null, 2)}\n`);
  process.stderr.write(`fabrik: ${fabrik.code}: ${fabrik.message}\n`);
  process.exitCode = 1;
}
