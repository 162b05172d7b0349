/**
 * Shared by test/fidelity.test.ts and bench/fidelity.ts: the corpus files with ground truth, the
 * markup stripping that turns ground truth into plain text, and token-level F1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { inlineText } from '../src/foundry/parsers/common/html-blocks.ts';
import type { ParsedDocument } from '../src/foundry/core/parsed-document.ts';

export const CORPUS_URL = new URL('../../shared/corpus/', import.meta.url);
export const CORPUS_DIR = fileURLToPath(CORPUS_URL);

export type FidelityFormat = 'pdf' | 'docx' | 'html';

export interface FidelityCase {
  format: FidelityFormat;
  /** Path relative to the corpus root, e.g. "pdf/docling-multi_page.pdf". */
  path: string;
  truthPath: string;
  /** Where the ground truth comes from: 'docling' (regression output), 'mammoth', 'readability'. */
  origin: string;
  /** The manifest's description of the file. */
  kind: string;
}

interface ManifestFile {
  path: string;
  role: string;
  repo: string;
  kind: string;
  groundtruth_files?: string[];
}

/** True when the shared corpus is present next to the repository. */
export function corpusAvailable(): boolean {
  return existsSync(new URL('manifest.json', CORPUS_URL));
}

/** Every pdf/docx/html input in the corpus that has a text ground truth (.expected.md/.html/.txt). */
export function fidelityCases(): FidelityCase[] {
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', CORPUS_URL), 'utf8')) as { files: ManifestFile[] };
  const cases: FidelityCase[] = [];
  for (const file of manifest.files) {
    if (file.role !== 'input') continue;
    const format = formatOf(file.path);
    if (format === null) continue;
    const truths = file.groundtruth_files ?? [];
    const truthPath = ['.expected.html', '.expected.md', '.expected.txt']
      .map((suffix) => truths.find((truth) => truth.endsWith(suffix)))
      .find((truth) => truth !== undefined);
    if (truthPath === undefined) continue;
    const origin = file.repo.includes('docling') ? 'docling' : file.repo.includes('mammoth') ? 'mammoth' : file.repo.includes('readability') ? 'readability' : file.repo;
    cases.push({ format, path: file.path, truthPath, origin, kind: file.kind });
  }
  return cases.sort((left, right) => left.path.localeCompare(right.path));
}

function formatOf(path: string): FidelityFormat | null {
  if (path.startsWith('pdf/') && path.endsWith('.pdf')) return 'pdf';
  if (path.startsWith('office/') && path.endsWith('.docx')) return 'docx';
  if (path.startsWith('html/') && path.endsWith('.html')) return 'html';
  return null;
}

/** The expected plain text of a case: markup stripped; readability's metadata title included. */
export function expectedText(fidelityCase: FidelityCase): string {
  const raw = readFileSync(new URL(fidelityCase.truthPath, CORPUS_URL), 'utf8');
  let text: string;
  if (fidelityCase.truthPath.endsWith('.html')) text = htmlToText(raw);
  else if (fidelityCase.truthPath.endsWith('.md')) text = markdownToText(raw);
  else text = raw;
  const metadataUrl = new URL(fidelityCase.truthPath.replace(/\.expected\.html$/, '.expected-metadata.json'), CORPUS_URL);
  if (fidelityCase.origin === 'readability' && existsSync(metadataUrl)) {
    const metadata = JSON.parse(readFileSync(metadataUrl, 'utf8')) as { title?: string | null };
    if (typeof metadata.title === 'string') text = `${metadata.title}\n\n${text}`;
  }
  return text;
}

/** Whether refusing the file as no_text is right: a scan without a text layer, or a document whose truth is empty. */
export function mayHaveNoText(fidelityCase: FidelityCase): boolean {
  return /scanned|image-only|no text layer/i.test(fidelityCase.kind) || expectedText(fidelityCase).trim().length === 0;
}

/** Our side of the comparison: the canonical text less page furniture, which docling's ground truth leaves out too. */
export function bodyText(document: ParsedDocument): string {
  return document.elements.filter((element) => element.kind !== 'page-header' && element.kind !== 'page-footer').map((element) => element.text).join('\n\n');
}

function htmlToText(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  return inlineText(document.body);
}

/** Markdown (as docling writes it) to plain text: drops image comments, table rules, link targets and markers. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s*\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$/gm, ' ')
    .replace(/^(\s*)(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/gm, '$1')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_match, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' })[name] ?? ' ');
}

// Scripts written without spaces between words: each character is a token.
const CHARACTER_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/** Lower-cased letter/digit runs (NFKC), CJK split into characters. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const token = match[0];
    if (CHARACTER_SCRIPTS.test(token)) {
      let run = '';
      for (const character of token) {
        if (CHARACTER_SCRIPTS.test(character)) {
          if (run.length > 0) tokens.push(run);
          run = '';
          tokens.push(character);
        } else {
          run += character;
        }
      }
      if (run.length > 0) tokens.push(run);
    } else {
      tokens.push(token);
    }
  }
  return tokens;
}

/** Bag-of-tokens F1 of a prediction against a reference (1 when both are empty). */
export function tokenF1(predicted: string, expected: string): { f1: number; precision: number; recall: number } {
  const predictedTokens = tokenize(predicted);
  const expectedTokens = tokenize(expected);
  if (predictedTokens.length === 0 && expectedTokens.length === 0) return { f1: 1, precision: 1, recall: 1 };
  const counts = new Map<string, number>();
  for (const token of expectedTokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of predictedTokens) {
    const count = counts.get(token) ?? 0;
    if (count > 0) {
      overlap++;
      counts.set(token, count - 1);
    }
  }
  const precision = predictedTokens.length === 0 ? 0 : overlap / predictedTokens.length;
  const recall = expectedTokens.length === 0 ? 0 : overlap / expectedTokens.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { f1, precision, recall };
}
