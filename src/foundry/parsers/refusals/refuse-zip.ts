import type { Refusal } from '../format-detector.ts';
import { looksLikeZip, type ZipEntry } from '../common/zip-directory.ts';

/**
 * Why a zip archive is refused, or null when a parser may take it: no readable central directory
 * (`entries` null: damaged or truncated, parse_failed), no entries, encrypted entries (named after
 * what a parser recognised in it, `claimed`), or entries no parser claims.
 */
export function refuseZip(bytes: Uint8Array, entries: readonly ZipEntry[] | null, claimed: { what: string } | null): Refusal | null {
  if (entries === null) {
    const first = firstLocalEntryName(bytes);
    const hint = first === null ? '' : `; its first entry is ${first}${first === '[Content_Types].xml' ? ', as in a DOCX/XLSX/PPTX' : ''}`;
    return { code: 'parse_failed', what: `a damaged or truncated zip archive (no readable central directory${hint})` };
  }
  if (entries.length === 0) return { code: 'unsupported_format', what: 'an empty zip archive' };
  // Bit 0 of the flags is traditional PKWARE encryption; method 99 is WinZip AES.
  const encrypted = entries.filter((entry) => (entry.flags & 0x1) !== 0 || entry.method === 99);
  if (encrypted.length > 0) {
    const named = claimed === null ? '' : ` (${claimed.what})`;
    return { code: 'encrypted_file', what: `an encrypted zip archive${named}, ${encrypted.length} of ${entries.length} entries encrypted (${encrypted[0]?.name ?? ''}${encrypted.length > 1 ? ', …' : ''})` };
  }
  if (claimed !== null) return null;
  const names = entries.slice(0, 3).map((entry) => entry.name).join(', ');
  // DOCX is the one zip format parsed: the message says what it lacks.
  return { code: 'unsupported_format', what: `a zip archive of ${entries.length} entries (${names}${entries.length > 3 ? ', …' : ''}) without word/document.xml` };
}

/** The name in the zip's first local file header, when it is there whole. */
function firstLocalEntryName(bytes: Uint8Array): string | null {
  if (bytes.length < 30 || !looksLikeZip(bytes) || bytes[2] !== 0x03) return null;
  const nameLength = (bytes[26] ?? 0) | ((bytes[27] ?? 0) << 8);
  if (nameLength === 0 || 30 + nameLength > bytes.length) return null;
  return new TextDecoder('utf-8').decode(bytes.subarray(30, 30 + nameLength)).slice(0, 100);
}
