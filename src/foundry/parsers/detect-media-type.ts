import { looksLikeZip, readZipDirectory, type ZipEntry } from './common/zip-directory.ts';
import type { Detection, FormatClaim, FormatDetector, Refusal, TextSample } from './format-detector.ts';
import { PARSER_REGISTRY } from './parser-registry.ts';
import { decodeHead, SNIFF_BYTES } from './refusals/decode-head.ts';
import { refuseNotDocumentText } from './refusals/refuse-not-document-text.ts';
import { refuseSignature } from './refusals/refuse-signature.ts';
import { refuseZip } from './refusals/refuse-zip.ts';

export type { Detection, Refusal } from './format-detector.ts';
export { PDF_MEDIA_TYPE } from './pdf/detect-pdf.ts';
export { DOCX_MEDIA_TYPE } from './docx/detect-docx.ts';
export { HTML_MEDIA_TYPE } from './html/detect-html.ts';
export { MARKDOWN_MEDIA_TYPE } from './markdown/detect-markdown.ts';
export { CSV_MEDIA_TYPE } from './csv/detect-csv.ts';
export { TEXT_MEDIA_TYPE } from './text/detect-text.ts';

// Lines of the head the text sniffers look at.
const SNIFF_LINES = 50;

const accept = (mediaType: string): Detection => ({ mediaType, refusal: null });
const refuse = (refusal: Refusal): Detection => ({ mediaType: null, refusal });

/**
 * The media type the bytes are, or null when they are no format we parse. Decided from the bytes;
 * the file name's extension only breaks ties between text formats (CSV, Markdown, plain text).
 */
export function detectMediaType(bytes: Uint8Array, fileName: string): string | null {
  return detectFormat(bytes, fileName).mediaType;
}

/** What unsupported bytes look like, for error messages (the media type for bytes we parse). */
export function describeBytes(bytes: Uint8Array, fileName = ''): string {
  const detection = detectFormat(bytes, fileName);
  return detection.refusal === null ? detection.mediaType : detection.refusal.what;
}

/**
 * The format of the bytes, or why they are refused. The registered parsers' detectors
 * (parser-registry.ts) and the refusals no parser owns (refusals/) are asked in this order, the first
 * answer deciding:
 * 1. empty bytes are refused;
 * 2. byte signatures (`sniffBytes`: PDF), since a PDF is binary whatever it starts with;
 * 3. a zip archive: refused when damaged, empty or encrypted, else taken by a `sniffZip` claim (DOCX)
 *    or refused as an archive no parser takes;
 * 4. other binary signatures (OLE2, 7-Zip, images, compressed data…), before any text sniffing
 *    because a short file of them can pass for text;
 * 5. binary evidence (NUL and control bytes), then text that is not document text (RTF, PostScript,
 *    e-mail, mbox);
 * 6. the surest `sniffText` claim (HTML, Markdown, CSV, plain text, on the scale in format-detector.ts).
 */
export function detectFormat(bytes: Uint8Array, fileName: string): Detection {
  if (bytes.length === 0) return refuse({ code: 'unsupported_format', what: 'an empty file' });
  const signed = surest((detector) => detector.sniffBytes?.(bytes));
  if (signed !== null) return accept(signed.mediaType);
  if (looksLikeZip(bytes)) return detectZip(bytes);
  const signature = refuseSignature(bytes);
  if (signature !== null) return refuse(signature);
  const head = decodeHead(bytes);
  if (typeof head !== 'string') return refuse(head);
  const extension = extensionOf(fileName);
  const notDocumentText = refuseNotDocumentText(head, extension);
  if (notDocumentText !== null) return refuse(notDocumentText);
  const sample = textSample(head, extension);
  const text = surest((detector) => detector.sniffText?.(sample));
  if (text === null) throw new Error('programming error: no parser claims text (the text parser takes any)');
  return accept(text.mediaType);
}

/** A zip archive: a parser's, or why not (damaged, empty, encrypted, or of a kind no parser takes). */
function detectZip(bytes: Uint8Array): Detection {
  const entries = safeZipDirectory(bytes);
  const claim = entries === null ? null : surest((detector) => detector.sniffZip?.(entries));
  const refusal = refuseZip(bytes, entries, claim);
  if (refusal !== null) return refuse(refusal);
  if (claim === null) throw new Error('programming error: refuseZip accepted a zip archive no parser claimed');
  return accept(claim.mediaType);
}

function safeZipDirectory(bytes: Uint8Array): readonly ZipEntry[] | null {
  try {
    return readZipDirectory(bytes, 100_000);
  } catch {
    return null;
  }
}

/** The surest claim of the registered detectors, the earlier entry winning a tie; a certain claim (1) ends the search. */
function surest<C extends FormatClaim>(ask: (detector: FormatDetector) => C | null | undefined): C | null {
  let best: C | null = null;
  for (const parser of PARSER_REGISTRY) {
    const claim = ask(parser.detector) ?? null;
    if (claim !== null && (best === null || claim.confidence > best.confidence)) best = claim;
    if (best !== null && best.confidence >= 1) break;
  }
  return best;
}

/** The head and its first lines; the last line of a head cut mid-file may be partial and is left out. */
function textSample(head: string, extension: string): TextSample {
  const lines = head.split(/\r?\n/, SNIFF_LINES + 1).slice(0, SNIFF_LINES);
  if (head.length >= SNIFF_BYTES && lines.length > 1) lines.pop();
  return { head, lines, extension };
}

function extensionOf(fileName: string): string {
  const match = /\.([a-z0-9]+)$/i.exec(fileName);
  return match?.[1]?.toLowerCase() ?? '';
}
