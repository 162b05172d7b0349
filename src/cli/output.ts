/** Prints a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table with a header row and left-aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  rows = rows.map((row) => row.map(visible));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return `${[format(headers), ...rows.map(format)].join('\n')}\n`;
}

/**
 * A cell with its control characters written as escapes: a file name may hold a newline or a
 * terminal escape sequence, and neither may break a row or reach the terminal.
 */
export function visible(cell: string): string {
  return cell.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) => ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
