import type { ExportFormat } from '../export-line.ts';

/** JSON Lines: one JSON object per chunk; the object's keys are always in the same order. */
export const jsonlFormat: ExportFormat = {
  name: 'jsonl',
  extension: '.jsonl',
  header: () => '',
  line: (record) => `${JSON.stringify(record)}\n`,
};
