import { readFile } from 'node:fs/promises';
import { checkConsistencyProof, checkProof, serializeConsistencyProof, serializeProof } from '../../audit/audit-log.ts';
import { FabrikError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { writeOutputFile } from '../../shared/write-output-file.ts';
import { integerOption, JSON_OPTION, stringOption, type Command, type CommandInput } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson, table } from '../output.ts';
import { createProgress } from '../progress.ts';

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'Recompute the whole audit log (Merkle tree, signed checkpoints) and name the first bad entry.',
  usage: 'fabrik audit verify [--against CHECKPOINT-FILE]... [--json]',
  description:
    'Also checks the log against the last checkpoint fabrik signed ($FABRIK_HOME/keys/audit.checkpoint) and against\n' +
    'each --against file: a checkpoint saved earlier (`fabrik audit checkpoint --out FILE`) must still be in the log\n' +
    'with the same root, so any rewrite of the entries it covers shows, even one re-signed with the key.\n' +
    'Exit status 0 when the log verifies, 3 when it does not.',
  options: {
    against: { type: 'string', multiple: true, description: 'a saved signed checkpoint the log must still contain (repeatable)' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const against = await Promise.all(((values.against as string[] | undefined) ?? []).map(async (file) => ({ source: file, note: await readInputFile(file, 'against') })));
    const context = await openContext();
    const progress = createProgress('verify');
    try {
      progress.start(await context.audit.size());
      const report = await context.audit.verify({ onProgress: (done) => progress.update(done), against });
      progress.stop();
      if (values.json === true) {
        printJson(report);
      } else if (report.ok) {
        const saved = against.length === 0 ? '' : `; it contains ${plural(against.length, 'saved checkpoint')} unchanged`;
        process.stdout.write(`audit log OK: ${plural(report.size, 'entry', 'entries')}, ${plural(report.checkpoints, 'signed checkpoint')} verified${saved}\n`);
      } else {
        const first = report.firstBad;
        process.stdout.write(`audit log FAILED verification: ${plural(report.problems.length, 'problem')}\n`);
        if (first !== null) process.stdout.write(`  first bad entry: seq ${first.seq}: ${first.reason}\n`);
        for (const problem of report.problems.slice(0, 20)) process.stdout.write(`  - seq ${problem.seq}: ${problem.reason}\n`);
      }
      return report.ok ? 0 : 3;
    } finally {
      progress.stop();
      await context.close();
    }
  },
};

export const auditProofCommand: Command = {
  name: 'audit proof',
  summary: 'Write an inclusion proof for one audit entry, with the signed checkpoint it is checked against.',
  usage: 'fabrik audit proof <seq> [--out FILE] [--json]',
  description: 'The proof file is self-contained: `fabrik audit check-proof FILE` verifies it without the database.',
  options: {
    out: { type: 'string', short: 'o', description: 'write the proof here instead of stdout' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const raw = positionals[0] as string;
    const context = await openContext();
    try {
      const size = await context.audit.size();
      if (size === 0) throw new FabrikError('not_found', 'the audit log has no entries yet', { param: 'seq' });
      const rule = `the entry number must be a whole number from 1 to ${size}; got ${JSON.stringify(raw)}`;
      if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) throw new FabrikError('invalid_option', rule, { param: 'seq' });
      const seq = Number(raw);
      if (seq > size) throw new FabrikError('not_found', `${rule} (the log has ${plural(size, 'entry', 'entries')})`, { param: 'seq' });
      const bytes = serializeProof(await context.audit.proof(seq));
      const out = stringOption(values, 'out');
      if (out === undefined) {
        process.stdout.write(bytes);
      } else {
        await writeOutputFile(out, bytes, 'inclusion proof');
        if (values.json === true) printJson({ seq, out, bytes: bytes.byteLength });
        else process.stdout.write(`inclusion proof for entry ${seq} written to ${out}\n`);
      }
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const auditCheckProofCommand: Command = {
  name: 'audit check-proof',
  summary: 'Verify an inclusion proof file offline, with no access to the database.',
  usage: 'fabrik audit check-proof <file> [--key VERIFIER-KEY | --key-file FILE] [--json]',
  description: 'Pin the log\'s verifier key with --key or --key-file ($FABRIK_HOME/keys holds it); without one the\nkey embedded in the proof is trusted, and the output says so. Exit status 0 valid, 3 invalid.',
  options: {
    key: { type: 'string', description: 'the note verifier key, <name>+<hex id>+<base64 key>' },
    'key-file': { type: 'string', description: 'a file holding the verifier key' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const file = positionals[0] as string;
    const bytes = await readInputBytes(file, 'file');
    const verifierKey = await verifierKeyOption(values);
    try {
      const result = checkProof(bytes, verifierKey === undefined ? {} : { verifierKey });
      if (values.json === true) printJson(result);
      else process.stdout.write(`proof OK: entry ${result.seq} is in the log ${result.keyName} of size ${result.treeSize} (root ${result.rootHash})${result.trustedEmbeddedKey ? '\n  note: checked against the key embedded in the proof; pass --key to pin the log\'s key' : ''}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof FabrikError) || error.code !== 'proof_invalid') throw error;
      if (values.json === true) printJson({ ok: false, ...error.toJSON() });
      else process.stdout.write(`proof INVALID: ${error.message}\n`);
      return 3;
    }
  },
};

export const auditLogCommand: Command = {
  name: 'audit log',
  summary: 'List audit entries.',
  usage: 'fabrik audit log [--from SEQ] [--limit N] [--json]',
  options: {
    from: { type: 'string', description: 'first entry to list', defaultText: '1' },
    limit: { type: 'string', description: 'most entries to list', defaultText: '50' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    try {
      const entries = await context.audit.list({ from: integerOption(values, 'from', 1, 1, Number.MAX_SAFE_INTEGER), limit: integerOption(values, 'limit', 50, 1, 1_000_000) });
      if (values.json === true) printJson(entries);
      else process.stdout.write(table(['seq', 'time', 'actor', 'action', 'subjects'], entries.map((entry) => [String(entry.seq), entry.time, entry.actor, entry.action, entry.subjects.join(' ')])));
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const auditCheckpointCommand: Command = {
  name: 'audit checkpoint',
  summary: 'Print (or save) the latest signed checkpoint, signing one first if entries are not yet covered.',
  usage: 'fabrik audit checkpoint [--out FILE] [--json]',
  description:
    'An auditor keeps the file: `fabrik audit verify --against FILE` and `fabrik audit check-consistency` later show\n' +
    'whether the log still extends it. The file is the C2SP signed note, as stored.',
  options: {
    out: { type: 'string', short: 'o', description: 'write the checkpoint here instead of stdout' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    try {
      const checkpoint = await context.audit.checkpoint();
      if (checkpoint === null) throw new FabrikError('not_found', 'the audit log has no entries yet, so there is no checkpoint to save', { param: 'checkpoint' });
      const out = stringOption(values, 'out');
      if (out !== undefined) await writeOutputFile(out, checkpoint.note, 'checkpoint');
      if (values.json === true) printJson({ size: checkpoint.size, rootHash: checkpoint.rootHash, note: checkpoint.note, ...(out === undefined ? {} : { out }) });
      else if (out === undefined) process.stdout.write(checkpoint.note);
      else process.stdout.write(`checkpoint at size ${checkpoint.size} (root ${checkpoint.rootHash}) written to ${out}\n`);
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const auditConsistencyCommand: Command = {
  name: 'audit consistency',
  summary: 'Write an RFC 9162 consistency proof from the signed checkpoint at OLD-SIZE to the latest one.',
  usage: 'fabrik audit consistency <old-size> [--out FILE] [--json]',
  description: 'The proof file is self-contained: `fabrik audit check-consistency FILE` verifies it without the database.',
  options: {
    out: { type: 'string', short: 'o', description: 'write the proof here instead of stdout' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const raw = positionals[0] as string;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
      throw new FabrikError('invalid_option', `the old size must be a whole number from 1 (the size of a signed checkpoint); got ${JSON.stringify(raw)}`, { param: 'old-size' });
    }
    const context = await openContext();
    try {
      const proof = await context.audit.consistency(Number(raw));
      const bytes = serializeConsistencyProof(proof);
      const out = stringOption(values, 'out');
      if (out === undefined) {
        process.stdout.write(bytes);
      } else {
        await writeOutputFile(out, bytes, 'consistency proof');
        if (values.json === true) printJson({ oldSize: Number(raw), out, bytes: bytes.byteLength });
        else process.stdout.write(`consistency proof from size ${raw} to the latest checkpoint written to ${out}\n`);
      }
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const auditCheckConsistencyCommand: Command = {
  name: 'audit check-consistency',
  summary: 'Verify a consistency proof file offline: the newer checkpoint extends the older one, nothing rewritten.',
  usage: 'fabrik audit check-consistency <file> [--key VERIFIER-KEY | --key-file FILE] [--against CHECKPOINT-FILE] [--json]',
  description:
    'Pin the log\'s verifier key with --key or --key-file; give the checkpoint you saved earlier with --against, and the\n' +
    'proof must start from exactly that tree. Exit status 0 valid, 3 invalid.',
  options: {
    key: { type: 'string', description: 'the note verifier key, <name>+<hex id>+<base64 key>' },
    'key-file': { type: 'string', description: 'a file holding the verifier key' },
    against: { type: 'string', description: 'the signed checkpoint you saved earlier (`fabrik audit checkpoint --out`)' },
    json: JSON_OPTION,
  },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const file = positionals[0] as string;
    const bytes = await readInputBytes(file, 'file');
    const verifierKey = await verifierKeyOption(values);
    const againstFile = stringOption(values, 'against');
    const savedCheckpoint = againstFile === undefined ? undefined : await readInputFile(againstFile, 'against');
    try {
      const result = checkConsistencyProof(bytes, { ...(verifierKey === undefined ? {} : { verifierKey }), ...(savedCheckpoint === undefined ? {} : { savedCheckpoint }) });
      if (values.json === true) {
        printJson(result);
      } else {
        const notes = [
          ...(result.trustedEmbeddedKey ? ['note: checked against the key embedded in the proof; pass --key-file to pin the log\'s key'] : []),
          ...(result.matchedSavedCheckpoint ? [] : ['note: no --against checkpoint given; the old checkpoint is the one in the proof']),
        ];
        process.stdout.write(
          `consistency OK: the log ${result.origin} at size ${result.newSize} (root ${result.newRootHash}) extends size ${result.oldSize} (root ${result.oldRootHash})\n` +
            notes.map((note) => `  ${note}\n`).join(''),
        );
      }
      return 0;
    } catch (error) {
      if (!(error instanceof FabrikError) || error.code !== 'proof_invalid') throw error;
      if (values.json === true) printJson({ ok: false, ...error.toJSON() });
      else process.stdout.write(`consistency proof INVALID: ${error.message}\n`);
      return 3;
    }
  },
};

/** --key, or the contents of --key-file (a missing file is path_not_found naming it). */
async function verifierKeyOption(values: CommandInput['values']): Promise<string | undefined> {
  const keyFile = stringOption(values, 'key-file');
  if (keyFile !== undefined) return (await readInputFile(keyFile, 'key-file')).trim();
  return stringOption(values, 'key');
}

/** The text of a file named on the command line. */
async function readInputFile(path: string, option: string): Promise<string> {
  return Buffer.from(await readInputBytes(path, option)).toString('utf8');
}

/** Reads a file named on the command line; a missing or unreadable one is path_not_found naming the file and the option. */
async function readInputBytes(path: string, option: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    const what = option === 'file' ? 'the file' : `--${option}`;
    throw new FabrikError('path_not_found', `${path} (${what}): cannot be read: ${why}`, { param: option });
  }
}
