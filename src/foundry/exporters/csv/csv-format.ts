import type { ExportFormat } from '../export-line.ts';

const COLUMNS = ['id', 'text', 'tokens', 'dataset', 'version', 'sha256', 'path', 'media_type', 'source_version', 'document_id', 'pages', 'char_start', 'char_end', 'element_ids'];

/** Quotes a field per RFC 4180 when it holds a comma, quote or line break. */
export function quoteCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** RFC 4180 CSV with a header row; lists (pages, element ids) are joined with spaces. */
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
    return `${fields.map(quoteCsvField).join(',')}\r\n`;
  },
};
