import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { LineCounter, YAMLError } from 'yaml';
import { FabrikError } from '../shared/errors.ts';

// The yaml package is loaded when a YAML file is first read: every command reads the config,
// most without a file, and importing yaml took 50-80 ms of their start.
const requireModule = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

/**
 * The bound on alias expansion (the yaml package's own default). It weighs each use of an alias
 * by the aliases inside the node it copies, so a config that reuses a few anchors stays far
 * below it while a "billion laughs" file (aliases of aliases) passes it after a few levels,
 * before it costs memory.
 */
export const MAX_ALIAS_COUNT = 100;

/** YAML 1.2, core schema only: no custom or language tags, no `<<` merge keys, string keys, one document. */
const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  customTags: null,
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  stringKeys: true,
  strict: true,
  prettyErrors: false,
} as const;

/** Parses a config file's text: JSON for `.json`, YAML for anything else; errors name the file, line and column. */
export function parseConfigText(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new FabrikError('invalid_config', `${file}: is not valid JSON: ${(error as Error).message}`, { param: 'config' });
    }
  }
  yaml ??= requireModule('yaml') as typeof import('yaml');
  const lineCounter = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  // Warnings are errors here: an unresolved tag would otherwise become a plain string silently.
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw yamlError(problem, text, file, lineCounter);
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // toJS throws a ReferenceError for an alias bomb or an alias to an anchor not yet set.
    const message = (error as Error).message.startsWith('Excessive alias count')
      ? `expands more than ${MAX_ALIAS_COUNT} aliases (maxAliasCount), which only a resource exhaustion attack needs`
      : (error as Error).message;
    throw new FabrikError('invalid_config', `${file}: is not valid YAML: ${message}`, { param: 'config' });
  }
}

function yamlError(problem: YAMLError, text: string, file: string, lineCounter: LineCounter): FabrikError {
  const { line, col } = lineCounter.linePos(problem.pos[0]);
  let message = problem.message;
  if (problem.code === 'DUPLICATE_KEY') message = `repeats the key ${JSON.stringify(duplicateKey(text, problem.pos[0]))} (keys must be unique)`;
  if (problem.code === 'TAG_RESOLVE_FAILED') message = `${message} (only the YAML 1.2 core schema's tags are read)`;
  return new FabrikError('invalid_config', `${file}:${line}:${col}: is not valid YAML: ${message}`, { param: 'config' });
}

/** The key text at `offset` (where the yaml package points for a repeated key), for the message. */
function duplicateKey(text: string, offset: number): string {
  const rest = text.slice(offset).split('\n', 1)[0] ?? '';
  const match = /^\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#]*?))\s*:/.exec(rest);
  return (match?.[1] ?? match?.[2]?.replaceAll("''", "'") ?? match?.[3] ?? rest).trim();
}
