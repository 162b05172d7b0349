import { resolve } from 'node:path';
import { FabrikError } from '../../shared/errors.ts';
import { kindOfId } from '../../shared/ids.ts';
import type { DocumentStore, FoundryStore, LineageStore, SourceStore } from '../../store/core/foundry-store.ts';
import type { DocumentRecord, FailureRecord } from '../../store/core/records.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson, table } from '../output.ts';

export const documentsCommand: Command = {
  name: 'documents',
  summary: 'List the ingested documents (the current version of every source) and the failures.',
  usage: 'fabrik documents [--json]',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    try {
      const current = await context.store.currentDocuments();
      const failures = await context.store.listFailures();
      if (values.json === true) {
        printJson({ documents: current.map((entry) => ({ ...entry.document, path: entry.path, version: entry.version, versionId: entry.versionId })), failures });
        return 0;
      }
      if (current.length === 0) process.stdout.write('no documents yet: `fabrik ingest <path>` adds some\n');
      else process.stdout.write(table(['document', 'type', 'pages', 'elements', 'v', 'path'], current.map((entry) => [entry.document.id, entry.document.mediaType, String(entry.document.pageCount), String(entry.document.elementCount), String(entry.version), entry.path])));
      const failing = latestFailures(failures, new Set(current.map((entry) => entry.path)));
      if (failing.length > 0) {
        process.stdout.write(`\n${failing.length === 1 ? '1 file' : `${failing.length} files`} failed to ingest (latest attempt; \`fabrik ingest --retry-failed\` tries again):\n`);
        process.stdout.write(table(['code', 'path', 'message'], failing.map((failure) => [failure.code, failure.path, failure.message])));
      }
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const documentShowCommand: Command = {
  name: 'document show',
  summary: "Print one document's canonical text or its elements.",
  usage: 'fabrik document show <id|path[@version]> [--format text|json]',
  description: 'A path names the current version of that source; path@N names version N.',
  options: {
    format: { type: 'string', description: 'text (the canonical text) or json (document and elements)', defaultText: 'text' },
    json: { type: 'boolean', description: 'the same as --format json' },
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const format = values.json === true ? 'json' : stringOption(values, 'format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new FabrikError('invalid_option', `--format must be text or json; got ${JSON.stringify(format)}`, { param: 'format' });
    const context = await openContext();
    try {
      const document = await findDocument(context.store, positionals[0] as string);
      if (format === 'text') {
        process.stdout.write(`${document.text}\n`);
      } else {
        printJson({ ...document, sources: await context.store.versionsForBlob(document.sha256), elements: await context.store.listElements(document.id) });
      }
      return 0;
    } finally {
      await context.close();
    }
  },
};

/** Each path's most recent failure, leaving out paths whose current version did parse. */
function latestFailures(failures: readonly FailureRecord[], parsed: ReadonlySet<string>): FailureRecord[] {
  const latest = new Map<string, FailureRecord>();
  for (const failure of failures) if (!parsed.has(failure.path)) latest.set(failure.path, failure);
  return [...latest.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** What `findDocument` reads: sources and their versions, documents, and the lineage edge from content to its document. */
type DocumentFinder = SourceStore & DocumentStore & LineageStore & Pick<FoundryStore, 'resolveId'>;

/** A document by id (or prefix), by path (current version) or by path@version. */
export async function findDocument(store: DocumentFinder, reference: string): Promise<DocumentRecord> {
  if (kindOfId(reference) === 'document') {
    const id = await store.resolveId(reference);
    const document = id === null ? null : await store.getDocument(id);
    if (document === null) throw new FabrikError('not_found', `no document with id ${reference}; \`fabrik documents\` lists them`, { param: 'id' });
    return document;
  }
  const match = /^(.*)@(\d+)$/.exec(reference);
  const path = resolve(match?.[1] ?? reference);
  const source = await store.findSourceByPath(path);
  if (source === null) throw new FabrikError('not_found', `${path} has not been ingested; \`fabrik documents\` lists what has`, { param: 'path' });
  const versions = await store.listVersions(source.id);
  const version = match === null ? versions.at(-1) : versions.find((entry) => entry.version === Number(match[2]));
  if (version === undefined) throw new FabrikError('not_found', `${path} has no version ${match?.[2]}; it has versions 1 to ${versions.length}`, { param: 'version' });
  const parsed = await findBySha(store, version.sha256);
  if (parsed === null) throw new FabrikError('not_found', `${path} version ${version.version} did not parse; \`fabrik documents --json\` shows the failure`, { param: 'path' });
  return parsed;
}

async function findBySha(store: DocumentStore & LineageStore, sha256: string): Promise<DocumentRecord | null> {
  for (const edge of await store.childrenOf(`sha256:${sha256}`)) {
    const document = await store.getDocument(edge.child);
    if (document !== null) return document;
  }
  return null;
}
