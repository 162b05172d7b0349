import { buildDataset, readManifest, resolveDatasetVersion, validateDatasetName } from '../../foundry/core/build-dataset.ts';
import { DEFAULT_CHUNK_OPTIONS } from '../../foundry/stages/chunk/chunk-document.ts';
import { documentChunker } from '../../foundry/stages/chunk/document-chunker.ts';
import { integerOption, JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson, table } from '../output.ts';
import { createProgress } from '../progress.ts';

export const datasetBuildCommand: Command = {
  name: 'dataset build',
  summary: 'Chunk the ingested documents into an immutable, content-addressed dataset version.',
  usage: 'fabrik dataset build <name> [--chunk-tokens N] [--overlap N] [--json]',
  description: 'Chunks are measured in cl100k_base BPE tokens, end on element or word boundaries and never span two\nsections. The version id is the hash of the manifest, which lists each document\'s and each chunk\'s content\nhash: the same documents and options give the same id, and any later change to a chunk is detectable\n(`fabrik verify`; `export` refuses it). A document whose stored text no longer matches its recorded hash\nis refused (data_integrity, exit status 3). Shows progress on stderr when it is a terminal.',
  options: {
    'chunk-tokens': { type: 'string', description: 'largest chunk in tokens (16-65536)', defaultText: String(DEFAULT_CHUNK_OPTIONS.chunkTokens) },
    overlap: { type: 'string', description: 'tokens repeated from the previous chunk of the same section', defaultText: String(DEFAULT_CHUNK_OPTIONS.overlap) },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const name = validateDatasetName(positionals[0] as string);
    const chunkTokens = integerOption(values, 'chunk-tokens', DEFAULT_CHUNK_OPTIONS.chunkTokens, 16, 65_536);
    const overlap = integerOption(values, 'overlap', Math.min(DEFAULT_CHUNK_OPTIONS.overlap, Math.floor(chunkTokens / 2)), 0, 65_536);
    const context = await openContext();
    // Progress on stderr, one step per document; silent under --json and when stderr is no terminal.
    const progress = values.json === true ? null : createProgress('dataset build');
    try {
      const { version, created } = await buildDataset({ ...context, chunker: documentChunker }, name, { chunkTokens, overlap }, {
        onStart: (total) => progress?.start(total),
        onProgress: (done, _total, path) => progress?.update(done, path),
      });
      progress?.stop();
      if (values.json === true) {
        printJson({ created, ...summarize(version) });
      } else {
        process.stdout.write(`${created ? 'built' : 'unchanged (same inputs and options)'} ${name}@${version.id}\n  ${version.documentCount} documents, ${version.chunkCount} chunks, ${version.tokenCount} tokens\n`);
      }
      return 0;
    } finally {
      progress?.stop();
      await context.close();
    }
  },
};

export const datasetListCommand: Command = {
  name: 'dataset list',
  summary: 'List datasets and their versions.',
  usage: 'fabrik dataset list [--json]',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    try {
      const versions = await context.store.listDatasetVersions();
      if (values.json === true) {
        printJson(versions.map(summarize));
      } else if (versions.length === 0) {
        process.stdout.write('no datasets yet: `fabrik dataset build <name>` makes one\n');
      } else {
        process.stdout.write(table(['dataset', 'version', 'documents', 'chunks', 'tokens', 'created'], versions.map((version) => [version.dataset, version.id, String(version.documentCount), String(version.chunkCount), String(version.tokenCount), version.createdAt])));
      }
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const datasetShowCommand: Command = {
  name: 'dataset show',
  summary: 'Show one dataset version: options, documents and exports.',
  usage: 'fabrik dataset show <name>[@version] [--json]',
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const context = await openContext();
    try {
      const version = await resolveDatasetVersion(context.store, positionals[0] as string);
      const manifest = readManifest(version);
      const exports = await context.store.exportsForVersion(version.id);
      const versions = await context.store.listDatasetVersions(version.dataset);
      if (values.json === true) {
        printJson({ ...summarize(version), documents: manifest.documents, exports, versions: versions.map((entry) => entry.id) });
        return 0;
      }
      const lines = [
        `${version.dataset}@${version.id}`,
        `  created    ${version.createdAt}`,
        `  options    ${JSON.stringify(version.options)}`,
        `  contents   ${version.documentCount} documents, ${version.chunkCount} chunks, ${version.tokenCount} tokens`,
        '  documents:',
        ...manifest.documents.map((document) => `    ${document.id}  ${String(document.chunks).padStart(4)} chunks  ${document.path} (v${document.version})`),
        `  exports:${exports.length === 0 ? ' none' : ''}`,
        ...exports.map((record) => `    ${record.id}  ${record.format}  ${record.lineCount} lines  ${record.path}`),
        `  versions of ${version.dataset}: ${versions.map((entry) => entry.id).join(', ')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await context.close();
    }
  },
};

function summarize(version: { id: string; dataset: string; chunkCount: number; tokenCount: number; documentCount: number; options: Record<string, unknown>; createdAt: string }): Record<string, unknown> {
  return { dataset: version.dataset, version: version.id, documents: version.documentCount, chunks: version.chunkCount, tokens: version.tokenCount, options: version.options, createdAt: version.createdAt };
}

