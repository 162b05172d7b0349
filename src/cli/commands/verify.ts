import { verifyData, type DataProblemKind } from '../../foundry/core/verify-data.ts';
import { FabrikError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson } from '../output.ts';
import { createProgress, type Progress } from '../progress.ts';

const PHASE_TITLES: Record<DataProblemKind, string> = { blob: 'verify blobs', document: 'verify documents', 'dataset-version': 'verify datasets', chunk: 'verify chunks' };

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Check everything fabrik stored: the audit log, and every blob, document, dataset version and chunk against its recorded hash.',
  usage: 'fabrik verify [--json]',
  description: [
    'Runs `audit verify`, then re-hashes every blob file against its sha256, every document\'s text and',
    'elements against the content hash recorded when it was parsed, every dataset version\'s manifest',
    'against its id and its dataset.build audit entry, and every chunk against the hash its manifest',
    'lists. Names the first mismatch. Versions built before manifests hashed content are listed: their',
    'chunk ids and order are checked, not their text (build the dataset again to cover it). Content erased',
    'by `source forget` (named by its audit entry) is counted as erased, not re-hashed.',
    'Exit status 0 when everything verifies, 3 when something does not (audit_integrity, data_integrity).',
  ].join('\n'),
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const json = values.json === true;
    const context = await openContext();
    // One bar per phase; a holder, because the phase callback replaces it.
    const bar: { current: Progress | null } = { current: null };
    const phase = (title: string, total: number): void => {
      bar.current?.stop();
      bar.current = json ? null : createProgress(title);
      bar.current?.start(total);
    };
    try {
      phase('verify audit', await context.audit.size());
      const audit = await context.audit.verify({ onProgress: (done) => bar.current?.update(done) });
      const data = await verifyData(context, {
        onPhase: (kind, total) => phase(PHASE_TITLES[kind], total),
        onProgress: (done) => bar.current?.update(done),
      });
      bar.current?.stop();
      const error = audit.ok
        ? data.firstBad === null ? null : new FabrikError('data_integrity', `${plural(data.problems.length, 'problem')}; first: ${data.firstBad.reason}`, { param: data.firstBad.id })
        : new FabrikError('audit_integrity', `the audit log does not verify; first bad entry: ${audit.firstBad === null ? 'unknown' : `seq ${audit.firstBad.seq}: ${audit.firstBad.reason}`}`, { param: 'audit' });
      if (json) {
        printJson({ ok: error === null, audit, data, ...(error === null ? {} : error.toJSON()) });
      } else {
        const lines: string[] = [];
        if (audit.ok) {
          lines.push(`audit log OK: ${audit.size} entries, ${audit.checkpoints} signed checkpoints verified`);
        } else {
          lines.push(`audit log FAILED verification: ${plural(audit.problems.length, 'problem')}`);
          if (audit.firstBad !== null) lines.push(`  first bad entry: seq ${audit.firstBad.seq}: ${audit.firstBad.reason}`);
        }
        if (data.ok) {
          const { erased } = data;
          const erasedNote = erased.blobs + erased.documents + erased.chunks === 0 ? '' : `; erased on request, so not re-hashed: ${plural(erased.blobs, 'blob')}, ${plural(erased.documents, 'document')}, ${plural(erased.chunks, 'chunk')}`;
          lines.push(`data OK: ${plural(data.blobs, 'blob')}, ${plural(data.documents, 'document')}, ${plural(data.datasetVersions, 'dataset version')}, ${plural(data.chunks, 'chunk')}${erasedNote}`);
        } else {
          lines.push(`data FAILED verification: ${plural(data.problems.length, 'problem')}`);
          if (data.firstBad !== null) lines.push(`  first mismatch: ${data.firstBad.kind} ${data.firstBad.id}: ${data.firstBad.reason}`);
          for (const problem of data.problems.slice(1, 20)) lines.push(`  - ${problem.kind} ${problem.id}: ${problem.reason}`);
        }
        if (data.unhashedVersions.length > 0) {
          lines.push(`  note: ${data.unhashedVersions.length} dataset version(s) built before manifests hashed content; their chunk ids and order were checked, not their text: ${data.unhashedVersions.join(', ')}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (error !== null) process.stderr.write(`fabrik: ${error.code}: ${error.message}\n`);
      return error === null ? 0 : 3;
    } finally {
      bar.current?.stop();
      await context.close();
    }
  },
};
