/**
 * Parsing fidelity and PDF speed over ../shared/corpus.
 *
 * Fidelity: per file, token F1 of our canonical text (page furniture left out) against the ground
 * truth with markup stripped; the mean per format. References measured in the same run: pdftotext
 * (poppler) and bare pdf.js text items for PDFs, mammoth's raw text for DOCX, the whole body's
 * textContent for HTML.
 * Speed: pages per second of our PDF parser over every PDF in ../shared/corpus/pdf, against bare
 * pdf.js getTextContent (the floor we add layout to) and pdftotext, each over the same files.
 *
 * Run: node bench/fidelity.ts [--passes N]   (speed passes, default 5; best pass counts, order alternates)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import mammoth from 'mammoth';
import { DEFAULT_PARSE_LIMITS, type ParsedDocument } from '../src/foundry/core/parsed-document.ts';
import { loadPdfJs, PDFJS_DATA } from '../src/foundry/parsers/pdf/load-pdfjs.ts';
import { parseDocument } from '../src/foundry/parsers/parse-document.ts';
import { FabrikError } from '../src/shared/errors.ts';
import { bodyText, CORPUS_URL, corpusAvailable, expectedText, fidelityCases, mayHaveNoText, tokenF1, type FidelityCase, type FidelityFormat } from '../test/fidelity-corpus.ts';

const TARGET_F1 = 0.9;
const TARGET_PAGES_PER_SECOND = 90;
const passes = Number(process.argv[process.argv.indexOf('--passes') + 1]) || 5;

if (!corpusAvailable()) {
  console.log(`../shared/corpus not found (${CORPUS_URL.pathname}): nothing to measure.`);
  process.exit(0);
}
const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;
const pdfjs = await loadPdfJs();

/** Bare pdf.js: every page's text items joined, no layout. */
async function pdfjsText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const document = await pdfjs.getDocument({ data: bytes.slice(), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, ...PDFJS_DATA, cMapPacked: true, verbosity: 0 }).promise;
  const parts: string[] = [];
  try {
    for (let number = 1; number <= document.numPages; number++) {
      try {
        const page = await document.getPage(number);
        const content = await page.getTextContent();
        for (const item of content.items) if ('str' in item) parts.push(item.str, item.hasEOL ? '\n' : ' ');
        page.cleanup();
      } catch {
        // a damaged page: bare pdf.js skips it too
      }
    }
    return { text: parts.join(''), pages: document.numPages };
  } finally {
    await document.destroy();
  }
}

function pdftotext(path: string): string {
  try {
    return execFileSync('pdftotext', ['-q', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return '';
  }
}

async function referenceText(fidelityCase: FidelityCase, bytes: Uint8Array): Promise<{ name: string; text: string }[]> {
  const path = new URL(fidelityCase.path, CORPUS_URL).pathname;
  if (fidelityCase.format === 'pdf') {
    const references = [{ name: 'pdf.js', text: (await pdfjsText(bytes).catch(() => ({ text: '' }))).text }];
    if (hasPdftotext) references.push({ name: 'pdftotext', text: pdftotext(path) });
    return references;
  }
  if (fidelityCase.format === 'docx') {
    const raw = await mammoth.extractRawText({ buffer: Buffer.from(bytes) }).catch(() => ({ value: '' }));
    return [{ name: 'mammoth raw', text: raw.value }];
  }
  const { document } = parseHTML(new TextDecoder().decode(bytes));
  return [{ name: 'body text', text: document.body?.textContent ?? '' }];
}

// ---- fidelity ----
interface Row { format: FidelityFormat; path: string; f1: number; precision: number; recall: number; references: Record<string, number>; milliseconds: number; note: string }
const rows: Row[] = [];
for (const fidelityCase of fidelityCases()) {
  const bytes = new Uint8Array(readFileSync(new URL(fidelityCase.path, CORPUS_URL)));
  const expected = expectedText(fidelityCase);
  const started = performance.now();
  let document: ParsedDocument | null = null;
  let note = '';
  try {
    document = await parseDocument(bytes, { fileName: fidelityCase.path, limits: DEFAULT_PARSE_LIMITS });
  } catch (error) {
    if (error instanceof FabrikError && error.code === 'no_text' && mayHaveNoText(fidelityCase)) note = 'no_text (needs OCR / empty): not scored';
    else note = `ERROR ${error instanceof Error ? error.message : String(error)}`;
  }
  const milliseconds = performance.now() - started;
  const references: Record<string, number> = {};
  for (const reference of await referenceText(fidelityCase, bytes)) references[reference.name] = tokenF1(reference.text, expected).f1;
  if (document === null && note.startsWith('no_text')) {
    rows.push({ format: fidelityCase.format, path: fidelityCase.path, f1: Number.NaN, precision: Number.NaN, recall: Number.NaN, references, milliseconds, note });
    continue;
  }
  const score = document === null ? { f1: 0, precision: 0, recall: 0 } : tokenF1(bodyText(document), expected);
  rows.push({ format: fidelityCase.format, path: fidelityCase.path, ...score, references, milliseconds, note });
}

const pad = (value: string, width: number) => value.length >= width ? value : value + ' '.repeat(width - value.length);
const fixed = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '   - ' : value.toFixed(3));
console.log(`${pad('file', 56)} ${pad('F1', 6)} ${pad('prec', 6)} ${pad('recall', 6)} references (F1)                     ms`);
for (const row of rows) {
  const references = Object.entries(row.references).map(([name, value]) => `${name} ${fixed(value)}`).join(', ');
  console.log(`${pad(row.path, 56)} ${fixed(row.f1)}  ${fixed(row.precision)}  ${fixed(row.recall)}  ${pad(references, 34)} ${row.milliseconds.toFixed(0).padStart(5)} ${row.note}`);
}
const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
console.log('');
const summaries: [FidelityFormat, number][] = [];
for (const format of ['pdf', 'docx', 'html'] as const) {
  const scored = rows.filter((row) => row.format === format && !Number.isNaN(row.f1));
  const ours = mean(scored.map((row) => row.f1));
  const referenceNames = [...new Set(scored.flatMap((row) => Object.keys(row.references)))];
  const referenceMeans = referenceNames.map((name) => `${name} ${fixed(mean(scored.map((row) => row.references[name] ?? 0)))} (×${(ours / mean(scored.map((row) => row.references[name] ?? 0))).toFixed(2)})`);
  const skipped = rows.filter((row) => row.format === format && Number.isNaN(row.f1)).length;
  console.log(`${format}: mean F1 ${fixed(ours)} over ${scored.length} files${skipped > 0 ? ` (${skipped} not scored: no text layer / empty)` : ''}; references: ${referenceMeans.join(', ')}`);
  summaries.push([format, ours]);
}

// ---- PDF speed ----
const pdfDirectory = new URL('pdf/', CORPUS_URL);
const pdfFiles = readdirSync(pdfDirectory).filter((name) => name.endsWith('.pdf')).map((name) => ({ name, path: new URL(name, pdfDirectory).pathname, bytes: new Uint8Array(readFileSync(new URL(name, pdfDirectory))) }));

async function timeOurs(): Promise<{ seconds: number; pages: number }> {
  const started = performance.now();
  let pages = 0;
  for (const file of pdfFiles) {
    try {
      const document = await parseDocument(file.bytes, { fileName: file.name, limits: DEFAULT_PARSE_LIMITS });
      pages += Number(document.metadata.pagesRead ?? document.pageCount);
    } catch {
      // encrypted and scanned files cost their open time and count no pages
    }
  }
  return { seconds: (performance.now() - started) / 1000, pages };
}
async function timePdfjs(): Promise<{ seconds: number; pages: number }> {
  const started = performance.now();
  let pages = 0;
  for (const file of pdfFiles) {
    try {
      pages += (await pdfjsText(file.bytes)).pages;
    } catch {
      // as above
    }
  }
  return { seconds: (performance.now() - started) / 1000, pages };
}
function timePdftotext(): { seconds: number } {
  const started = performance.now();
  for (const file of pdfFiles) pdftotext(file.path);
  return { seconds: (performance.now() - started) / 1000 };
}

await timeOurs(); // warm-up: module loading, JIT, CMaps
let best = { seconds: Number.POSITIVE_INFINITY, pages: 0 };
let bestPdfjs = { seconds: Number.POSITIVE_INFINITY, pages: 0 };
let bestPdftotext = Number.POSITIVE_INFINITY;
for (let pass = 0; pass < passes; pass++) {
  // Alternate which goes first so garbage one leaves behind does not always land on the other.
  let ours: typeof best;
  let bare: typeof best;
  if (pass % 2 === 0) {
    ours = await timeOurs();
    bare = await timePdfjs();
  } else {
    bare = await timePdfjs();
    ours = await timeOurs();
  }
  if (ours.seconds < best.seconds) best = ours;
  if (bare.seconds < bestPdfjs.seconds) bestPdfjs = bare;
  if (hasPdftotext) bestPdftotext = Math.min(bestPdftotext, timePdftotext().seconds);
}
const ourRate = best.pages / best.seconds;
const pdfjsRate = bestPdfjs.pages / bestPdfjs.seconds;
console.log('');
console.log(`PDF speed over ${pdfFiles.length} files (best of ${passes}): ours ${best.pages} pages in ${best.seconds.toFixed(2)} s = ${ourRate.toFixed(0)} pages/s; bare pdf.js getTextContent ${pdfjsRate.toFixed(0)} pages/s (ours ×${(ourRate / pdfjsRate).toFixed(2)})${hasPdftotext ? `; pdftotext ${(best.pages / bestPdftotext).toFixed(0)} pages/s incl. process start (ours ×${(ourRate / (best.pages / bestPdftotext)).toFixed(2)})` : ''}`);
console.log('');
for (const [format, value] of summaries) console.log(`bench fidelity-${format}: ${value.toFixed(2)} F1 (target ${TARGET_F1})`);
console.log(`bench pdf-parse-speed: ${ourRate.toFixed(0)} pages/s (target ${TARGET_PAGES_PER_SECOND})`);
