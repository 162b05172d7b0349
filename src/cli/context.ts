import { userInfo } from 'node:os';
import type { AuditLog } from '../audit/audit-log.ts';
import { openFabrik, type Fabrik } from '../open-fabrik.ts';
import type { FabrikConfig } from '../config/fabrik-config.ts';
import { loadConfig } from '../config/load-config.ts';
import type { BlobStore } from '../store/core/blob-store.ts';
import type { FoundryStore } from '../store/core/foundry-store.ts';

/** What a foundry command works with: the configuration, the store, its audit log and the blob store. */
export interface CliContext {
  config: FabrikConfig;
  /** The composition root, for the other stores a command may need. */
  fabrik: Fabrik;
  store: FoundryStore;
  /** The audit log the store's transactions append to (checkpoints, verify, proofs). */
  audit: AuditLog;
  blobs: BlobStore;
  actor: string;
  close(): Promise<void>;
}

/** Opens $FABRIK_HOME (creating it on demand) with the adapters the configuration names (openFabrik). */
export async function openContext(config: FabrikConfig = loadConfig()): Promise<CliContext> {
  const fabrik = openFabrik(config);
  try {
    const store = await fabrik.foundry();
    return { config, fabrik, store, audit: await fabrik.audit(), blobs: fabrik.blobs, actor: cliActor(), close: () => fabrik.close() };
  } catch (error) {
    await fabrik.close();
    throw error;
  }
}

/** Who a CLI command acts as in the audit log: $FABRIK_ACTOR, else the login name. */
export function cliActor(): string {
  return process.env.FABRIK_ACTOR ?? `user:${safeUserName()}`;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
