import { resolve } from 'node:path';
import { FabrikError } from '../../shared/errors.ts';
import { kindOfId } from '../../shared/ids.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { BlobIndex, DocumentStore, FoundryStore, SourceStore } from '../../store/core/foundry-store.ts';
import type { SourceRecord, SourceVersionRecord } from '../../store/core/records.ts';

export interface ForgetResult {
  source: SourceRecord;
  /** False when the source was already forgotten: nothing changed. */
  changed: boolean;
  versions: number;
  /** Contents whose blob and derived text were erased. */
  erased: string[];
  /** Contents kept because another live source holds them now, with that source's path. */
  kept: Array<{ sha256: string; heldBy: string }>;
}

/** What `forgetSource` works with: the sources and blobs it reads, the store it erases in one transaction, the log it checkpoints, the blob bytes it deletes, and who acts. */
export interface ForgetServices {
  store: SourceStore & BlobIndex & DocumentStore & Pick<FoundryStore, 'transaction' | 'resolveId'>;
  audit: Pick<AuditLog, 'checkpoint'>;
  blobs: BlobStore;
  actor: string;
}

/** A source by id (or unique prefix) or by path. */
export async function findSource(store: SourceStore & Pick<FoundryStore, 'resolveId'>, reference: string): Promise<SourceRecord> {
  if (kindOfId(reference) === 'source') {
    const id = await store.resolveId(reference);
    const source = id === null ? null : await store.getSource(id);
    if (source !== null) return source;
  }
  const path = resolve(reference);
  const source = await store.findSourceByPath(path);
  if (source === null) throw new FabrikError('not_found', `${reference}: no source has this id or path; \`fabrik source list\` lists the sources`, { param: 'source' });
  return source;
}

/**
 * Erases a source on request: marks it forgotten (left out of builds, never ingested again from
 * that path), deletes the blob of every version and blanks the text derived from it, unless
 * another live source holds that content now. The audit entry names ids and hashes, not content.
 */
export async function forgetSource(services: ForgetServices, reference: string): Promise<ForgetResult> {
  const { store, audit, blobs, actor } = services;
  const source = await findSource(store, reference);
  const versions = await store.listVersions(source.id);
  if (source.state === 'forgotten') {
    // Already forgotten: finish deleting any bytes a crash left behind, change nothing else.
    for (const sha256 of new Set(versions.map((version) => version.sha256))) {
      if ((await store.getBlob(sha256))?.erasedAt != null) await blobs.delete(sha256);
    }
    return { source, changed: false, versions: versions.length, erased: [], kept: [] };
  }
  const erased: string[] = [];
  const kept: ForgetResult['kept'] = [];
  for (const sha256 of new Set(versions.map((version) => version.sha256))) {
    let holder: SourceVersionRecord | undefined;
    for (const version of await store.versionsForBlob(sha256)) {
      if (version.sourceId === source.id) continue;
      if ((await store.getSource(version.sourceId))?.state === 'live' && (await store.latestVersion(version.sourceId))?.id === version.id) {
        holder = version;
        break;
      }
    }
    if (holder === undefined) erased.push(sha256);
    else kept.push({ sha256, heldBy: holder.path });
  }
  const now = new Date().toISOString();
  await store.transaction(async (tx) => {
    await tx.setSourceState(source.id, 'forgotten', now);
    for (const sha256 of erased) await tx.eraseContent(sha256, now);
    await tx.audit.append({
      actor,
      action: 'source.forget',
      subjects: [source.id, ...versions.map((version) => version.id), ...erased.map((sha256) => `sha256:${sha256}`)],
      options: { versions: versions.length, erased: erased.length, kept: kept.length },
    });
  });
  await audit.checkpoint();
  // The bytes go after the record commits: a crash in between leaves a blob marked erased, never a
  // live record pointing at missing bytes. Running forget again finishes the job.
  for (const sha256 of erased) await blobs.delete(sha256);
  return { source: { ...source, state: 'forgotten', stateChangedAt: now }, changed: true, versions: versions.length, erased, kept };
}
