import type { Refusal } from '../format-detector.ts';

// Mail header field names that only mail (not a memo or a form) carries.
const MAIL_TRANSPORT_FIELDS = new Set(['message-id', 'mime-version', 'received', 'return-path', 'content-type', 'content-transfer-encoding', 'delivered-to', 'dkim-signature', 'x-mailer', 'in-reply-to', 'references', 'authentication-results', 'x-originating-ip']);
const MAIL_ADDRESS_FIELDS = ['from', 'to', 'cc', 'subject', 'date', 'sender', 'reply-to'];

/**
 * Formats that are text but whose text is not the document's: markup, a page-description program or
 * a mail message with MIME parts and base64 attachments. Stored raw they would put control words,
 * drawing code and base64 into datasets, so until fabrik has parsers for them they are refused.
 * vCard and iCalendar files stay plain text: their lines are the data.
 */
export function refuseNotDocumentText(head: string, extension: string): Refusal | null {
  const what = sniffNotDocumentText(head, extension);
  return what === null ? null : { code: 'unsupported_format', what };
}

function sniffNotDocumentText(head: string, extension: string): string | null {
  const start = head.replace(/^\ufeff/, '').trimStart();
  if (start.startsWith('{\\rtf')) return 'an RTF document ({\\rtf…); fabrik has no RTF parser yet';
  if (start.startsWith('%!PS')) return 'a PostScript program (%!PS…), whose text is drawing code; fabrik has no PostScript parser';
  const lines = start.split(/\r?\n/, 200);
  // The mbox separator: "From ", the envelope sender and an asctime date ("Thu Jan  1 00:00:00 2026").
  if (/^From \S+ .*\d{1,2}:\d{2}.*\d{4}\s*$/.test(lines[0] ?? '') && mailHeaderBlock(lines.slice(1), false)) return 'a Unix mailbox (mbox: "From " lines, mail headers and MIME parts); fabrik has no mail parser yet';
  if (mailHeaderBlock(lines, extension !== 'eml')) return 'an e-mail message (RFC 5322 headers and MIME parts); fabrik has no mail parser yet';
  return null;
}

/**
 * Lines that open with a mail header block: header fields (and folded lines) up to a blank line, with
 * mail's fields in it. Strict (no .eml name, no mbox "From " line) asks for two addressing fields and
 * a transport or MIME field (or four addressing fields), so a memo with From: and To: stays text.
 */
function mailHeaderBlock(lines: readonly string[], strict: boolean): boolean {
  const fields = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (line.length === 0) {
      const addressing = MAIL_ADDRESS_FIELDS.filter((field) => fields.has(field)).length;
      const transport = [...fields].some((field) => MAIL_TRANSPORT_FIELDS.has(field));
      return strict ? addressing >= 2 && (transport || addressing >= 4) : addressing >= 1;
    }
    if (index > 0 && /^[ \t]/.test(line)) continue;
    const match = /^([!-9;-~]+):/.exec(line);
    if (match === null) return false;
    fields.add((match[1] ?? '').toLowerCase());
  }
  return false;
}
