/** One Markdown block with the [start, end) of its source text (markers included). */
export interface MarkdownBlock {
  kind: 'heading' | 'paragraph' | 'list-item' | 'code' | 'quote' | 'table' | 'html' | 'front-matter';
  /** Content with block markers removed (inline markup still in place; code verbatim). */
  content: string;
  start: number;
  end: number;
  /** Heading level or list nesting depth (1 = top). */
  level?: number;
  language?: string;
  ordinal?: number;
  checked?: boolean;
  rows?: string[][];
}

interface Line {
  text: string;
  start: number;
  /** End of the text, before the line terminator. */
  end: number;
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)?.*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const BLOCK_QUOTE = /^ {0,3}>/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const HTML_BLOCK = /^ {0,3}<(?:\/?[a-zA-Z][\w-]*(?:[\s/>]|$)|!--)/;
const TASK = /^\[([ xX])\][ \t]+/;

/** Splits Markdown (CommonMark + GFM tables, leniently) into blocks with exact source ranges; linear, no recursion. */
export function markdownBlocks(text: string): MarkdownBlock[] {
  const lines = splitLines(text);
  const blocks: MarkdownBlock[] = [];
  // Open list items, innermost last: where their content starts, so deeper lines nest.
  const listStack: { contentIndent: number }[] = [];
  let index = 0;
  if (lines[0]?.text === '---') index = frontMatter(lines, blocks);
  let previousBlank = true;
  while (index < lines.length) {
    const line = lines[index] as Line;
    const value = line.text;
    if (value.trim().length === 0) {
      previousBlank = true;
      index++;
      continue;
    }
    const indent = indentWidth(value);
    // A list ends at a non-blank line that neither continues an item nor starts a new one.
    const listItem = LIST_ITEM.exec(value);
    if (listStack.length > 0 && listItem === null && indent < (listStack.at(-1)?.contentIndent ?? 0) && previousBlank) listStack.length = 0;

    if (indent >= 4 && listStack.length === 0 && previousBlank) {
      index = indentedCode(lines, index, blocks);
      previousBlank = false;
      continue;
    }
    const fence = FENCE_OPEN.exec(value);
    if (fence !== null && !(fence[2]?.startsWith('`') === true && (fence[3] ?? '').includes('`'))) {
      index = fencedCode(lines, index, fence, blocks);
      previousBlank = false;
      continue;
    }
    const heading = ATX_HEADING.exec(value);
    if (heading !== null) {
      blocks.push({ kind: 'heading', level: heading[1]?.length ?? 1, content: heading[2] ?? '', start: line.start, end: line.end });
      listStack.length = 0;
      index++;
      previousBlank = false;
      continue;
    }
    if (THEMATIC_BREAK.test(value)) {
      index++;
      previousBlank = true;
      continue;
    }
    if (BLOCK_QUOTE.test(value)) {
      index = blockQuote(lines, index, blocks);
      listStack.length = 0;
      previousBlank = false;
      continue;
    }
    if (listItem !== null && (listItem[4] !== undefined || lines[index + 1]?.text.trim() !== '')) {
      index = listItemBlock(lines, index, listItem, listStack, blocks);
      previousBlank = false;
      continue;
    }
    if (HTML_BLOCK.test(value)) {
      index = htmlBlock(lines, index, blocks);
      previousBlank = false;
      continue;
    }
    const next = lines[index + 1];
    if (value.includes('|') && next !== undefined && TABLE_DELIMITER.test(next.text) && next.text.includes('-')) {
      const header = splitRow(value);
      if (header.length === splitRow(next.text).length) {
        index = table(lines, index, header, blocks);
        previousBlank = false;
        continue;
      }
    }
    index = paragraph(lines, index, blocks, listStack);
    previousBlank = false;
  }
  return blocks;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    const next = end < 0 ? text.length + 1 : end + 1;
    if (end < 0) end = text.length;
    const contentEnd = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    lines.push({ text: text.slice(start, contentEnd), start, end: contentEnd });
    start = next;
  }
  return lines;
}

function indentWidth(line: string): number {
  let width = 0;
  for (const character of line) {
    if (character === ' ') width++;
    else if (character === '\t') width += 4 - (width % 4);
    else break;
  }
  return width;
}

/** Removes up to `width` columns of leading whitespace. */
function dedent(line: string, width: number): string {
  let column = 0;
  let index = 0;
  while (index < line.length && column < width) {
    const character = line[index];
    if (character === ' ') column++;
    else if (character === '\t') column += 4 - (column % 4);
    else break;
    index++;
  }
  return line.slice(index);
}

function frontMatter(lines: Line[], blocks: MarkdownBlock[]): number {
  for (let index = 1; index < lines.length; index++) {
    const value = lines[index]?.text ?? '';
    if (value === '---' || value === '...') {
      const first = lines[1] as Line;
      const last = lines[index - 1] as Line;
      if (index > 1) blocks.push({ kind: 'front-matter', content: lines.slice(1, index).map((line) => line.text).join('\n'), start: first.start, end: last.end });
      return index + 1;
    }
  }
  return 0; // no closing line: it was a thematic break
}

function indentedCode(lines: Line[], index: number, blocks: MarkdownBlock[]): number {
  let last = index;
  let cursor = index;
  while (cursor < lines.length) {
    const value = (lines[cursor] as Line).text;
    if (value.trim().length === 0) {
      cursor++;
      continue;
    }
    if (indentWidth(value) < 4) break;
    last = cursor;
    cursor++;
  }
  const content = lines.slice(index, last + 1).map((line) => dedent(line.text, 4)).join('\n');
  blocks.push({ kind: 'code', content, start: (lines[index] as Line).start, end: (lines[last] as Line).end });
  return last + 1;
}

function fencedCode(lines: Line[], index: number, fence: RegExpExecArray, blocks: MarkdownBlock[]): number {
  const indent = fence[1]?.length ?? 0;
  const marker = fence[2] ?? '```';
  const language = fence[3] ?? '';
  const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
  let cursor = index + 1;
  while (cursor < lines.length && !closing.test((lines[cursor] as Line).text)) cursor++;
  const content = lines.slice(index + 1, cursor).map((line) => dedent(line.text, indent)).join('\n');
  const endLine = lines[Math.min(cursor, lines.length - 1)] as Line;
  const block: MarkdownBlock = { kind: 'code', content, start: (lines[index] as Line).start, end: endLine.end };
  if (language.length > 0) block.language = language;
  blocks.push(block);
  return cursor + 1;
}

function blockQuote(lines: Line[], index: number, blocks: MarkdownBlock[]): number {
  // One 'quote' block per paragraph inside the quote; lazy continuation lines belong to it.
  let cursor = index;
  let partStart = -1;
  let parts: string[] = [];
  let partEnd = 0;
  const close = (): void => {
    if (partStart >= 0 && parts.some((part) => part.trim().length > 0)) blocks.push({ kind: 'quote', content: parts.join('\n'), start: partStart, end: partEnd });
    partStart = -1;
    parts = [];
  };
  while (cursor < lines.length) {
    const line = lines[cursor] as Line;
    const value = line.text;
    if (value.trim().length === 0) break;
    let content: string;
    if (BLOCK_QUOTE.test(value)) {
      content = value.replace(/^(?:[ \t]{0,3}>[ \t]?)+/, '');
    } else if (partStart >= 0 && !startsBlock(value)) {
      content = value; // lazy continuation
    } else {
      break;
    }
    if (content.trim().length === 0) {
      close();
    } else {
      if (partStart < 0) partStart = line.start;
      parts.push(content);
      partEnd = line.end;
    }
    cursor++;
  }
  close();
  return cursor;
}

function listItemBlock(lines: Line[], index: number, match: RegExpExecArray, listStack: { contentIndent: number }[], blocks: MarkdownBlock[]): number {
  const line = lines[index] as Line;
  const markerIndent = indentWidth(match[1] ?? '');
  const marker = match[2] ?? '-';
  const gap = match[3]?.length ?? 1;
  // A gap of five or more columns means the content is indented code: the item content starts one column in.
  const contentIndent = markerIndent + marker.length + (gap >= 5 ? 1 : gap);
  while (listStack.length > 0 && markerIndent < (listStack.at(-1)?.contentIndent ?? 0)) listStack.pop();
  listStack.push({ contentIndent });
  let content = match[4] ?? '';
  const block: MarkdownBlock = { kind: 'list-item', level: listStack.length, content: '', start: line.start, end: line.end };
  const ordinal = /^\d+/.exec(marker);
  if (ordinal !== null) block.ordinal = Number(ordinal[0]);
  const task = TASK.exec(content);
  if (task !== null) {
    block.checked = task[1] !== ' ';
    content = content.slice(task[0].length);
  }
  const parts = [content];
  let cursor = index + 1;
  let blankRun = 0;
  while (cursor < lines.length) {
    const next = lines[cursor] as Line;
    const value = next.text;
    if (value.trim().length === 0) {
      blankRun++;
      cursor++;
      continue;
    }
    const indent = indentWidth(value);
    const nestedItem = LIST_ITEM.exec(value);
    if (nestedItem !== null) break; // every item is its own block; the list stack nests them
    if (indent >= contentIndent) {
      parts.push(dedent(value, contentIndent));
    } else if (blankRun === 0 && !startsBlock(value)) {
      parts.push(value.trim()); // lazy continuation of the item's paragraph
    } else {
      break;
    }
    blankRun = 0;
    block.end = next.end;
    cursor++;
  }
  block.content = parts.join('\n');
  blocks.push(block);
  // Trailing blank lines are not the item's: let the main loop see them.
  while (cursor > index + 1 && (lines[cursor - 1] as Line).text.trim().length === 0) cursor--;
  return cursor;
}

function htmlBlock(lines: Line[], index: number, blocks: MarkdownBlock[]): number {
  let cursor = index;
  while (cursor < lines.length && (lines[cursor] as Line).text.trim().length > 0) cursor++;
  const content = lines.slice(index, cursor).map((line) => line.text).join('\n');
  blocks.push({ kind: 'html', content, start: (lines[index] as Line).start, end: (lines[cursor - 1] as Line).end });
  return cursor;
}

function table(lines: Line[], index: number, header: string[], blocks: MarkdownBlock[]): number {
  const rows = [header];
  let cursor = index + 2;
  while (cursor < lines.length) {
    const value = (lines[cursor] as Line).text;
    if (value.trim().length === 0 || !value.includes('|') || startsBlock(value)) break;
    const cells = splitRow(value);
    // GFM: short rows are padded, long ones cut to the header's width.
    while (cells.length < header.length) cells.push('');
    rows.push(cells.slice(0, header.length));
    cursor++;
  }
  blocks.push({ kind: 'table', content: '', rows, start: (lines[index] as Line).start, end: (lines[cursor - 1] as Line).end });
  return cursor;
}

/** Cells of a table row: split on pipes that are not escaped, outer pipes optional. */
export function splitRow(row: string): string[] {
  let value = row.trim();
  if (value.startsWith('|')) value = value.slice(1);
  if (value.endsWith('|') && !value.endsWith('\\|')) value = value.slice(0, -1);
  const cells: string[] = [];
  let current = '';
  for (let index = 0; index < value.length; index++) {
    const character = value[index];
    if (character === '\\' && value[index + 1] === '|') {
      current += '|';
      index++;
    } else if (character === '|') {
      cells.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  cells.push(current.trim());
  return cells;
}

function paragraph(lines: Line[], index: number, blocks: MarkdownBlock[], listStack: { contentIndent: number }[]): number {
  const parts: string[] = [(lines[index] as Line).text.trim()];
  let cursor = index + 1;
  while (cursor < lines.length) {
    const value = (lines[cursor] as Line).text;
    if (value.trim().length === 0) break;
    const underline = SETEXT_UNDERLINE.exec(value);
    if (underline !== null && indentWidth(value) < 4) {
      blocks.push({ kind: 'heading', level: underline[1]?.startsWith('=') === true ? 1 : 2, content: parts.join('\n'), start: (lines[index] as Line).start, end: (lines[cursor] as Line).end });
      listStack.length = 0;
      return cursor + 1;
    }
    if (startsBlock(value)) break;
    parts.push(value.trim());
    cursor++;
  }
  blocks.push({ kind: 'paragraph', content: parts.join('\n'), start: (lines[index] as Line).start, end: (lines[cursor - 1] as Line).end });
  listStack.length = 0;
  return cursor;
}

/** Lines that interrupt a paragraph (CommonMark: not indented code, and only lists starting at 1). */
function startsBlock(value: string): boolean {
  if (ATX_HEADING.test(value) || THEMATIC_BREAK.test(value) || BLOCK_QUOTE.test(value) || HTML_BLOCK.test(value)) return true;
  if (/^ {0,3}(`{3,}|~{3,})/.test(value)) return true;
  const item = LIST_ITEM.exec(value);
  return item !== null && item[4] !== undefined && item[4].trim().length > 0 && (!/^\d/.test(item[2] ?? '') || /^1[.)]$/.test(item[2] ?? ''));
}
