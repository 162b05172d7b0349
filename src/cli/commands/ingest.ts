import { ingestPaths, type IngestSummary } from '../../foundry/core/ingest.ts';
import { PARSER_CATALOG } from '../../foundry/parsers/parser-catalog.ts';
import { loadFabrikConfig } from '../../config/load-config.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { createProgress } from '../progress.ts';
import { visible } from '../output.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Store, detect and parse files and folders into documents of elements.',
  usage: 'fabrik ingest <path...> [options]',
  description: [
    'Each file is stored once by SHA-256 and parsed by the format its bytes show (PDF, DOCX, HTML,',
    'Markdown, CSV, plain text). Unchanged files are skipped; a changed file becomes a new version of',
    'its source. A file that fails is recorded with its reason and the run goes on.',
    'A source under a re-ingested folder whose file is gone (removed or renamed) is marked deleted and',
    'left out of new dataset builds; `fabrik source list` shows sources and their state.',
    'Each file that needs parsing becomes an `ingest` job in the store\'s queue; by default this command runs',
    'the queue itself (with any jobs queued before) and returns when it is empty. With --queue it only stores',
    'the bytes and queues the jobs, for `fabrik worker` processes to run.',
    'Exit status: 0 when every file was ingested (or queued), 2 when some failed, 1 on a usage error.',
  ].join('\n'),
  options: {
    json: JSON_OPTION,
    workers: { type: 'string', description: 'parser threads', defaultText: 'number of CPU cores (FABRIK_WORKERS)' },
    timeout: { type: 'string', description: 'time limit per file in ms', defaultText: '30000 (FABRIK_PARSE_TIMEOUT_MS)' },
    memory: { type: 'string', description: 'heap limit per parser thread in MiB', defaultText: '1024 (FABRIK_PARSE_MEMORY_MB)' },
    'max-file-size': { type: 'string', description: 'largest file in bytes', defaultText: '268435456 (FABRIK_MAX_FILE_BYTES)' },
    'retry-failed': { type: 'boolean', description: 'parse again unchanged files whose last attempt failed' },
    queue: { type: 'boolean', description: 'only store the files and queue their ingest jobs for `fabrik worker`; do not parse here' },
    rehash: { type: 'boolean', description: 'hash every file, not only those whose size or mtime changed: use it after cp -p, rsync -a or a restore (they keep mtimes)' },
  },
  positionals: [1, Infinity],
  async run({ positionals, values }) {
    // --workers, --timeout, --memory and --max-file-size are schema flags: merged over file and environment in one place.
    const config = loadFabrikConfig({ flags: values }).fabrik;
    const context = await openContext(config);
    const progress = createProgress('ingest');
    try {
      const summary = await ingestPaths(positionals, {
        store: context.store,
        audit: context.audit,
        blobs: context.blobs,
        config,
        parsers: PARSER_CATALOG,
        actor: context.actor,
        retryFailed: values['retry-failed'] === true,
        rehash: values.rehash === true,
        queue: values.queue === true,
        onStart: (total) => progress.start(total),
        onProgress: (done, _total, result) => progress.update(done, result.path),
      });
      progress.stop();
      if (values.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(formatIngestSummary(summary));
      return summary.failed > 0 ? 2 : 0;
    } finally {
      progress.stop();
      await context.close();
    }
  },
};

/** The human summary of an ingest run. */
export function formatIngestSummary(summary: IngestSummary): string {
  const lines = [
    `files      ${summary.files} (${summary.ingested} new, ${summary.newVersions} new versions, ${summary.unchanged} unchanged, ${summary.failed} failed)`,
    `documents  ${summary.documents}`,
    `pages      ${summary.pages}`,
    `elements   ${summary.elements}`,
    `time       ${(summary.durationMs / 1000).toFixed(2)} s`,
  ];
  if (summary.queued > 0) lines.push(`queued     ${summary.queued} ingest job${summary.queued === 1 ? '' : 's'} (\`fabrik worker\` runs them; \`fabrik jobs stats\` counts them)`);
  if (summary.failed > 0) {
    lines.push(`failures   ${Object.entries(summary.failuresByReason).map(([code, count]) => `${code}: ${count}`).join(', ')}`);
    for (const failure of summary.failures) lines.push(`  ✗ ${visible(failure.path)}\n    ${failure.code}: ${visible(failure.message)}`);
  }
  if (summary.deleted.length > 0) {
    lines.push(`deleted    ${summary.deleted.length} (gone from the folder; left out of new dataset builds)`);
    for (const entry of summary.deleted.slice(0, 20)) lines.push(`  - ${entry.path}`);
  }
  const skipped = summary.skipped.filter((note) => note.reason !== 'duplicate');
  if (skipped.length > 0) {
    lines.push(`skipped    ${skipped.length}`);
    for (const note of skipped.slice(0, 20)) lines.push(`  - ${visible(note.path)} (${note.reason})`);
  }
  return `${lines.join('\n')}\n`;
}
