import { DocumentBuilder } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { decodeText } from '../common/text-source.ts';
import { addEncodingWarning, encodingMetadata } from '../text/text-parser.ts';
import { parseCsvRecords } from './csv-records.ts';
import { CSV_MEDIA_TYPE, csvDelimiter } from './detect-csv.ts';

// Ragged rows are common; naming each one would drown the other warnings.
const MAX_ROW_WARNINGS = 5;

/**
 * CSV → one 'table-row' element per data row, text `Header: value; Header2: value2` (the header
 * travels with every row so each row reads on its own), byte span of the row in the file.
 */
export const csvParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
    const source = decodeText(bytes);
    const builder = new DocumentBuilder();
    addEncodingWarning(source, builder);
    const delimiter = chooseDelimiter(source.text, context.fileName);
    const { records, unterminated } = parseCsvRecords(source.text, delimiter);
    if (unterminated) builder.warnings.push('The last quoted field is not closed; it runs to the end of the file.');
    const header = records[0];
    if (header === undefined) return builder.build(CSV_MEDIA_TYPE, { title: null, metadata: encodingMetadata(source) });
    const names = header.fields.map((field, index) => cleanName(field) || `column_${index + 1}`);
    let ragged = 0;
    for (let index = 1; index < records.length; index++) {
      const record = records[index] as (typeof records)[number];
      const values = record.fields;
      if (values.every((value) => value.trim().length === 0)) continue;
      if (values.length !== names.length) {
        ragged++;
        if (ragged <= MAX_ROW_WARNINGS) {
          builder.warnings.push(`Row ${index} has ${values.length} cells, the header has ${names.length}; ${values.length > names.length ? 'extra cells are named column_N' : 'missing cells are left empty'}.`);
        }
      }
      const cells: string[][] = values.map((value, column) => [names[column] ?? `column_${column + 1}`, value.trim()]);
      const text = cells.filter(([, value]) => value !== '').map(([name, value]) => `${name}: ${value}`).join('; ');
      builder.add({
        kind: 'table-row',
        text,
        sourceSpan: [source.byteOffset(record.start), source.byteOffset(record.end)],
        attributes: { row: index, cells },
      });
    }
    if (ragged > MAX_ROW_WARNINGS) builder.warnings.push(`${ragged - MAX_ROW_WARNINGS} more rows have a cell count different from the header.`);
    if (builder.elementCount === 0) {
      // A header alone is still the file's text.
      builder.add({ kind: 'table-row', text: names.join('; '), sourceSpan: [source.byteOffset(header.start), source.byteOffset(header.end)], attributes: { row: 0, header: true } });
    }
    const metadata = { ...encodingMetadata(source), delimiter: delimiter === '\t' ? 'tab' : delimiter, columns: names.length, rows: records.length - 1 };
    return builder.build(CSV_MEDIA_TYPE, { title: null, metadata });
  },
};

function chooseDelimiter(text: string, fileName: string): string {
  const lines = text.slice(0, 64 * 1024).split(/\r?\n/, 50);
  const detected = csvDelimiter(lines);
  if (detected !== null) return detected;
  if (/\.(tsv|tab)$/i.test(fileName)) return '\t';
  const first = lines[0] ?? '';
  const counts = [',', ';', '\t'].map((delimiter) => [delimiter, first.split(delimiter).length] as const);
  counts.sort((left, right) => right[1] - left[1]);
  return counts[0]?.[1] !== undefined && counts[0][1] > 1 ? counts[0][0] : ',';
}

function cleanName(field: string): string {
  return field.replace(/\s+/g, ' ').trim();
}
