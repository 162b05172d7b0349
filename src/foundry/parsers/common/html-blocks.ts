import type { DocumentBuilder, ElementInput } from '../../core/document-builder.ts';
import type { ElementKind } from '../../core/parsed-document.ts';
import { tableText } from './table-text.ts';

export interface HtmlBlockOptions {
  /** Deeper elements are read as inline text of their block (no stack is used, this bounds structure only). */
  maxDepth: number;
  /** mammoth output: footnote/endnote lists and comment lists become 'footnote' elements. */
  notes?: boolean;
  /** Skip page chrome (nav, header, footer, aside, forms, cookie banners) and hidden elements. */
  dropChrome?: boolean;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

// Never text a reader sees.
const SKIPPED = new Set([
  'script', 'style', 'noscript', 'template', 'head', 'title', 'meta', 'link', 'base', 'svg', 'canvas', 'iframe',
  'object', 'embed', 'audio', 'video', 'source', 'track', 'map', 'area', 'select', 'option', 'optgroup',
  'button', 'input', 'textarea', 'datalist', 'img', 'picture',
]);
const CHROME = new Set(['nav', 'header', 'footer', 'aside', 'form', 'dialog', 'menu']);
const CHROME_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search', 'complementary', 'menu', 'menubar', 'dialog', 'alertdialog']);
const COOKIE_BANNER = /(^|[\s_-])(cookie|consent|gdpr|cmp)([\s_-]|banner|notice|bar|$)/i;
// Elements that end the running line of text (CSS display:block and friends).
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'dialog', 'dir', 'div',
  'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header',
  'hgroup', 'hr', 'html', 'legend', 'li', 'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const SECTIONING = new Set(['article', 'main', 'section']);
const LISTS = new Set(['ul', 'ol', 'menu', 'dir']);

interface Context {
  kind: ElementKind;
  level?: number;
  attributes?: ElementInput['attributes'];
}

interface Frame {
  node: Node;
  depth: number;
  exit: boolean;
  /** Set on exit frames of elements that opened something to close. */
  opened?: 'context' | 'list' | 'none';
}

/** Walks an HTML (or mammoth-produced) tree without recursion and adds its blocks to the builder. */
export function addHtmlBlocks(root: Node, builder: DocumentBuilder, options: HtmlBlockOptions): void {
  const contexts: Context[] = [{ kind: 'paragraph' }];
  const listCounters: number[] = [];
  let inline: string[] = [];
  let warnedDepth = false;

  const flush = (): void => {
    if (inline.length === 0) return;
    const text = inline.join('');
    inline = [];
    const context = contexts.at(-1) ?? { kind: 'paragraph' };
    const input: ElementInput = { kind: context.kind, text };
    if (context.level !== undefined) input.level = context.level;
    if (context.attributes !== undefined) input.attributes = context.attributes;
    builder.add(input);
  };

  const stack: Frame[] = [{ node: root, depth: 0, exit: false }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const node = frame.node;
    if (frame.exit) {
      if (frame.opened === 'context') {
        flush();
        contexts.pop();
      } else if (frame.opened === 'list') {
        flush();
        listCounters.pop();
      } else {
        flush();
      }
      continue;
    }
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      const value = node.nodeValue ?? '';
      if (value.length > 0) inline.push(value.replace(/[ \t\n\r\f]+/g, ' '));
      continue;
    }
    const isRoot = node === root;
    if (node.nodeType !== ELEMENT_NODE) {
      if (isRoot) pushChildren(stack, node, frame.depth);
      continue;
    }
    const element = node as Element;
    const name = element.localName;
    if (SKIPPED.has(name)) continue;
    if (options.dropChrome === true && !isRoot && isChrome(element, name)) continue;
    if (frame.depth > options.maxDepth) {
      if (!warnedDepth) {
        builder.warnings.push(`Elements nested deeper than ${options.maxDepth} levels were read as plain text.`);
        warnedDepth = true;
      }
      pushChildren(stack, element, frame.depth);
      continue;
    }
    if (name === 'br') {
      inline.push('\n');
      continue;
    }
    if (options.notes === true && name === 'a' && /^#(footnote|endnote|comment)-ref-/.test(element.getAttribute('href') ?? '')) {
      continue; // mammoth's "↑" back-links
    }
    if (!BLOCKS.has(name)) {
      pushChildren(stack, element, frame.depth);
      continue;
    }
    flush();
    if (name === 'table' && !isLayoutTable(element)) {
      addTable(element, builder);
      continue;
    }
    if (name === 'pre') {
      const text = rawText(element);
      const language = codeLanguage(element);
      builder.add(language === null ? { kind: 'code', text } : { kind: 'code', text, attributes: { language } });
      continue;
    }
    const context = blockContext(element, name, contexts.at(-1), listCounters, options);
    if (LISTS.has(name)) {
      const start = Number.parseInt(element.getAttribute('start') ?? '1', 10);
      listCounters.push(Number.isFinite(start) ? start - 1 : 0);
      stack.push({ node: element, depth: frame.depth, exit: true, opened: 'list' });
    } else if (context !== null) {
      contexts.push(context);
      stack.push({ node: element, depth: frame.depth, exit: true, opened: 'context' });
    } else {
      stack.push({ node: element, depth: frame.depth, exit: true, opened: 'none' });
    }
    pushChildren(stack, element, frame.depth);
  }
  flush();
}

function pushChildren(stack: Frame[], node: Node, depth: number): void {
  const children = node.childNodes;
  for (let index = children.length - 1; index >= 0; index--) {
    const child = children[index];
    if (child !== undefined) stack.push({ node: child, depth: depth + 1, exit: false });
  }
}

/** The kind of text an element's own inline content is; null keeps the enclosing one. */
function blockContext(element: Element, name: string, parent: Context | undefined, listCounters: number[], options: HtmlBlockOptions): Context | null {
  const heading = /^h([1-6])$/.exec(name);
  if (heading !== null) {
    // mammoth marks the Word "Title" style this way (see docx-parser's style map).
    if (heading[1] === '1' && /(^|\s)title(\s|$)/.test(element.getAttribute('class') ?? '')) return { kind: 'title' };
    return { kind: 'heading', level: Number(heading[1]) };
  }
  if (name === 'li') {
    const id = element.getAttribute('id') ?? '';
    if (options.notes === true && /^(footnote|endnote)-/.test(id)) return { kind: 'footnote', attributes: { note: id } };
    const level = Math.max(1, listCounters.length);
    const parentList = element.parentNode as Element | null;
    if (parentList?.localName === 'ol' && listCounters.length > 0) {
      const ordinal = (listCounters.at(-1) ?? 0) + 1;
      listCounters[listCounters.length - 1] = ordinal;
      return { kind: 'list-item', level, attributes: { ordered: true, ordinal } };
    }
    return { kind: 'list-item', level };
  }
  if (name === 'blockquote') return { kind: 'quote' };
  if (name === 'figcaption' || name === 'caption') return { kind: 'caption' };
  if ((name === 'dt' || name === 'dd') && options.notes === true && /^comment-/.test(element.getAttribute('id') ?? '')) {
    return { kind: 'footnote', attributes: { note: element.getAttribute('id') ?? '' } };
  }
  if (name === 'dt' || name === 'dd') return { kind: 'paragraph' };
  // A paragraph inside a list item, quote or note is part of it.
  if (parent !== undefined && (parent.kind === 'list-item' || parent.kind === 'quote' || parent.kind === 'footnote' || parent.kind === 'caption')) return null;
  if (name === 'p' || name === 'div' || name === 'section' || name === 'article' || name === 'main' || name === 'td' || name === 'th') {
    return parent?.kind === 'heading' || parent?.kind === 'title' ? null : { kind: 'paragraph' };
  }
  return null;
}

function hasAncestor(element: Element, names: ReadonlySet<string>): boolean {
  for (let node = element.parentElement; node !== null; node = node.parentElement) {
    if (names.has(node.localName)) return true;
  }
  return false;
}

function isChrome(element: Element, name: string): boolean {
  if (CHROME.has(name)) {
    // A header or footer of an article or section is its own, not the page's.
    if (name === 'header' || name === 'footer') return !hasAncestor(element, SECTIONING);
    // Some frameworks wrap the whole page in one form.
    if (name === 'form') return element.querySelector('p, article, main, h1, h2') === null;
    return true;
  }
  if (element.hasAttribute('hidden') || element.getAttribute('aria-hidden') === 'true') return true;
  const role = element.getAttribute('role');
  if (role !== null && CHROME_ROLES.has(role.toLowerCase())) return true;
  const style = element.getAttribute('style');
  if (style !== null && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style)) return true;
  const label = `${element.getAttribute('id') ?? ''} ${element.getAttribute('class') ?? ''}`;
  return COOKIE_BANNER.test(label);
}

/** Tables used for page layout (headings inside, or declared presentational) are walked as containers, not read as data. */
function isLayoutTable(table: Element): boolean {
  const role = table.getAttribute('role');
  if (role === 'presentation' || role === 'none') return true;
  return table.querySelector('h1, h2, h3, h4, h5, h6, article, main') !== null;
}

// Spans beyond this are treated as 1: a hostile colspan="100000" must not build a huge grid.
const MAX_SPAN = 100;

/** A data table as one element: a grid with row and column spans repeated into every cell they cover. */
function addTable(table: Element, builder: DocumentBuilder): void {
  const captions: string[] = [];
  const ordered: Element[] = [];
  const stack: Element[] = [table];
  // Rows in document order; a nested table's text stays inside its cell (inlineText of the cell).
  while (stack.length > 0) {
    const element = stack.pop() as Element;
    if (element.localName === 'tr') {
      ordered.push(element);
      continue;
    }
    if (element.localName === 'caption') {
      captions.push(inlineText(element));
      continue;
    }
    if (element !== table && element.localName === 'table') continue;
    const children = element.children;
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index];
      if (child !== undefined) stack.push(child);
    }
  }
  const grid: string[][] = [];
  // Cells still covered by a rowspan from above: column → [rows left, text].
  const pending = new Map<number, [number, string]>();
  for (const row of ordered) {
    const cells: string[] = [];
    let column = 0;
    const fillPending = (): void => {
      for (let entry = pending.get(column); entry !== undefined; entry = pending.get(column)) {
        cells.push(entry[1]);
        if (entry[0] <= 1) pending.delete(column);
        else pending.set(column, [entry[0] - 1, entry[1]]);
        column++;
      }
    };
    for (const cell of Array.from(row.children)) {
      if (cell.localName !== 'td' && cell.localName !== 'th') continue;
      fillPending();
      const text = inlineText(cell);
      const colspan = spanOf(cell, 'colspan');
      const rowspan = spanOf(cell, 'rowspan');
      for (let offset = 0; offset < colspan; offset++) {
        cells.push(text);
        if (rowspan > 1) pending.set(column, [rowspan - 1, text]);
        column++;
      }
    }
    fillPending();
    if (cells.some((cell) => cell.length > 0)) grid.push(cells);
  }
  for (const caption of captions) builder.add({ kind: 'caption', text: caption });
  if (grid.length === 0) return;
  builder.add({ kind: 'table', text: tableText(grid), attributes: { cells: grid, rows: grid.length, columns: Math.max(...grid.map((row) => row.length)) } });
}

function spanOf(cell: Element, name: string): number {
  const value = Number.parseInt(cell.getAttribute(name) ?? '1', 10);
  return Number.isFinite(value) && value > 1 ? Math.min(value, MAX_SPAN) : 1;
}

/** Text of a subtree with HTML whitespace collapsing; blocks inside become spaces. Iterative. */
export function inlineText(root: Node): string {
  const parts: string[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      parts.push(node.nodeValue ?? '');
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE) continue;
    const name = (node as Element).localName;
    if (SKIPPED.has(name)) continue;
    if (BLOCKS.has(name) || name === 'br') parts.push(' ');
    const children = node.childNodes;
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index];
      if (child !== undefined) stack.push(child);
    }
  }
  return parts.join('').replace(/[ \t\n\r\f\u00a0]+/g, ' ').trim();
}

/** Text of a subtree with whitespace kept as written (pre); <br> becomes a newline. Iterative. */
function rawText(root: Node): string {
  const parts: string[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      parts.push(node.nodeValue ?? '');
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE) continue;
    const name = (node as Element).localName;
    if (name === 'br') parts.push('\n');
    if (SKIPPED.has(name)) continue;
    const children = node.childNodes;
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index];
      if (child !== undefined) stack.push(child);
    }
  }
  return parts.join('');
}

function codeLanguage(pre: Element): string | null {
  const code = pre.querySelector('code');
  for (const element of code === null ? [pre] : [pre, code]) {
    const match = /(?:^|\s)(?:lang(?:uage)?-)([\w+#.-]+)/.exec(element.getAttribute('class') ?? '');
    if (match?.[1] !== undefined) return match[1];
    const data = element.getAttribute('data-lang') ?? element.getAttribute('data-language');
    if (data !== null && data.length > 0) return data;
  }
  return null;
}
