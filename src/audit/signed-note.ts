import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify, type KeyObject } from 'node:crypto';
import { FabrikError } from '../shared/errors.ts';
import { safeFromBase64, toBase64 } from './strict-encoding.ts';

/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, byte-compatible with Go's
 * golang.org/x/mod/sumdb/note: a note is UTF-8 text ending in a newline, a blank line, then lines
 * `— <key name> <base64(4-byte key id ‖ signature)>`. Key strings use the Go encodings:
 * verifier `<name>+<hex key id>+<base64(0x01 ‖ public key)>`,
 * signer `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`.
 */

const ALGORITHM_ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
// DER wrappers that turn a raw 32-byte Ed25519 seed / public key into PKCS#8 / SPKI for node:crypto.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  /** The verifier key string `<name>+<hex id>+<base64>`. */
  readonly text: string;
  readonly key: KeyObject;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly verifier: NoteVerifier;
  /** The signer key string `PRIVATE+KEY+<name>+<hex id>+<base64>`; keep it secret. */
  readonly text: string;
  readonly key: KeyObject;
}

/** The signature lines of a note, parsed but not yet verified. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** Whether `name` is a valid key name: non-empty, no Unicode white space, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && name.isWellFormed() && !/[\s+]/u.test(name) && !/[\u0000-\u001f\u007f]/.test(name);
}

/** The key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = hash('sha256', Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([ALGORITHM_ED25519]), publicKey]), 'buffer');
  return digest.readUInt32BE(0);
}

/** Makes a fresh Ed25519 signer named `name`. */
export function generateNoteSigner(name: string): NoteSigner {
  if (!isValidKeyName(name)) throw new FabrikError('invalid_option', `key name ${JSON.stringify(name)} must be non-empty with no spaces or '+'`, { param: 'origin' });
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return signerFromSeed(name, new Uint8Array(seed));
}

/** Parses a signer key string; throws invalid_config naming the rule it breaks. */
export function parseNoteSigner(text: string): NoteSigner {
  // Base64 may itself hold '+', so only the first separators split (as Go's strings.Cut does).
  const parts = splitKey(text, 4);
  if (parts === null || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw badKey('signer key', 'must read PRIVATE+KEY+<name>+<hex id>+<base64 key>');
  const [, , name, idHex, keyBase64] = parts as [string, string, string, string, string];
  const keyBytes = safeFromBase64(keyBase64);
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(idHex) || keyBytes === null || keyBytes.length !== 33 || keyBytes[0] !== ALGORITHM_ED25519) {
    throw badKey('signer key', 'needs a valid name, an 8-digit lower-case hex id and base64 of 0x01 followed by a 32-byte Ed25519 seed');
  }
  const signer = signerFromSeed(name, keyBytes.subarray(1));
  if (signer.keyId !== Number.parseInt(idHex, 16)) throw badKey('signer key', 'its key id does not match its name and key');
  return signer;
}

/** Parses a verifier key string; throws invalid_config naming the rule it breaks. */
export function parseNoteVerifier(text: string): NoteVerifier {
  const verifier = safeParseNoteVerifier(text);
  if (typeof verifier === 'string') throw badKey('verifier key', verifier);
  return verifier;
}

/** Parses a verifier key string; returns the broken rule as a string instead of throwing. */
export function safeParseNoteVerifier(text: string): NoteVerifier | string {
  const parts = splitKey(text, 2);
  if (parts === null) return 'must read <name>+<hex id>+<base64 key>';
  const [name, idHex, keyBase64] = parts as [string, string, string];
  if (!isValidKeyName(name)) return 'its name must be non-empty with no spaces or \'+\'';
  if (!/^[0-9a-f]{8}$/.test(idHex)) return 'its key id must be 8 lower-case hex digits';
  const keyBytes = safeFromBase64(keyBase64);
  if (keyBytes === null || keyBytes.length !== 33 || keyBytes[0] !== ALGORITHM_ED25519) return 'its key must be canonical base64 of 0x01 followed by a 32-byte Ed25519 public key';
  const verifier = verifierFromPublicKey(name, keyBytes.subarray(1));
  if (verifier.keyId !== Number.parseInt(idHex, 16)) return 'its key id does not match its name and key';
  return verifier;
}

/** Signs `text` (non-empty, newline-terminated) and returns the whole note. */
export function signNote(text: string, signer: NoteSigner): string {
  const problem = checkNoteText(text);
  if (problem !== null) throw new FabrikError('internal', `note text ${problem}`);
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.key);
  return `${text}\n${signatureLine(signer.name, signer.keyId, signature)}`;
}

/** Splits a note into its text and signature lines; returns the broken rule as a string when malformed. */
export function safeParseNote(note: string): { text: string; signatures: NoteSignature[] } | string {
  if (!note.isWellFormed()) return 'is not well-formed UTF-8 text';
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) return 'holds a control character other than newline';
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return 'has no blank line before its signatures';
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) return 'does not end with a newline after its last signature';
  const signatures: NoteSignature[] = [];
  for (const line of block.slice(0, -1).split('\n')) {
    const parsed = parseSignatureLine(line);
    if (parsed === null) return `has a malformed signature line ${JSON.stringify(line)}`;
    signatures.push(parsed);
  }
  if (signatures.length > 100) return 'has more than 100 signatures';
  return { text, signatures };
}

/**
 * Opens a note with one trusted verifier: the note must parse and carry a valid signature from it
 * (matching name and key id). Returns the signed text or the reason it does not verify.
 */
export function safeOpenNote(note: string, verifier: NoteVerifier): { text: string } | string {
  const parsed = safeParseNote(note);
  if (typeof parsed === 'string') return `note ${parsed}`;
  const textProblem = checkNoteText(parsed.text);
  if (textProblem !== null) return `note text ${textProblem}`;
  const mine = parsed.signatures.filter((signature) => signature.name === verifier.name && signature.keyId === verifier.keyId);
  if (mine.length === 0) return `note has no signature by key ${verifier.name}+${hex8(verifier.keyId)}`;
  for (const signature of mine) {
    if (signature.signature.length !== 64 || !verify(null, Buffer.from(parsed.text, 'utf8'), verifier.key, signature.signature)) {
      return `note signature by ${verifier.name}+${hex8(verifier.keyId)} does not verify`;
    }
  }
  return { text: parsed.text };
}

function checkNoteText(text: string): string | null {
  if (text.length === 0 || !text.endsWith('\n')) return 'must be non-empty and end with a newline';
  if (text.includes('\n\n') || text.startsWith('\n')) return 'must not contain a blank line';
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) return 'must not contain control characters other than newline';
  return null;
}

function parseSignatureLine(line: string): NoteSignature | null {
  if (!line.startsWith(SIGNATURE_PREFIX)) return null;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space <= 0) return null;
  const name = rest.slice(0, space);
  const bytes = safeFromBase64(rest.slice(space + 1));
  if (!isValidKeyName(name) || bytes === null || bytes.length < 5) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { name, keyId: view.getUint32(0), signature: bytes.subarray(4) };
}

function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const bytes = new Uint8Array(4 + signature.byteLength);
  new DataView(bytes.buffer).setUint32(0, keyId);
  bytes.set(signature, 4);
  return `${SIGNATURE_PREFIX}${name} ${toBase64(bytes)}\n`;
}

function signerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length));
  const verifier = verifierFromPublicKey(name, publicKey);
  const text = `PRIVATE+KEY+${name}+${hex8(verifier.keyId)}+${toBase64(Buffer.concat([Buffer.from([ALGORITHM_ED25519]), seed]))}`;
  return { name, keyId: verifier.keyId, verifier, text, key };
}

function verifierFromPublicKey(name: string, publicKey: Uint8Array): NoteVerifier {
  const keyId = noteKeyId(name, publicKey);
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  const text = `${name}+${hex8(keyId)}+${toBase64(Buffer.concat([Buffer.from([ALGORITHM_ED25519]), publicKey]))}`;
  return { name, keyId, publicKey, text, key };
}

/** Splits at the first `separators` '+' signs; the last part keeps any further '+'. */
function splitKey(text: string, separators: number): string[] | null {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < separators; i++) {
    const plus = rest.indexOf('+');
    if (plus < 0) return null;
    parts.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  parts.push(rest);
  return parts;
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function badKey(what: string, rule: string): FabrikError {
  return new FabrikError('invalid_config', `audit ${what}: ${rule}`, { param: what });
}
