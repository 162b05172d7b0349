/**
 * A writer-neutral document: the PDF and DOCX writers render the same blocks, so a sample's
 * text lives in one place and its layout in another.
 */

export interface TableColumn {
  header: string;
  /** Relative width; the writers scale the weights of all columns to the text width. */
  weight: number;
}

export type DocumentBlock =
  | { kind: 'heading'; level: 1 | 2; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'steps'; items: readonly string[] }
  | { kind: 'bullets'; items: readonly string[] }
  | { kind: 'table'; columns: readonly TableColumn[]; rows: readonly (readonly string[])[] }
  | { kind: 'callout'; label: string; text: string };

export interface DocumentContent {
  title: string;
  subtitle: string;
  /** Document number and revision, shown in the running header and on the title block. */
  reference: string;
  /** Short name for the running header, e.g. "NP-200 Operating Manual". */
  shortTitle: string;
  author: string;
  subject: string;
  keywords: readonly string[];
  language: string;
  /** Fixed creation date, written into the file's metadata so every build is byte-identical. */
  issued: Date;
  blocks: readonly DocumentBlock[];
}
