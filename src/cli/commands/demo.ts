import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { buildDataset } from '../../foundry/core/build-dataset.ts';
import { ingestPaths } from '../../foundry/core/ingest.ts';
import { exportDataset } from '../../foundry/exporters/export-dataset.ts';
import type { ExportLine } from '../../foundry/exporters/export-line.ts';
import { PARSER_CATALOG } from '../../foundry/parsers/parser-catalog.ts';
import { DEFAULT_CHUNK_OPTIONS } from '../../foundry/stages/chunk/chunk-document.ts';
import { documentChunker } from '../../foundry/stages/chunk/document-chunker.ts';
import { traceLineage } from '../../lineage/trace-lineage.ts';
import { sha256Hex } from '../../shared/hash.ts';
import type { ExportRecord } from '../../store/core/records.ts';
import { plural } from '../../shared/plural.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson } from '../output.ts';
import { createProgress } from '../progress.ts';
import { formatIngestSummary } from './ingest.ts';

const DATASET = 'nordwind-handbook';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Ingest the bundled sample documents, build and export a dataset, trace a line, verify the audit log.',
  usage: 'fabrik demo [--json]',
  description: 'The samples are a fictional pump maker\'s manuals (PDF), policies (DOCX), invoices (CSV), web page\n(HTML), release notes (Markdown) and site notes (windows-1252 text), written by fabrik itself into\n$FABRIK_HOME/samples. Running it again does no new work.',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    const json = values.json === true;
    const say = (text: string): void => {
      if (!json) process.stdout.write(text);
    };
    try {
      const { home } = context.config;
      const samples = join(home, 'samples');
      // pdf-lib and docx are loaded only when the demo runs.
      const { writeSampleDocuments } = await import('../../foundry/samples/write-sample-documents.ts');
      const written = await writeSampleDocuments(samples);
      say(`fabrik demo — data in ${home}\n\n1. sample documents: ${written.length} files in ${samples}\n`);
      for (const file of written) say(`   ${relative(samples, file.path).padEnd(48)} ${file.description}\n`);

      const progress = createProgress('ingest');
      const summary = await ingestPaths([samples], {
        store: context.store, audit: context.audit, blobs: context.blobs, config: context.config, parsers: PARSER_CATALOG, actor: context.actor,
        onStart: (total) => progress.start(total),
        onProgress: (done, _total, result) => progress.update(done, result.path),
      });
      progress.stop();
      say(`\n2. fabrik ingest ${samples}\n${indent(formatIngestSummary(summary))}`);

      const { version, created } = await buildDataset({ ...context, chunker: documentChunker }, DATASET, DEFAULT_CHUNK_OPTIONS);
      say(`\n3. fabrik dataset build ${DATASET}\n   ${created ? 'built' : 'unchanged'} ${DATASET}@${version.id}: ${version.documentCount} documents, ${version.chunkCount} chunks, ${version.tokenCount} tokens\n`);

      const jsonlPath = join(home, 'exports', `${DATASET}.jsonl`);
      const csvPath = join(home, 'exports', `${DATASET}.csv`);
      // A second demo finds both files as it wrote them and records no new export.
      const exportOnce = async (format: string, path: string): Promise<{ record: ExportRecord; again: boolean }> => {
        const earlier = (await context.store.exportsForVersion(version.id)).find((record) => record.format === format && record.path === path);
        const onDisk = earlier === undefined ? null : await readFile(path).then(sha256Hex, () => null);
        if (earlier !== undefined && onDisk === earlier.sha256) return { record: earlier, again: false };
        return { record: (await exportDataset(context, `${DATASET}@${version.id}`, format, path)).record, again: true };
      };
      const jsonl = await exportOnce('jsonl', jsonlPath);
      const csv = await exportOnce('csv', csvPath);
      const state = (written: boolean): string => (written ? '' : ', unchanged');
      say(`\n4. fabrik export ${DATASET} --format jsonl|csv\n   ${jsonlPath} (${jsonl.record.lineCount} lines${state(jsonl.again)})\n   ${csvPath} (${csv.record.lineCount} lines${state(csv.again)})\n`);

      const lines = (await readFile(jsonlPath, 'utf8')).split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as ExportLine);
      // Show a line from the PDF manual: its lineage carries pages and boxes.
      const line = lines.find((entry) => entry.source.media_type === 'application/pdf' && entry.source.pages.length > 0 && entry.source.pages[0] !== 1) ?? lines[0];
      const lineage = line === undefined ? null : await traceLineage(context, line.id);
      if (line !== undefined && lineage !== null) {
        say(`\n5. fabrik lineage ${line.id}   (one exported line)\n   text: ${JSON.stringify(line.text.slice(0, 90))}…\n`);
        const elements = lineage.down.filter((node) => node.kind === 'element');
        for (const node of lineage.down) {
          // Two elements show the shape; the rest are counted.
          const index = elements.indexOf(node);
          if (index >= 2) {
            if (index === 2) say(`   ↳ ${'…'.padEnd(15)} ${elements.length - 2} more elements\n`);
            continue;
          }
          say(`   ↳ ${node.kind.padEnd(15)} ${node.id} ${describe(node.details)}\n`);
        }
        for (const node of lineage.up) say(`   ↑ ${node.kind.padEnd(15)} ${node.id} ${describe(node.details)}\n`);
      }

      const report = await context.audit.verify();
      say(`\n6. fabrik audit verify\n   ${report.ok ? 'OK' : 'FAILED'}: ${plural(report.size, 'entry', 'entries')}, ${plural(report.checkpoints, 'signed checkpoint')}${report.firstBad === null ? '' : `; first bad entry ${report.firstBad.seq}: ${report.firstBad.reason}`}\n`);
      say(`\nNext: fabrik documents · fabrik document show <id> · fabrik lineage <id> · fabrik audit proof ${report.size}\n`);
      if (json) printJson({ home, samples: written, ingest: summary, dataset: { name: DATASET, version: version.id, created, chunks: version.chunkCount, tokens: version.tokenCount }, exports: [jsonl.record, csv.record], lineage, audit: report });
      return report.ok && summary.failed === 0 ? 0 : 2;
    } finally {
      await context.close();
    }
  },
};

function indent(text: string): string {
  return text.split('\n').map((line) => (line.length > 0 ? `   ${line}` : line)).join('\n');
}

function describe(details: Record<string, unknown>): string {
  const keys = ['path', 'version', 'page', 'bbox', 'charSpan', 'byteSpan', 'mediaType', 'size', 'pages', 'tokens', 'dataset', 'format'];
  return keys.filter((key) => details[key] !== undefined && details[key] !== null).map((key) => `${key}=${typeof details[key] === 'string' ? details[key] : JSON.stringify(details[key])}`).join(' ');
}
