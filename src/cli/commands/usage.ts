import { parseTimeOption } from '../../control/parse-time.ts';
import { usageReport } from '../../control/usage-report.ts';
import { FabrikError } from '../../shared/errors.ts';
import { JSON_OPTION, stringOption, type Command } from '../command.ts';
import { printJson, table } from '../output.ts';
import { withControlStore } from './team.ts';

export const usageCommand: Command = {
  name: 'usage',
  summary: 'Metered gateway usage: requests, tokens, cost and latency per team and model.',
  usage: 'fabrik usage [--team <team>] [--since 24h|DATE] [--until DATE] [--by team,model|key] [--json]',
  description: 'Gateways write usage in batches (every second by default), so the last moment may be missing.',
  options: {
    team: { type: 'string', description: 'only this team (name or id)' },
    since: { type: 'string', description: 'from this time: a duration back from now (24h, 7d) or an ISO date', defaultText: 'all time' },
    until: { type: 'string', description: 'up to this time (same forms as --since)' },
    by: { type: 'string', description: 'group by any of team, key, model (comma-separated)', defaultText: 'team,model' },
    json: JSON_OPTION,
  },
  positionals: [0, 0],
  async run({ values }) {
    const now = Date.now();
    const since = stringOption(values, 'since');
    const until = stringOption(values, 'until');
    const team = stringOption(values, 'team');
    const by = (stringOption(values, 'by') ?? 'team,model').split(',').map((part) => part.trim()).filter((part) => part !== '');
    for (const part of by) if (part !== 'team' && part !== 'key' && part !== 'model') throw new FabrikError('invalid_option', `--by must list team, key or model; got ${JSON.stringify(part)}`, { param: 'by' });
    return withControlStore(async (store) => {
      const report = await usageReport(store, {
        ...(since === undefined ? {} : { since: parseTimeOption(since, 'since', now, -1) }),
        ...(until === undefined ? {} : { until: parseTimeOption(until, 'until', now, -1) }),
        ...(team === undefined ? {} : { team }),
        groupBy: by as Array<'team' | 'key' | 'model'>,
      });
      if (values.json === true) {
        printJson(report);
        return 0;
      }
      if (report.rows.length === 0) {
        process.stdout.write('no usage recorded\n');
        return 0;
      }
      const headers = [...by.map((part) => part.toUpperCase()), 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST', 'TTFT ms', 'DURATION ms'];
      const rows = report.rows.map((row) => [
        ...by.map((part) => (part === 'team' ? row.teamName ?? row.teamId ?? '(admin)' : part === 'key' ? row.keyId ?? '-' : row.model ?? '-')),
        String(row.requests), String(row.errors), String(row.promptTokens), String(row.completionTokens), row.cost.toFixed(6),
        row.meanTtftMs === null ? '-' : row.meanTtftMs.toFixed(1), row.meanDurationMs.toFixed(1),
      ]);
      const { totals } = report;
      rows.push([...by.map((_, index) => (index === 0 ? 'total' : '')), String(totals.requests), String(totals.errors), String(totals.promptTokens), String(totals.completionTokens), totals.cost.toFixed(6), '', '']);
      process.stdout.write(table(headers, rows));
      return 0;
    });
  },
};
