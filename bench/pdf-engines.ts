// Text extraction engines on the born-digital PDFs of ../shared/corpus/pdf, one thread, warm:
// pdf.js getTextContent, PDFium (wasm) per-character extraction, PDFium characters built into
// layout items, and poppler's pdftotext (sequential processes) as the reference, all in one run.
//   node bench/pdf-engines.ts [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPdfJs, PDFJS_DATA } from '../src/foundry/parsers/pdf/load-pdfjs.ts';
import { loadPdfium } from '../src/foundry/parsers/pdf/load-pdfium.ts';
import { openPdfiumDocument } from '../src/foundry/parsers/pdf/open-pdfium-document.ts';
import { bornDigitalPdfs } from './born-digital-pdfs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '4' } } });
const rounds = Math.max(1, Number(values.rounds));
const corpus = new URL('../../shared/corpus/pdf/', import.meta.url).pathname;
if (!existsSync(corpus)) {
  console.error(`bench pdf-engines: ${corpus} not found; this bench needs ../shared/corpus`);
  process.exit(1);
}
if (spawnSync('pdftotext', ['-v']).error !== undefined) {
  console.error('bench pdf-engines: needs poppler-utils for the pdftotext reference: apt-get install poppler-utils');
  process.exit(1);
}

const files = bornDigitalPdfs(corpus).map((file) => ({ ...file, bytes: new Uint8Array(readFileSync(file.path)) }));
const pagesPerRound = files.reduce((sum, file) => sum + file.pages, 0);
console.log(`${files.length} born-digital PDFs, ${pagesPerRound} pages; ${rounds} warm rounds after one cold round; one thread`);

const pdfjs = await loadPdfJs();
const pdfium = await loadPdfium();

async function pdfjsRound(): Promise<number> {
  let characters = 0;
  for (const file of files) {
    const document = await pdfjs.getDocument({ data: file.bytes.slice(), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, ...PDFJS_DATA, cMapPacked: true, disableAutoFetch: true, disableStream: true, verbosity: 0 }).promise;
    try {
      for (let number = 1; number <= document.numPages; number++) {
        const page = await document.getPage(number);
        const content = await page.getTextContent();
        for (const item of content.items) if ('str' in item) characters += item.str.length;
        page.cleanup();
      }
    } finally {
      await document.destroy();
    }
  }
  return characters;
}

/** PDFium alone: every character's code point, origin, loose box and font size, nothing built. */
function pdfiumCharsRound(): number {
  let characters = 0;
  for (const file of files) {
    const data = pdfium.malloc(file.bytes.byteLength);
    const scratch = pdfium.malloc(64);
    new Uint8Array(pdfium.memory.buffer, data, file.bytes.byteLength).set(file.bytes);
    const document = pdfium.FPDF_LoadMemDocument(data, file.bytes.byteLength, 0);
    try {
      const count = pdfium.FPDF_GetPageCount(document);
      for (let index = 0; index < count; index++) {
        const page = pdfium.FPDF_LoadPage(document, index);
        const textPage = pdfium.FPDFText_LoadPage(page);
        const chars = pdfium.FPDFText_CountChars(textPage);
        for (let char = 0; char < chars; char++) {
          if (pdfium.FPDFText_GetUnicode(textPage, char) > 0x20) characters++;
          pdfium.FPDFText_GetFontSize(textPage, char);
          pdfium.FPDFText_GetCharOrigin(textPage, char, scratch, scratch + 8);
          pdfium.FPDFText_GetLooseCharBox(textPage, char, scratch + 16);
        }
        pdfium.FPDFText_ClosePage(textPage);
        pdfium.FPDF_ClosePage(page);
      }
    } finally {
      pdfium.FPDF_CloseDocument(document);
      pdfium.free(data);
      pdfium.free(scratch);
    }
  }
  return characters;
}

/** PDFium as the parser uses it: characters joined into layout items. */
async function pdfiumItemsRound(): Promise<number> {
  let characters = 0;
  for (const file of files) {
    const document = await openPdfiumDocument(file.bytes, file.path);
    try {
      for (let number = 1; number <= document.pageCount; number++) {
        for (const item of document.readPage(number).items) characters += item.str.length;
      }
    } finally {
      document.close();
    }
  }
  return characters;
}

async function pdftotextRound(): Promise<number> {
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('pdftotext', ['-q', file.path, '/dev/null']);
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
  }
  return 0;
}

const engines: Array<{ name: string; round: () => Promise<number> | number }> = [
  { name: 'pdf.js getTextContent', round: pdfjsRound },
  { name: 'PDFium chars', round: pdfiumCharsRound },
  { name: 'PDFium items', round: pdfiumItemsRound },
  { name: 'pdftotext', round: pdftotextRound },
];
const seconds = new Map<string, number>(engines.map((engine) => [engine.name, 0]));
for (const engine of engines) await engine.round(); // cold: JIT, font caches, wasm tiering
// Interleaved rounds, so load from other processes on the machine falls on every engine alike.
for (let round = 0; round < rounds; round++) {
  for (const engine of engines) {
    const started = performance.now();
    await engine.round();
    seconds.set(engine.name, (seconds.get(engine.name) ?? 0) + (performance.now() - started) / 1000);
  }
}
const rate = (name: string): number => (pagesPerRound * rounds) / (seconds.get(name) ?? Number.NaN);
for (const engine of engines) console.log(`${engine.name.padEnd(22)} ${rate(engine.name).toFixed(1).padStart(8)} pages/s`);
console.log(`bench pdf-engine-pdfium-vs-pdfjs: ${(rate('PDFium chars') / rate('pdf.js getTextContent')).toFixed(2)} ratio (target 2)`);
console.log(`bench pdf-engine-pdfium-items-vs-pdfjs: ${(rate('PDFium items') / rate('pdf.js getTextContent')).toFixed(2)} ratio (target 1.5)`);
console.log(`bench pdf-engine-pdfium-items-vs-pdftotext: ${(rate('PDFium items') / rate('pdftotext')).toFixed(2)} ratio (no target)`);
console.log(`bench pdf-engine-pdfjs-vs-pdftotext: ${(rate('pdf.js getTextContent') / rate('pdftotext')).toFixed(2)} ratio (no target)`);
