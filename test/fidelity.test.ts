/**
 * Parsing fidelity against the ground truth in ../shared/corpus: no file with ground truth may
 * crash, and the mean token F1 per format must stay above a floor a little under what
 * bench/fidelity.ts measures (docs/fidelity.md), so a regression fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_PARSE_LIMITS } from '../src/foundry/core/parsed-document.ts';
import { parseDocument } from '../src/foundry/parsers/parse-document.ts';
import { FabrikError } from '../src/shared/errors.ts';
import { bodyText, CORPUS_URL, corpusAvailable, expectedText, fidelityCases, mayHaveNoText, tokenF1, type FidelityFormat } from './fidelity-corpus.ts';

// Measured 2026-11 (docs/fidelity.md): pdf 0.98, docx 0.96, html 0.98; floors leave room for noise only.
const FLOORS: Record<FidelityFormat, number> = { pdf: 0.95, docx: 0.93, html: 0.95 };

describe('parsing fidelity', () => {
  if (!corpusAvailable()) {
    it('corpus', (t) => t.skip(`../shared/corpus not found: ${CORPUS_URL.pathname}`));
    return;
  }
  const scores: Record<FidelityFormat, number[]> = { pdf: [], docx: [], html: [] };
  for (const fidelityCase of fidelityCases()) {
    it(fidelityCase.path, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(fidelityCase.path, CORPUS_URL)));
      const expected = expectedText(fidelityCase);
      try {
        const document = await parseDocument(bytes, { fileName: fidelityCase.path, limits: DEFAULT_PARSE_LIMITS });
        scores[fidelityCase.format].push(tokenF1(bodyText(document), expected).f1);
      } catch (error) {
        // Scans without a text layer (and empty documents) are refused as no_text: right, and not scored.
        assert.ok(error instanceof FabrikError, `${fidelityCase.path} crashed: ${String(error)}`);
        assert.equal(error.code, 'no_text', error.message);
        assert.ok(mayHaveNoText(fidelityCase), `${fidelityCase.path} has text in its ground truth but was refused: ${error.message}`);
      }
    });
  }
  for (const format of Object.keys(FLOORS) as FidelityFormat[]) {
    it(`mean ${format} F1 stays above ${FLOORS[format]}`, () => {
      const values = scores[format];
      assert.ok(values.length > 0, `no ${format} files were scored`);
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      assert.ok(mean >= FLOORS[format], `mean ${format} F1 ${mean.toFixed(3)} fell below ${FLOORS[format]}`);
    });
  }
});
