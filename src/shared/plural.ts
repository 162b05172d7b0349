/** A count with its noun in agreement: plural(1, 'entry', 'entries') is "1 entry", plural(2, …) "2 entries". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
