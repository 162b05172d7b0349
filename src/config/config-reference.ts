import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA } from './config-schema.ts';

const START = '<!-- fields: generated from src/config/config-schema.ts by `node src/config/config-reference.ts --write` -->';
const END = '<!-- end of fields -->';
export const CONFIG_DOC = new URL('../../docs/config.md', import.meta.url);

/** docs/config.md's table of fields, made from the schema so that it cannot drift from the code. */
export function renderConfigFields(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const rows = CONFIG_SCHEMA.map((field) => {
    const fallback = field.defaultText ?? JSON.stringify(field.default());
    const flags = [field.flag, field.negatedFlag].filter((flag) => flag !== undefined).map((flag) => `\`--${flag}\``).join(', ');
    return `| \`${field.path}\` | ${field.type.kind} | \`${cell(fallback)}\` | ${field.env === undefined ? '' : `\`${field.env}\``} | ${flags} | ${cell(field.type.rule.replace(/^must be /, ''))}. ${cell(field.doc)} |`;
  });
  return [START, '', '| field | type | default | environment | flag | rule and meaning |', '|---|---|---|---|---|---|', ...rows, '', END].join('\n');
}

/** docs/config.md with its table of fields replaced by the current one. */
export function renderConfigDoc(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start === -1 || end < start) throw new Error('programming error: docs/config.md lost the markers around its table of fields');
  return `${current.slice(0, start)}${renderConfigFields()}${current.slice(end + END.length)}`;
}

if (import.meta.main) {
  const updated = renderConfigDoc(readFileSync(CONFIG_DOC, 'utf8'));
  if (process.argv.includes('--write')) writeFileSync(CONFIG_DOC, updated);
  else process.stdout.write(updated);
}
