import type { FormatDetector } from '../format-detector.ts';

export const TEXT_MEDIA_TYPE = 'text/plain';

/** Names that say plain text: they tip a two-row CSV to text and keep HTML fragments text (detect-html.ts). */
export const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(['txt', 'text', 'log']);

/**
 * Plain text takes any text no other parser claims more surely: it loses nothing of what a file says.
 * A plain-text name only outweighs the weakest CSV evidence (two rows).
 */
export const textDetector: FormatDetector = {
  sniffText: ({ extension }) => ({ mediaType: TEXT_MEDIA_TYPE, confidence: TEXT_EXTENSIONS.has(extension) ? 0.55 : 0.1 }),
};
