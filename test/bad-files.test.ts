/**
 * Every hostile or damaged file in ../shared/corpus/bad is either parsed or refused with a
 * FabrikError — never another error type, never a hang (each file races a 30 s timer).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../src/foundry/core/parsed-document.ts';
import { parseDocument } from '../src/foundry/parsers/parse-document.ts';
import { FabrikError } from '../src/shared/errors.ts';

const BAD = new URL('../../shared/corpus/bad/', import.meta.url);
const TIMEOUT_MS = 30_000;

describe('hostile files in ../shared/corpus/bad', () => {
  if (!existsSync(BAD)) {
    it('corpus', (t) => t.skip(`../shared/corpus not found: ${BAD.pathname}`));
    return;
  }
  for (const name of readdirSync(BAD).sort()) {
    it(name, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(name, BAD)));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([parseDocument(bytes, { fileName: name, limits: DEFAULT_PARSE_LIMITS }).then((document) => document, (error: unknown) => ({ error })), timeout]);
        assert.notEqual(outcome, 'timeout', `${name} did not finish within ${TIMEOUT_MS} ms`);
        if (typeof outcome === 'object' && 'error' in outcome) {
          assert.ok(outcome.error instanceof FabrikError, `${name} threw ${String(outcome.error)} instead of a FabrikError`);
          assert.ok(outcome.error.message.includes(name), `the message names the file: ${outcome.error.message}`);
        } else if (typeof outcome === 'object') {
          assert.ok(outcome.elements.length > 0);
          for (const element of outcome.elements) assert.equal(outcome.text.slice(element.span[0], element.span[1]), element.text);
        }
      } finally {
        clearTimeout(timer);
      }
    });
  }
});
