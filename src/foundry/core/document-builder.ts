import type { BoundingBox, ElementKind, ParsedDocument, ParsedElement } from './parsed-document.ts';

export interface ElementInput {
  kind: ElementKind;
  text: string;
  page?: number;
  bbox?: BoundingBox;
  sourceSpan?: [number, number];
  level?: number;
  attributes?: ParsedElement['attributes'];
}

const SEPARATOR = '\n\n';

/** Collects elements in reading order and lays out the canonical text and spans for them. */
export class DocumentBuilder {
  readonly #elements: ParsedElement[] = [];
  readonly #parts: string[] = [];
  #length = 0;
  readonly warnings: string[] = [];

  /** Adds an element; text is trimmed and elements with no text are dropped. Returns the element or null. */
  add(input: ElementInput): ParsedElement | null {
    const text = normalizeElementText(input.text, input.kind === 'code' || input.kind === 'table');
    if (text.length === 0) return null;
    if (this.#parts.length > 0) {
      this.#parts.push(SEPARATOR);
      this.#length += SEPARATOR.length;
    }
    const start = this.#length;
    this.#parts.push(text);
    this.#length += text.length;
    const element: ParsedElement = { kind: input.kind, text, page: input.page ?? 1, span: [start, this.#length] };
    if (input.bbox !== undefined) element.bbox = input.bbox;
    if (input.sourceSpan !== undefined) element.sourceSpan = input.sourceSpan;
    if (input.level !== undefined) element.level = input.level;
    if (input.attributes !== undefined) element.attributes = input.attributes;
    this.#elements.push(element);
    return element;
  }

  get elementCount(): number {
    return this.#elements.length;
  }

  build(mediaType: string, options: { title?: string | null; pageCount?: number; metadata?: ParsedDocument['metadata'] } = {}): ParsedDocument {
    const pageCount = options.pageCount ?? this.#elements.reduce((max, element) => Math.max(max, element.page), 1);
    const firstHeading = this.#elements.find((element) => element.kind === 'title' || element.kind === 'heading');
    return {
      mediaType,
      title: options.title ?? firstHeading?.text.slice(0, 200) ?? null,
      pageCount,
      text: this.#parts.join(''),
      elements: this.#elements,
      warnings: this.warnings,
      metadata: options.metadata ?? {},
    };
  }
}

/**
 * Collapses runs of spaces and tabs, trims each line, drops NULs and other C0 controls except
 * newline; `keepLayout` keeps inner whitespace (code, tables) and only trims the ends.
 */
export function normalizeElementText(text: string, keepLayout = false): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  if (keepLayout) return cleaned.replace(/^\n+|\s+$/g, '');
  return cleaned
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line, index, lines) => line.length > 0 || (index > 0 && (lines[index - 1] ?? '').length > 0))
    .join('\n')
    .trim();
}
