import { startEngineSim, type EngineSimOptions } from '../../gateway/engine-sim/start-engine-sim.ts';
import { FabrikError } from '../../shared/errors.ts';
import { integerOption, stringOption, type Command, type CommandInput } from '../command.ts';

export const engineSimCommand: Command = {
  name: 'engine-sim',
  summary: 'Run an OpenAI-compatible stand-in for a vLLM engine (tests, demos, benchmarks).',
  usage: 'fabrik engine-sim [options]',
  description: [
    'Serves /v1/chat/completions, /v1/completions (plain and SSE streaming), /v1/embeddings,',
    '/v1/models, /health and vLLM-style /metrics. Tokens stream at --tokens-per-second after',
    '--ttft-ms; usage is reported the way vLLM reports it. POST /sim/fault {"mode": ...} makes it',
    'fail, stall or drop connections mid-stream (see docs/engine-sim.md). Runs until SIGINT or SIGTERM.',
  ].join('\n'),
  options: {
    host: { type: 'string', description: 'address to listen on', defaultText: '127.0.0.1' },
    port: { type: 'string', description: 'port to listen on (0: any free port)', defaultText: '8401' },
    model: { type: 'string', multiple: true, description: 'a served model name (repeat for several)', defaultText: 'sim-llama-3-8b' },
    'tokens-per-second': { type: 'string', description: 'streaming rate per request (0: as fast as possible)', defaultText: '50' },
    'ttft-ms': { type: 'string', description: 'time to first token in ms', defaultText: '150' },
    'max-tokens-default': { type: 'string', description: 'completion length when a request sets no max_tokens', defaultText: '64' },
    dimensions: { type: 'string', description: 'embedding dimensions', defaultText: '384' },
    'report-usage': { type: 'string', description: 'stream usage: always, when-asked (stream_options.include_usage) or never', defaultText: 'when-asked' },
    'api-key': { type: 'string', description: 'require Authorization: Bearer <key> on /v1 requests' },
    'fail-rate': { type: 'string', description: 'share of requests (0 to 1) answered with a 500 error', defaultText: '0' },
  },
  positionals: [0, 0],
  async run({ values }) {
    const options: EngineSimOptions = {
      host: stringOption(values, 'host') ?? '127.0.0.1',
      port: integerOption(values, 'port', 8401, 0, 65_535),
      tokensPerSecond: numberOption(values, 'tokens-per-second', 50, 0, 1_000_000),
      timeToFirstTokenMs: numberOption(values, 'ttft-ms', 150, 0, 3_600_000),
      maxTokensDefault: integerOption(values, 'max-tokens-default', 64, 1, 1_000_000),
      embeddingDimensions: integerOption(values, 'dimensions', 384, 1, 65_536),
    };
    const models = values.model;
    if (Array.isArray(models) && models.length > 0) options.models = models;
    const reportUsage = stringOption(values, 'report-usage');
    if (reportUsage !== undefined) {
      if (reportUsage !== 'always' && reportUsage !== 'when-asked' && reportUsage !== 'never') {
        throw new FabrikError('invalid_option', `--report-usage must be always, when-asked or never; got ${JSON.stringify(reportUsage)}`, { param: 'report-usage' });
      }
      options.reportUsage = reportUsage;
    }
    const apiKey = stringOption(values, 'api-key');
    if (apiKey !== undefined) options.apiKey = apiKey;
    const failRate = numberOption(values, 'fail-rate', 0, 0, 1);
    const sim = await startEngineSim(options);
    if (failRate > 0) sim.setFault({ mode: 'fail', rate: failRate });
    process.stdout.write(`engine-sim listening on ${sim.url} (models: ${(options.models ?? ['sim-llama-3-8b']).join(', ')})\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await sim.close();
    return 0;
  },
};

function numberOption(values: CommandInput['values'], name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new FabrikError('invalid_option', `--${name} must be a number from ${min} to ${max}; got ${JSON.stringify(raw)}`, { param: name });
  }
  return value;
}
