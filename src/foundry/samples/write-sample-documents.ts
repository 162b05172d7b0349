import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HAMBURG_SITE_NOTES } from './content/hamburg-site-notes.ts';
import { INFORMATION_SECURITY_POLICY } from './content/information-security-policy.ts';
import { INVOICE_COLUMNS, INVOICE_ROWS } from './content/invoices.ts';
import { OPERATING_MANUAL } from './content/operating-manual.ts';
import { QUICK_START } from './content/quick-start.ts';
import { RELEASE_NOTES } from './content/release-notes.ts';
import { SERVICE_AND_SUPPORT_PAGE } from './content/service-and-support-page.ts';
import { TRAVEL_AND_EXPENSE_POLICY } from './content/travel-and-expense-policy.ts';
import { createDocx } from './create-docx.ts';
import { createPdf } from './create-pdf.ts';
import { encodeWindows1252 } from './encode-windows-1252.ts';
import { toCsv } from './to-csv.ts';

export interface SampleFile {
  /** In SAMPLE_DOCUMENTS: relative to the sample folder, with '/'. From writeSampleDocuments: the absolute path written. */
  path: string;
  mediaType: string;
  description: string;
}

interface SampleDefinition extends SampleFile {
  render(): Promise<Uint8Array> | Uint8Array;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const utf8 = new TextEncoder();

const SAMPLE_DEFINITIONS: readonly SampleDefinition[] = [
  {
    path: 'manuals/np-200-operating-manual.pdf',
    mediaType: 'application/pdf',
    description: 'NP-200 operating manual: safety, installation, commissioning, maintenance schedule and troubleshooting (5 pages, tables, running header and page numbers).',
    render: () => createPdf(OPERATING_MANUAL),
  },
  {
    path: 'manuals/np-200-quick-start.pdf',
    mediaType: 'application/pdf',
    description: 'NP-200 quick start guide: eight steps to first start-up and the key figures (1 page).',
    render: () => createPdf(QUICK_START),
  },
  {
    path: 'policies/information-security-policy.docx',
    mediaType: DOCX,
    description: 'Information security policy: headings, bulleted and numbered lists, and a table of roles and responsibilities.',
    render: () => createDocx(INFORMATION_SECURITY_POLICY),
  },
  {
    path: 'policies/travel-and-expense-policy.docx',
    mediaType: DOCX,
    description: 'Travel and expense policy: booking rules, an allowance table and how to claim expenses.',
    render: () => createDocx(TRAVEL_AND_EXPENSE_POLICY),
  },
  {
    path: 'finance/invoices-2026-q3.csv',
    mediaType: 'text/csv',
    description: `Invoices of the third quarter of 2026 (${INVOICE_ROWS.length} rows), with quoted fields that hold a comma and a double quote.`,
    render: () => utf8.encode(toCsv([INVOICE_COLUMNS, ...INVOICE_ROWS.map((row) => INVOICE_COLUMNS.map((column) => row[column]))])),
  },
  {
    path: 'web/service-and-support.html',
    mediaType: 'text/html',
    description: 'The "Service and support" web page: an article with a service-level table amid a menu, cookie banner, sidebar and footer.',
    render: () => utf8.encode(SERVICE_AND_SUPPORT_PAGE),
  },
  {
    path: 'notes/release-notes.md',
    mediaType: 'text/markdown',
    description: 'NordLink portal and sensor firmware release notes: headings, lists, a compatibility table and a YAML code block.',
    render: () => utf8.encode(RELEASE_NOTES),
  },
  {
    path: 'notes/hamburg-site-notes.txt',
    mediaType: 'text/plain',
    description: 'Notes on the Hamburg site, in German, encoded in windows-1252 with CRLF line ends (not UTF-8).',
    render: () => encodeWindows1252(HAMBURG_SITE_NOTES),
  },
];

/** The sample documents the demo ingests, with paths relative to the folder they are written to. */
export const SAMPLE_DOCUMENTS: readonly SampleFile[] = SAMPLE_DEFINITIONS.map(({ path, mediaType, description }) => ({ path, mediaType, description }));

/** Writes the demo's sample documents (a fictional pump maker's manuals, policies, invoices, web page and notes) into `dir`, byte-identical on every run. */
export async function writeSampleDocuments(dir: string): Promise<SampleFile[]> {
  const written: SampleFile[] = [];
  for (const sample of SAMPLE_DEFINITIONS) {
    const target = join(dir, ...sample.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await sample.render());
    written.push({ path: target, mediaType: sample.mediaType, description: sample.description });
  }
  return written;
}
