/** One exported chunk with where it came from: the shape every export format writes. */
export interface ExportLine {
  id: string;
  text: string;
  tokens: number;
  dataset: string;
  version: string;
  source: {
    sha256: string;
    path: string;
    media_type: string;
    source_version: number;
    document_id: string;
    pages: number[];
    char_span: [number, number];
    element_ids: string[];
  };
}

/** An export format: a header (may be empty) and one encoded record per line. */
export interface ExportFormat {
  readonly name: string;
  readonly extension: string;
  header(): string;
  line(record: ExportLine): string;
}
