import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The born-digital PDFs of a folder, as the PDF benches count them: pdftotext finds a text layer
 * of at least 200 characters and pdfinfo says the file is not encrypted. Needs poppler-utils.
 */
export function bornDigitalPdfs(folder: string): Array<{ path: string; pages: number }> {
  const files: Array<{ path: string; pages: number }> = [];
  for (const name of readdirSync(folder).filter((entry) => entry.endsWith('.pdf')).sort()) {
    const path = join(folder, name);
    const info = spawnSync('pdfinfo', [path], { encoding: 'utf8' });
    if (info.status !== 0 || /Encrypted:\s+yes/.test(info.stdout)) continue;
    const pages = Number(/Pages:\s+(\d+)/.exec(info.stdout)?.[1] ?? 0);
    const text = spawnSync('pdftotext', ['-q', path, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (pages > 0 && text.status === 0 && text.stdout.replace(/\s+/g, '').length >= 200) files.push({ path, pages });
  }
  return files;
}
