import { loadConfig } from '../../config/load-config.ts';
import { migrateDatabase } from '../../open-fabrik.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { printJson } from '../output.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date (PostgreSQL when FABRIK_DATABASE_URL or database.url is set, else the SQLite store in $FABRIK_HOME).',
  usage: 'fabrik migrate [--status] [--json]',
  description: [
    'Applies the schema steps this build of fabrik knows and the database lacks, in one transaction, and',
    'prints what it applied and the version now. Safe to run from several processes at once: on PostgreSQL',
    'the steps run under an advisory lock, so the second waits and finds nothing left to do. A database a',
    'newer fabrik migrated is refused. Every command also migrates on open; run this before starting a fleet',
    'of workers and gateways, or with --status to see where the database stands without changing it.',
  ].join('\n'),
  options: {
    status: { type: 'boolean', description: 'print the schema version and pending steps; change nothing' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const config = loadConfig();
    const statusOnly = values.status === true;
    const report = await migrateDatabase(config, statusOnly);
    if (values.json === true) {
      printJson({ ...report, status: statusOnly });
      return 0;
    }
    const lines = [`${report.database} ${report.location}`];
    for (const schema of report.schemas) {
      const pending = schema.latest - schema.version;
      if (schema.applied.length > 0) lines.push(`  ${schema.name}: applied ${schema.applied.length} step${schema.applied.length === 1 ? '' : 's'} (version ${schema.from} → ${schema.version}): ${schema.applied.join('; ')}`);
      else if (pending > 0) lines.push(`  ${schema.name}: version ${schema.version}, ${pending} step${pending === 1 ? '' : 's'} pending (latest ${schema.latest}); run fabrik migrate`);
      else lines.push(`  ${schema.name}: version ${schema.version}, up to date`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
