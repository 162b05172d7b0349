import { forgetSource } from '../../foundry/core/forget-source.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson, table } from '../output.ts';

export const sourceListCommand: Command = {
  name: 'source list',
  summary: 'List every ingested path with its state (live, deleted, forgotten) and latest version.',
  usage: 'fabrik source list [--json]',
  description: [
    'live: found by the last ingest of its folder. deleted: gone from a re-ingested folder; kept with its',
    'history, left out of new dataset builds, live again if the file comes back. forgotten: erased on',
    'request by `fabrik source forget`.',
  ].join('\n'),
  options: { json: JSON_OPTION },
  positionals: [0, 0],
  async run({ values }) {
    const context = await openContext();
    try {
      const sources = [];
      for (const source of await context.store.listSources()) {
        const latest = await context.store.latestVersion(source.id);
        sources.push({ ...source, version: latest?.version ?? null, versionId: latest?.id ?? null, sha256: latest?.sha256 ?? null });
      }
      if (values.json === true) {
        printJson({ sources });
        return 0;
      }
      if (sources.length === 0) process.stdout.write('no sources yet: `fabrik ingest <path>` adds some\n');
      else process.stdout.write(table(['source', 'state', 'v', 'sha256', 'path'], sources.map((source) => [source.id, source.state, String(source.version ?? '-'), source.sha256?.slice(0, 12) ?? '-', JSON.stringify(source.path).slice(1, -1)])));
      return 0;
    } finally {
      await context.close();
    }
  },
};

export const sourceForgetCommand: Command = {
  name: 'source forget',
  summary: 'Erase a source on request: its stored bytes and the text derived from them go; the audit entry stays.',
  usage: 'fabrik source forget <path|source id> [--json]',
  description: [
    'For erasure requests. The source is marked forgotten: left out of new dataset builds and not ingested',
    'again from that path. The blob of every version is deleted and the text, title and metadata of its',
    'documents, elements and chunks are blanked (their ids and hashes stay, so lineage still resolves);',
    'content that another live source holds now is kept, and the output says which. Dataset versions',
    'built before keep their chunk ids, with the text blanked. The audit entry `source.forget` names ids',
    'and hashes, never content. The same bytes ingested later from another path are parsed and stored',
    'afresh (`document.parse` with `afterErasure`); the versions built before stay blank.',
  ].join('\n'),
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const context = await openContext();
    try {
      const result = await forgetSource(context, positionals[0] as string);
      if (values.json === true) {
        printJson(result);
        return 0;
      }
      const path = JSON.stringify(result.source.path).slice(1, -1);
      if (!result.changed) {
        process.stdout.write(`${path} (${result.source.id}) was already forgotten; nothing changed\n`);
        return 0;
      }
      const lines = [`forgot ${path} (${result.source.id}): ${result.versions} version${result.versions === 1 ? '' : 's'}, ${result.erased.length} content${result.erased.length === 1 ? '' : 's'} erased`];
      for (const entry of result.kept) lines.push(`  kept sha256:${entry.sha256.slice(0, 12)}: ${JSON.stringify(entry.heldBy).slice(1, -1)} holds the same content now; forget that source too to erase it`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await context.close();
    }
  },
};
