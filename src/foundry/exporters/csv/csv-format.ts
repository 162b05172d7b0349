import type { ExportFormat } from '../export-line.ts';

const COLUMNS = ['id', 'text', 'tokens', 'dataset', 'version', 'sha256', 'path', 'media_type', 'source_version', 'document_id', 'pages', 'char_start', 'char_end', 'element_ids'];

/** Quotes a field per RFC 4180 when it holds a comma, quote or line break. */
export function quoteCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return)
 * gets a leading apostrophe, which spreadsheets show as text (OWASP's CSV injection advice): a
 * chunk of an untrusted document must not become `=HYPERLINK(...)` on an analyst's screen.
 * The JSONL export keeps every text exactly.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 CSV with a header row; lists (pages, element ids) are joined with spaces; formula-like cells are neutralised. */
export const csvFormat: ExportFormat = {
  name: 'csv',
  extension: '.csv',
  header: () => `${COLUMNS.join(',')}\r\n`,
  line: (record) => {
    const { source } = record;
    const fields = [
      record.id, record.text, String(record.tokens), record.dataset, record.version, source.sha256, source.path, source.media_type,
      String(source.source_version), source.document_id, source.pages.join(' '), String(source.char_span[0]), String(source.char_span[1]),
      source.element_ids.join(' '),
    ];
    return `${fields.map((field) => quoteCsvField(neutraliseFormula(field))).join(',')}\r\n`;
  },
};
