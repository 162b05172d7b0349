import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FabrikError } from '../../shared/errors.ts';
import { cannotWrite, makeFolders } from '../../shared/write-output-file.ts';
import { createId } from '../../shared/ids.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { BlobIndex, DatasetStore, FoundryStore } from '../../store/core/foundry-store.ts';
import type { ExportRecord } from '../../store/core/records.ts';
import { chunkContentSha256 } from '../../store/core/content-hash.ts';
import { datasetVersionId, readManifest, resolveDatasetVersion } from '../core/build-dataset.ts';
import { runStage, type Stage, type StageOutput } from '../core/stage.ts';
import { readAuditFacts } from '../core/verify-data.ts';
import { csvFormat } from './csv/csv-format.ts';
import type { ExportFormat, ExportLine } from './export-line.ts';
import { jsonlFormat } from './jsonl/jsonl-format.ts';

export const EXPORT_FORMATS: Record<string, ExportFormat> = { jsonl: jsonlFormat, csv: csvFormat };

export interface ExportResult {
  record: ExportRecord;
  dataset: string;
  /** False for a version built before content hashing: its chunk ids and order were checked, not their content. */
  contentVerified: boolean;
}

/** What an export works with: the version it reads, the record it writes (in one transaction), the log it reads and checkpoints, and who acts. */
export interface ExportServices {
  store: BlobIndex & DatasetStore & Pick<FoundryStore, 'transaction'>;
  audit: Pick<AuditLog, 'checkpoint' | 'list'>;
  actor: string;
}

/**
 * Writes a dataset version to a file, one line per chunk with its source, then records the
 * export (file hash, line count), a lineage edge and an audit entry. The file appears whole or
 * not at all (written beside the target, synced, renamed). Every chunk is checked against the hash
 * its version's manifest records before its line counts: on a mismatch nothing is written and the
 * error (`data_integrity`) names the chunk.
 */
export async function exportDataset(services: ExportServices, reference: string, formatName: string, out: string): Promise<ExportResult> {
  const { record } = await runStage(DATASET_EXPORT_STAGE, { store: services.store, audit: services.audit, reference, formatName, out }, services);
  return record;
}

interface ExportInput {
  store: BlobIndex & DatasetStore;
  audit: Pick<AuditLog, 'list'>;
  reference: string;
  formatName: string;
  out: string;
}

/** The export stage: a dataset version in, a checked file and its record (an `export` edge, a `dataset.export` entry) out. Bump the version when a format's lines change. */
export const DATASET_EXPORT_STAGE: Stage<ExportInput, ExportResult> = { name: 'dataset.export', version: 'fabrik-export/1', run: writeExport };

async function writeExport({ store, audit, reference, formatName, out }: ExportInput): Promise<StageOutput<ExportResult>> {
  const format = EXPORT_FORMATS[formatName];
  if (format === undefined) {
    throw new FabrikError('invalid_option', `--format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}; got ${JSON.stringify(formatName)}`, { param: 'format' });
  }
  const version = await resolveDatasetVersion(store, reference);
  if (datasetVersionId(version.manifest) !== version.id) {
    throw new FabrikError('data_integrity', `dataset version ${version.id}: its stored manifest hashes to ${datasetVersionId(version.manifest)}, not to its id; the manifest was changed. Refusing to export; \`fabrik verify\` lists every mismatch`, { param: version.id });
  }
  const manifest = readManifest(version);
  const refuse = (message: string, param: string): FabrikError => new FabrikError('data_integrity', `dataset version ${version.id}: ${message}. Refusing to export; \`fabrik verify\` lists every mismatch`, { param });
  const documents = new Map(manifest.documents.map((document) => [document.id, document]));
  // Read the audit log only when a blank chunk needs explaining.
  let forgotten: Set<string> | null = null;
  const wasErased = async (sha256: string): Promise<boolean> => (await store.getBlob(sha256))?.erasedAt != null || (forgotten ??= (await readAuditFacts(audit))?.forgotten ?? new Set()).has(sha256);
  const target = resolve(out);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const hash = createHash('sha256');
  let lines = 0;
  const handle = await makeFolders(dirname(target)).then(() => open(temporary, 'wx', 0o644)).catch((error: unknown) => {
    throw cannotWrite(target, error, 'export');
  });
  try {
    const pending: string[] = [];
    let pendingLength = 0;
    const flush = async (): Promise<void> => {
      const text = pending.join('');
      pending.length = 0;
      pendingLength = 0;
      hash.update(text);
      await handle.write(text);
    };
    const push = async (text: string): Promise<void> => {
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength > 1 << 20) await flush();
    };
    await push(format.header());
    for (const chunk of await store.chunksOfVersion(version.id)) {
      const expected = manifest.chunks[lines];
      if (expected === undefined) throw refuse(`it holds more chunks than the ${manifest.chunks.length} its manifest lists (first extra: ${chunk.id})`, chunk.id);
      if (expected.id !== chunk.id) throw refuse(`chunk ${lines + 1} is ${chunk.id} but the manifest lists ${expected.id}`, chunk.id);
      if (expected.sha256 !== null && chunkContentSha256(chunk) !== expected.sha256) {
        const erased = documents.get(chunk.documentId);
        if (chunk.text === '' && erased !== undefined && (await wasErased(erased.sha256))) {
          throw new FabrikError('content_erased', `dataset version ${version.id} holds content erased on request by \`fabrik source forget\` (document ${erased.id}); build the dataset again (\`fabrik dataset build ${version.dataset}\`) for a version without it`, { param: chunk.id });
        }
        throw refuse(`chunk ${chunk.id} no longer matches the content hash its manifest records; its stored text, tokens, span, pages or elements were changed`, chunk.id);
      }
      const document = documents.get(chunk.documentId);
      if (document === undefined) throw new FabrikError('store_error', `chunk ${chunk.id} belongs to document ${chunk.documentId}, which is not in the manifest of ${version.id}`);
      const line: ExportLine = {
        id: chunk.id,
        text: chunk.text,
        tokens: chunk.tokenCount,
        dataset: version.dataset,
        version: version.id,
        source: {
          sha256: document.sha256,
          path: document.path,
          media_type: document.mediaType,
          source_version: document.version,
          document_id: document.id,
          pages: chunk.pages,
          char_span: chunk.span,
          element_ids: chunk.elementIds,
        },
      };
      await push(format.line(line));
      lines += 1;
    }
    if (lines !== manifest.chunks.length) throw refuse(`it holds ${lines} chunks but its manifest lists ${manifest.chunks.length} (first missing: ${manifest.chunks[lines]?.id})`, version.id);
    await flush();
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error instanceof FabrikError ? error : cannotWrite(target, error, 'export');
  }
  await handle.close();
  await rename(temporary, target).catch(async (error: unknown) => {
    await unlink(temporary).catch(() => undefined);
    throw cannotWrite(target, error, 'export');
  });
  const sha256 = hash.digest('hex');
  const record: ExportRecord = {
    id: createId('export', version.id, format.name, target, sha256),
    versionId: version.id,
    format: format.name,
    path: target,
    sha256,
    lineCount: lines,
    createdAt: new Date().toISOString(),
  };
  return {
    record: { record, dataset: version.dataset, contentVerified: manifest.contentHashed },
    subject: record.id,
    write: (tx) => tx.insertExport(record),
    parents: [{ id: version.id, relation: 'export' }],
    subjects: [version.id, record.id],
    options: { dataset: version.dataset, format: format.name, path: target, sha256, lines },
    figures: { lines },
  };
}

