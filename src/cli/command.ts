import { parseArgs } from 'node:util';
import { FabrikError } from '../shared/errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in help; the command applies it. */
  defaultText?: string;
  multiple?: boolean;
}

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/** A CLI command: argument parsing only, then a call into a service. Returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: Record<string, OptionSpec>;
  /** Fewest and most positional arguments. */
  positionals: [number, number];
  run(input: CommandInput): Promise<number>;
}

export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the result as JSON on stdout' };
export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** Parses argv for a command; unknown options and wrong argument counts are usage errors. */
export function parseCommandArgs(command: Command, argv: string[]): CommandInput | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = { type: spec.type, ...(spec.short === undefined ? {} : { short: spec.short }), ...(spec.multiple === true ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new FabrikError('usage', `${command.usage}: ${(error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '')}`, { param: command.name });
  }
  if (parsed.values.help === true) return 'help';
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new FabrikError('usage', `${command.name} takes ${expected} argument${max === 1 ? '' : 's'}; got ${parsed.positionals.length}. Usage: ${command.usage}`, { param: command.name });
  }
  return { positionals: parsed.positionals, values: parsed.values as CommandInput['values'] };
}

/** The help text of one command, built from its definition. */
export function formatHelp(command: Command): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary];
  if (command.description !== undefined) lines.push('', command.description);
  const entries = Object.entries({ ...command.options, help: HELP_OPTION });
  if (entries.length > 0) {
    lines.push('', 'Options:');
    const labels = entries.map(([name, spec]) => `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.type === 'string' ? ' <value>' : ''}`);
    const width = Math.max(...labels.map((label) => label.length)) + 2;
    entries.forEach(([, spec], index) => {
      const suffix = spec.defaultText === undefined ? '' : ` (default: ${spec.defaultText})`;
      lines.push(`  ${(labels[index] ?? '').padEnd(width)}${spec.description}${suffix}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/** Reads an integer option, or the fallback; errors name the option and its range. */
export function integerOption(values: CommandInput['values'], name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new FabrikError('invalid_option', `--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`, { param: name });
  }
  return Number(raw);
}

/** Reads a string option, or undefined. */
export function stringOption(values: CommandInput['values'], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}
