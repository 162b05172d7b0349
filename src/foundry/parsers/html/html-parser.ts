import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { DocumentBuilder, type ElementInput } from '../../core/document-builder.ts';
import type { ParseContext, ParsedDocument, Parser } from '../../core/parsed-document.ts';
import { addHtmlBlocks } from '../common/html-blocks.ts';
import { decodeText, encodingFromBom, isValidUtf8 } from '../common/text-source.ts';
import { HTML_MEDIA_TYPE } from './detect-html.ts';

// When Readability's article is trusted over the chrome-free body (tuned on the corpus: the
// readability-* pages give articles of 1.7k–44k characters; on docling's small test pages
// Readability keeps a fragment, or drops MathML, so the body is better there):
// a long article; or a fair-sized one that is a small share of a page full of leftover chrome;
// or one longer than the body (whose chrome filter took real content).
const LONG_ARTICLE_CHARS = 1500;
const FAIR_ARTICLE_CHARS = 500;
const CHROME_HEAVY_SHARE = 0.35;

/** HTML → elements: Readability's main content when it finds a real article, else the body minus page chrome. */
export const htmlParser: Pick<Parser, 'parse'> = {
  async parse(bytes: Uint8Array, context: ParseContext): Promise<ParsedDocument> {
    const { text: html, encoding } = decodeHtml(bytes);
    // linkedom does not build the implied <body> of the HTML tree algorithm: markup without one
    // (a fragment, or <html><head>…</head><p>…) would leave the content outside document.body.
    const { document } = parseHTML(/<body[\s>/]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`);
    const title = documentTitle(document);
    const lang = document.documentElement?.getAttribute('lang') ?? null;

    const root = document.body ?? document.documentElement ?? document;
    let body = new DocumentBuilder();
    addHtmlBlocks(root, body, { maxDepth: context.limits.maxDepth, dropChrome: true });
    if (body.elementCount === 0) {
      // Everything sat in what looked like chrome (a page that is only a menu): keep it after all.
      body = new DocumentBuilder();
      addHtmlBlocks(root, body, { maxDepth: context.limits.maxDepth });
    }
    const bodyDocument = body.build(HTML_MEDIA_TYPE, { title });
    const bodyLength = bodyDocument.text.length;

    // Readability rewrites the tree it reads, so it runs after the body walk, on the same document.
    // It is also recursive and super-linear in depth: a tree deeper than maxDepth is hostile or
    // broken, and the body walk already read it.
    const tooDeep = deeperThan(root, context.limits.maxDepth);
    const article = tooDeep ? null : readArticle(document, context.limits.maxDepth);
    const useArticle = article !== null && trustArticle(article.length, bodyLength);
    const source = useArticle ? article.document : bodyDocument;
    const builder = new DocumentBuilder();
    const shownTitle = title ?? article?.title ?? null;
    if (shownTitle !== null && !source.text.slice(0, 300).toLowerCase().includes(shownTitle.toLowerCase().slice(0, 60))) {
      builder.add({ kind: 'title', text: shownTitle });
    }
    for (const element of source.elements) {
      const input: ElementInput = { kind: element.kind, text: element.text };
      if (element.level !== undefined) input.level = element.level;
      if (element.attributes !== undefined) input.attributes = element.attributes;
      builder.add(input);
    }
    builder.warnings.push(...source.warnings);
    const chosen = builder.build(HTML_MEDIA_TYPE, { title: shownTitle });
    const extraction = useArticle ? 'readability' : 'body';
    const metadata: ParsedDocument['metadata'] = { encoding, extraction };
    if (lang !== null && lang.length > 0) metadata.lang = lang;
    return { ...chosen, metadata };
  },
};

/** Decodes HTML bytes: BOM, then a <meta charset> in the first 1024 bytes, then the text-file rules. */
export function decodeHtml(bytes: Uint8Array): { text: string; encoding: string } {
  if (encodingFromBom(bytes) === null) {
    const declared = declaredCharset(bytes);
    if (declared !== null) {
      // A page that says windows-1252 but is valid UTF-8 was saved by a tool that re-encoded it.
      const label = declared !== 'utf-8' && isValidUtf8(bytes) && hasHighBytes(bytes) ? 'utf-8' : declared;
      return { text: new TextDecoder(label).decode(bytes), encoding: label };
    }
  }
  const source = decodeText(bytes);
  return { text: source.text, encoding: source.encoding };
}

function declaredCharset(bytes: Uint8Array): string | null {
  const head = new TextDecoder('windows-1252').decode(bytes.subarray(0, 1024));
  const match = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  if (match?.[1] === undefined) return null;
  try {
    const label = new TextDecoder(match[1]).encoding;
    // A UTF-16 declaration in bytes we could read as ASCII is wrong by definition (HTML spec).
    return label.startsWith('utf-16') ? 'utf-8' : label;
  } catch {
    return null;
  }
}

function hasHighBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return true;
  return false;
}

/** Whether any node lies deeper than `limit` below `root` (iterative, stops at the first one). */
function deeperThan(root: Node, limit: number): boolean {
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Node, number];
    if (depth > limit) return true;
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.nodeType === 1) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function trustArticle(articleLength: number, bodyLength: number): boolean {
  if (articleLength >= LONG_ARTICLE_CHARS || articleLength > bodyLength) return true;
  return articleLength >= FAIR_ARTICLE_CHARS && articleLength < bodyLength * CHROME_HEAVY_SHARE;
}

function documentTitle(document: Document): string | null {
  const og = document.querySelector('meta[property="og:title"], meta[name="og:title"]')?.getAttribute('content');
  const title = og ?? document.querySelector('title')?.textContent ?? null;
  const cleaned = title?.replace(/\s+/g, ' ').trim() ?? '';
  return cleaned.length > 0 ? cleaned.slice(0, 500) : null;
}

function readArticle(document: Document, maxDepth: number): { title: string | null; length: number; document: ParsedDocument } | null {
  let result: ReturnType<Readability<Node>['parse']>;
  try {
    result = new Readability<Node>(document, { serializer: (node) => node }).parse();
  } catch {
    return null; // Readability gives up on odd trees; the body walk already has the text.
  }
  if (result === null || result.content === null || result.content === undefined) return null;
  const builder = new DocumentBuilder();
  addHtmlBlocks(result.content, builder, { maxDepth });
  const parsed = builder.build(HTML_MEDIA_TYPE);
  return { title: result.title?.trim() || null, length: parsed.text.length, document: parsed };
}
