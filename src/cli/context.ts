import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type FabrikConfig } from '../shared/config.ts';
import { createFileOnce } from '../shared/create-file-once.ts';
import { CODE_VERSION } from '../shared/version.ts';
import type { BlobStore } from '../store/core/blob-store.ts';
import type { FoundryStore } from '../store/core/foundry-store.ts';
import type { SqliteControlStoreOptions } from '../store/sqlite/sqlite-control-store.ts';
import { createFsBlobStore } from '../store/blobs/fs-blob-store.ts';
import { createPrivateDirectory } from '../store/sqlite/sqlite-database.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';

/** What a command works with: the configuration, the store and the blob store (the composition root). */
export interface CliContext {
  config: FabrikConfig;
  store: FoundryStore;
  /** The audit log the store's transactions append to (checkpoints, verify, proofs). */
  audit: AuditLog;
  blobs: BlobStore;
  actor: string;
  close(): Promise<void>;
}

/** Opens $FABRIK_HOME (creating it on demand) with the embedded adapters. */
export function openContext(config: FabrikConfig = loadConfig()): CliContext {
  createPrivateDirectory(config.home);
  const store = openSqliteStore({
    path: join(config.home, 'fabrik.db'),
    keyDir: join(config.home, 'keys'),
    origin: logOrigin(config.home),
    codeVersion: CODE_VERSION,
    checkpointEvery: config.checkpointEvery,
  });
  return {
    config,
    store,
    audit: store.audit,
    blobs: createFsBlobStore(join(config.home, 'blobs')),
    actor: cliActor(),
    close: () => store.close(),
  };
}

/** Who a CLI command acts as in the audit log: $FABRIK_ACTOR, else the login name. */
export function cliActor(): string {
  return process.env.FABRIK_ACTOR ?? `user:${safeUserName()}`;
}

/** The control store's file and audit-log settings in $FABRIK_HOME (the same log the foundry writes). */
export function controlStoreOptions(config: FabrikConfig = loadConfig()): SqliteControlStoreOptions {
  createPrivateDirectory(config.home);
  return { path: join(config.home, 'fabrik.db'), keyDir: join(config.home, 'keys'), origin: logOrigin(config.home), codeVersion: CODE_VERSION, checkpointEvery: config.checkpointEvery };
}

/** The audit log's origin line: unique to this installation, made once and kept in $FABRIK_HOME. */
function logOrigin(home: string): string {
  return createFileOnce(join(home, 'log-origin'), `fabrik.local/audit/${randomBytes(8).toString('hex')}\n`).trim();
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
