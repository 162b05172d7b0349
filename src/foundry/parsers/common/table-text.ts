/** Lays a table out as text the same way in every parser: rows joined by "\n", cells by " | ". */
export function tableText(rows: readonly (readonly string[])[]): string {
  return rows.map((cells) => cells.map((cell) => cell.replace(/\s+/g, ' ').trim()).join(' | ')).join('\n');
}
