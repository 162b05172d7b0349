import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderCliReference } from './cli-reference.ts';

test('docs/cli.md matches the command definitions (regenerate: node src/cli/cli-reference.ts > docs/cli.md)', async () => {
  assert.equal(readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8'), await renderCliReference());
});
