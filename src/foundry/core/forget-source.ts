import { resolve } from 'node:path';
import { FabrikError } from '../../shared/errors.ts';
import { kindOfId } from '../../shared/ids.ts';
import type { BlobStore } from '../../store/core/blob-store.ts';
import type { FoundryStore } from '../../store/core/foundry-store.ts';
import type { SourceRecord } from '../../store/core/records.ts';

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

/** A source by id (or unique prefix) or by path. */
export function findSource(store: FoundryStore, reference: string): SourceRecord {
  if (kindOfId(reference) === 'source') {
    const id = store.resolveId(reference);
    const source = id === null ? null : store.getSource(id);
    if (source !== null) return source;
  }
  const path = resolve(reference);
  const source = store.findSourceByPath(path);
  if (source === null) throw new FabrikError('not_found', `${reference}: no source has this id or path; \`fabrik source list\` lists the sources`, { param: 'source' });
  return source;
}

/**
 * Erases a source on request: marks it forgotten (left out of builds, never ingested again from
 * that path), deletes the blob of every version and blanks the text derived from it, unless
 * another live source holds that content now. The audit entry names ids and hashes, not content.
 */
export async function forgetSource(store: FoundryStore, blobs: BlobStore, reference: string, actor: string): Promise<ForgetResult> {
  const source = findSource(store, reference);
  const versions = store.listVersions(source.id);
  if (source.state === 'forgotten') {
    // Already forgotten: finish deleting any bytes a crash left behind, change nothing else.
    for (const sha256 of new Set(versions.map((version) => version.sha256))) {
      if (store.getBlob(sha256)?.erasedAt != null) await blobs.delete(sha256);
    }
    return { source, changed: false, versions: versions.length, erased: [], kept: [] };
  }
  const erased: string[] = [];
  const kept: ForgetResult['kept'] = [];
  for (const sha256 of new Set(versions.map((version) => version.sha256))) {
    const holder = store.versionsForBlob(sha256).find((version) => {
      if (version.sourceId === source.id) return false;
      return store.getSource(version.sourceId)?.state === 'live' && store.latestVersion(version.sourceId)?.id === version.id;
    });
    if (holder === undefined) erased.push(sha256);
    else kept.push({ sha256, heldBy: holder.path });
  }
  const now = new Date().toISOString();
  store.transaction(() => {
    store.setSourceState(source.id, 'forgotten', now);
    for (const sha256 of erased) store.eraseContent(sha256, now);
    store.audit.append({
      actor,
      action: 'source.forget',
      subjects: [source.id, ...versions.map((version) => version.id), ...erased.map((sha256) => `sha256:${sha256}`)],
      options: { versions: versions.length, erased: erased.length, kept: kept.length },
    });
  });
  store.audit.checkpoint();
  // The bytes go after the record commits: a crash in between leaves a blob marked erased, never a
  // live record pointing at missing bytes. Running forget again finishes the job.
  for (const sha256 of erased) await blobs.delete(sha256);
  return { source: { ...source, state: 'forgotten', stateChangedAt: now }, changed: true, versions: versions.length, erased, kept };
}
