/** Formats rows as RFC 4180 CSV: CRLF line ends, and fields with a comma, quote or line break quoted with doubled quotes. */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((row) => row.map(formatField).join(',')).join('\r\n') + '\r\n';
}

function formatField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
