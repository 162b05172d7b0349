import { traceLineage, type LineageNode } from '../../lineage/trace-lineage.ts';
import { JSON_OPTION, type Command } from '../command.ts';
import { openContext } from '../context.ts';
import { printJson } from '../output.ts';

export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'Walk any id down to the source bytes it came from and up to what uses it.',
  usage: 'fabrik lineage <id> [--json]',
  description: 'The id may be an export line id (the chunk id in every exported line), a chunk, element, document,\nsource, source version, dataset version or export id (or a unique prefix), or a sha256.',
  options: { json: JSON_OPTION },
  positionals: [1, 1],
  async run({ positionals, values }) {
    const context = await openContext();
    try {
      const report = await traceLineage(context, positionals[0] as string);
      if (values.json === true) {
        printJson(report);
        return 0;
      }
      const lines = [`${report.kind} ${report.id}`, '  down to the source:'];
      for (const node of report.down) lines.push(`    ${formatNode(node)}`);
      lines.push(`  used by:${report.up.length === 0 ? ' nothing yet' : ''}`);
      for (const node of report.up) lines.push(`    ${formatNode(node)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await context.close();
    }
  },
};

function formatNode(node: LineageNode): string {
  const details = Object.entries(node.details)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? (key === 'preview' ? JSON.stringify(value) : value) : JSON.stringify(value)}`)
    .join(' ');
  return `${node.kind.padEnd(15)} ${node.id}\n${' '.repeat(6)}${details}`;
}
