import { EXPORT_FORMATS, exportDataset } from '../../foundry/exporters/export-dataset.ts';
import { FabrikError } from '../../shared/errors.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson } from '../output.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a dataset version to a file, one line per chunk with its source.',
  usage: 'fabrik export <name>[@version] --format jsonl|csv --out FILE [--json]',
  description: 'Each line has id, text, tokens, dataset, version and source = {sha256, path, media_type, source_version,\ndocument_id, pages, char_span, element_ids}; CSV has the same as flat columns. `fabrik lineage <id>` walks any\nline back to its source bytes. Every chunk is checked against the content hash its version\'s manifest records;\non a mismatch nothing is written and the exit status is 3 (data_integrity). In CSV, a cell starting with = + - @,\na tab or a carriage return gets a leading apostrophe so spreadsheets show it as text, not run it as a formula;\nJSONL keeps every text exactly.',
  options: {
    format: { type: 'string', description: `one of ${Object.keys(EXPORT_FORMATS).join(', ')}`, defaultText: 'jsonl' },
    out: { type: 'string', short: 'o', description: 'the file to write (replaced atomically)' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const out = stringOption(values, 'out');
    if (out === undefined) throw new FabrikError('usage', '--out FILE is required: where to write the export', { param: 'out' });
    const context = await openContext();
    try {
      const { record, dataset, contentVerified } = await exportDataset(context, positionals[0] as string, stringOption(values, 'format') ?? 'jsonl', out);
      if (!contentVerified) process.stderr.write(`fabrik: note: ${dataset}@${record.versionId} was built before dataset manifests hashed chunk content, so only its chunk ids and order were checked; \`fabrik dataset build ${dataset}\` makes a version whose content is checked\n`);
      if (values.json === true) printJson({ dataset, ...record });
      else process.stdout.write(`exported ${dataset}@${record.versionId} as ${record.format}: ${record.lineCount} lines\n  ${record.path}\n  sha256 ${record.sha256}\n  export id ${record.id}\n`);
      return 0;
    } finally {
      await context.close();
    }
  },
};
