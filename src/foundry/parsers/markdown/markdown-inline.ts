/** Markdown inline markup → plain text, plus the link targets it held. Every pattern is length-bounded so hostile input stays near-linear. */
export function markdownInlineText(source: string): { text: string; links: string[] } {
  const links: string[] = [];
  const codeSpans: string[] = [];
  // Code spans first: nothing inside them is markup. Placeholders keep them out of later rules.
  let text = source.replace(/(`{1,10})([^`]|[^`][\s\S]{0,2000}?[^`])\1(?!`)/g, (_match, _ticks: string, code: string) => {
    codeSpans.push(code.trim().length > 0 ? code.replace(/^ (.*) $/s, '$1') : code);
    return `\uE000${codeSpans.length - 1}\uE001`;
  });
  // Escaped punctuation is literal: park it where the emphasis rules cannot see it.
  const escaped: string[] = [];
  text = text.replace(/\\([!-/:-@[-`{-~])/g, (_match, character: string) => {
    escaped.push(character);
    return `\uE002${escaped.length - 1}\uE003`;
  });
  text = text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/!\[([^\]]{0,500})\]\(\s*<?([^)\s>]{0,2000})>?(?:\s+["'(][^)]{0,500}["')])?\s*\)/g, (_match, alt: string) => alt)
    .replace(/\[([^\]]{1,500})\]\(\s*<?([^)\s>]{0,2000})>?(?:\s+["'(][^)]{0,500}["')])?\s*\)/g, (_match, label: string, target: string) => {
      if (target.length > 0) links.push(target);
      return label;
    })
    .replace(/\[([^\]]{1,500})\]\[[^\]]{0,500}\]/g, '$1')
    .replace(/<((?:https?|ftp|mailto):[^\s>]{1,2000})>/gi, (_match, url: string) => {
      links.push(url);
      return url;
    })
    .replace(/<\/?[a-zA-Z][\w-]{0,50}(?:\s[^<>]{0,1000})?\/?>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]{0,1000}?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*]{0,1000}?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_]{0,1000}?\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/~~(?=\S)([\s\S]{0,1000}?\S)~~/g, '$1')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_match, name: string) => ENTITIES[name] ?? _match);
  text = text.replace(/\uE002(\d+)\uE003/g, (_match, slot: string) => escaped[Number(slot)] ?? '');
  text = text.replace(/\uE000(\d+)\uE001/g, (_match, slot: string) => codeSpans[Number(slot)] ?? '');
  return { text, links };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' };
