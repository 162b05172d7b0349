import { readFile, writeFile } from 'node:fs/promises';
import { checkProof, serializeProof } from '../../audit/audit-log.ts';
import { FabrikError } from '../../shared/errors.ts';
import { integerOption, JSON_OPTION, stringOption, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson, table } from '../output.ts';
import { createProgress } from '../progress.ts';

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'Recompute the whole audit log (Merkle tree, signed checkpoints) and name the first bad entry.',
  usage: 'fabrik audit verify [--json]',
  description: 'Exit status 0 when the log verifies, 3 when it does not.',
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const context = openContext();
    const progress = createProgress('verify');
    try {
      progress.start(context.store.audit.size());
      const report = context.store.audit.verify({ onProgress: (done) => progress.update(done) });
      progress.stop();
      if (values.json === true) {
        printJson(report);
      } else if (report.ok) {
        process.stdout.write(`audit log OK: ${report.size} entries, ${report.checkpoints} signed checkpoints verified\n`);
      } else {
        const first = report.firstBad;
        process.stdout.write(`audit log FAILED verification: ${report.problems.length} problem(s)\n`);
        if (first !== null) process.stdout.write(`  first bad entry: seq ${first.seq}: ${first.reason}\n`);
        for (const problem of report.problems.slice(0, 20)) process.stdout.write(`  - seq ${problem.seq}: ${problem.reason}\n`);
      }
      return report.ok ? 0 : 3;
    } finally {
      progress.stop();
      context.close();
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
    const seq = integerOption({ seq: positionals[0] }, 'seq', 0, 1, Number.MAX_SAFE_INTEGER);
    const context = openContext();
    try {
      const size = context.store.audit.size();
      if (seq > size) throw new FabrikError('not_found', `seq must be from 1 to ${size} (the log has ${size} entries); got ${seq}`, { param: 'seq' });
      const bytes = serializeProof(context.store.audit.proof(seq));
      const out = stringOption(values, 'out');
      if (out === undefined) {
        process.stdout.write(bytes);
      } else {
        await writeFile(out, bytes);
        if (values.json === true) printJson({ seq, out, bytes: bytes.byteLength });
        else process.stdout.write(`inclusion proof for entry ${seq} written to ${out}\n`);
      }
      return 0;
    } finally {
      context.close();
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
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (error) {
      throw new FabrikError('path_not_found', `${file}: cannot be read: ${(error as Error).message}`, { param: 'file' });
    }
    let verifierKey = stringOption(values, 'key');
    const keyFile = stringOption(values, 'key-file');
    if (keyFile !== undefined) verifierKey = (await readFile(keyFile, 'utf8')).trim();
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
    const context = openContext();
    try {
      const entries = context.store.audit.list({ from: integerOption(values, 'from', 1, 1, Number.MAX_SAFE_INTEGER), limit: integerOption(values, 'limit', 50, 1, 1_000_000) });
      if (values.json === true) printJson(entries);
      else process.stdout.write(table(['seq', 'time', 'actor', 'action', 'subjects'], entries.map((entry) => [String(entry.seq), entry.time, entry.actor, entry.action, entry.subjects.join(' ')])));
      return 0;
    } finally {
      context.close();
    }
  },
};
