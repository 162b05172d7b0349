import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeZip, readZipDirectory, readZipEntry } from './zip-directory.ts';
import { writeZip } from './zip-writer.ts';

describe('readZipDirectory', () => {
  it('lists entries with their declared sizes and methods', () => {
    const zip = writeZip([
      { name: 'a.txt', data: 'hello hello hello hello' },
      { name: 'dir/b.bin', data: new Uint8Array([1, 2, 3]), method: 'store' },
    ]);
    assert.ok(looksLikeZip(zip));
    const entries = readZipDirectory(zip);
    assert.ok(entries !== null);
    assert.deepEqual(entries.map((entry) => [entry.name, entry.method, entry.uncompressedSize]), [['a.txt', 8, 23], ['dir/b.bin', 0, 3]]);
    assert.equal(new TextDecoder().decode(readZipEntry(zip, entries[0]!, 100)), 'hello hello hello hello');
    assert.deepEqual([...readZipEntry(zip, entries[1]!, 100)], [1, 2, 3]);
  });

  it('finds the end record behind an archive comment and reads an empty archive', () => {
    const zip = writeZip([{ name: 'x', data: 'y' }]);
    const withComment = new Uint8Array(zip.length + 5);
    withComment.set(zip);
    new DataView(withComment.buffer).setUint16(zip.length - 2, 5, true);
    withComment.set(new TextEncoder().encode('hello'), zip.length);
    assert.equal(readZipDirectory(withComment)?.length, 1);
    assert.deepEqual(readZipDirectory(writeZip([])), []);
  });

  it('returns null for bytes that are not a zip or are truncated', () => {
    assert.equal(readZipDirectory(new TextEncoder().encode('not a zip at all')), null);
    const zip = writeZip([{ name: 'a', data: 'b' }]);
    assert.equal(readZipDirectory(zip.subarray(0, zip.length - 30)), null);
  });

  it('stops listing after maxEntries + 1 entries', () => {
    const zip = writeZip(Array.from({ length: 50 }, (_, index) => ({ name: `f${index}`, data: '' })));
    assert.equal(readZipDirectory(zip, 10)?.length, 11);
  });

  it('refuses to inflate more than the given limit', () => {
    const zip = writeZip([{ name: 'bomb', data: new Uint8Array(100_000), declaredSize: 10 }]);
    const [entry] = readZipDirectory(zip) ?? [];
    assert.ok(entry !== undefined);
    assert.throws(() => readZipEntry(zip, entry, 1000), { code: 'archive_limit', message: 'zip entry bomb inflates to more than 1000 bytes' });
  });

  it('says what is wrong with an entry by its error code: encrypted, unknown method, damaged', () => {
    const locked = writeZip([{ name: 'word/document.xml', data: '<w:document/>', password: 'pw' }]);
    const [lockedEntry] = readZipDirectory(locked) ?? [];
    assert.ok(lockedEntry !== undefined);
    assert.throws(() => readZipEntry(locked, lockedEntry, 1000), { code: 'encrypted_file', message: 'zip entry word/document.xml is encrypted' });
    const zip = writeZip([{ name: 'a.xml', data: '<a/>' }]);
    const [entry] = readZipDirectory(zip) ?? [];
    assert.ok(entry !== undefined);
    assert.throws(() => readZipEntry(zip, { ...entry, method: 14 }, 1000), { code: 'unsupported_format', message: /compression method 14, which fabrik does not read/ });
    assert.throws(() => readZipEntry(zip, { ...entry, localHeaderOffset: 3 }, 1000), { code: 'parse_failed', message: /has no local header at offset 3/ });
    assert.throws(() => readZipEntry(zip.subarray(0, 40), entry, 1000), { code: 'parse_failed', message: 'zip entry a.xml is truncated' });
  });
});
