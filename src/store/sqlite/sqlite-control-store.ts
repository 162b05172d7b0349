import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SQLInputValue } from 'node:sqlite';
import type { AuditLog } from '../../audit/audit-log.ts';
import { FabrikError } from '../../shared/errors.ts';
import { createSecretBox, type SecretBox } from '../../shared/secret-box.ts';
import type {
  ApiKeyRecord,
  ControlStore,
  Limits,
  ModelDefinition,
  PayloadRecord,
  QuotaAdjustment,
  QuotaLeaseRequest,
  QuotaLeaseResult,
  TeamRecord,
  UsageAggregate,
  UsageQuery,
  UsageRecord,
} from '../core/control-store.ts';
import { migrateControl } from './sqlite-control-migrations.ts';
import { openSqliteDatabase, SqliteDatabase, type SqliteOpenOptions } from './sqlite-database.ts';

export type SqliteControlStoreOptions = SqliteOpenOptions;

type Row = Record<string, unknown>;

const USAGE_INSERT = 'INSERT INTO gateway_usage (request_id, time, team_id, key_id, model, replica, endpoint, status, error_code, prompt_tokens, completion_tokens, tokens_source, ttft_ms, itl_ms, duration_ms, cost_micros, stream) VALUES ';
const USAGE_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Rows per INSERT: 50 × 17 parameters stays under SQLite's default limit of 32766. */
const USAGE_ROWS = 50;
/**
 * The gateway's writes (quota leases and slots, metered usage) run on the event loop, so they go
 * through a second connection that waits at most this long for the write lock: a foundry
 * transaction or a backup holding it makes them fail fast (the gateway keeps its records, uses
 * the leases in hand and retries) instead of stalling every request for the main connection's
 * 10 s. 2 ms lets another gateway's lease (well under 1 ms) finish first.
 */
const GATEWAY_BUSY_TIMEOUT_MS = 2;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** The key that seals engine API keys in gateway_models, in the store's key folder. */
export const ENGINE_KEYS_FILE = 'engine-keys.key';

/** The SQLite control store, with the audit log its writes append to (checkpoints, verify, proofs). */
export type SqliteControlStore = ControlStore & { readonly audit: AuditLog };

/** Opens the control tables in the shared SQLite file on a connection of its own (WAL, busy timeout). */
export function openSqliteControlStore(options: SqliteControlStoreOptions): SqliteControlStore {
  const { sql, audit } = openSqliteDatabase(options, 'control store', migrateControl);
  const store = new SqliteControlTables(sql, audit, options, createSecretBox(join(options.keyDir, ENGINE_KEYS_FILE), 'fabrik engine api key'));
  store.sealPlainEngineKeys();
  return store;
}

class SqliteControlTables implements SqliteControlStore {
  readonly audit: AuditLog;
  readonly #sql: SqliteDatabase;
  readonly #options: SqliteControlStoreOptions;
  /** The gateway's connection (short busy timeout), opened on its first write. */
  #gateway: { sql: SqliteDatabase; audit: AuditLog } | null = null;
  /** Admin writes open on the main connection, and the settling of the last one started (they queue in order). */
  #writing = 0;
  #written: Promise<void> = Promise.resolve();
  /** The gateway's writes in flight, awaited by close(). */
  readonly #gatewayWrites = new Set<Promise<unknown>>();

  readonly #secrets: SecretBox;

  constructor(sql: SqliteDatabase, audit: AuditLog, options: SqliteControlStoreOptions, secrets: SecretBox) {
    this.#sql = sql;
    this.audit = audit;
    this.#options = options;
    this.#secrets = secrets;
  }

  /** The gateway's connection (short busy timeout), opened on its first write. */
  #gatewayConnection(): { sql: SqliteDatabase; audit: AuditLog } {
    this.#gateway ??= openSqliteDatabase({ ...this.#options, busyTimeoutMs: GATEWAY_BUSY_TIMEOUT_MS }, 'control store', migrateControl);
    return this.#gateway;
  }

  /** A held lock becomes store_error: the gateway keeps what it has and retries later. */
  #lockError(error: unknown): unknown {
    const code = (error as { errcode?: unknown }).errcode;
    if (typeof code === 'number' && ((code & 0xff) === SQLITE_BUSY || (code & 0xff) === SQLITE_LOCKED)) {
      return new FabrikError('store_error', `${this.#options.path} is locked by another writer (waited ${GATEWAY_BUSY_TIMEOUT_MS} ms); the gateway retries later`, { cause: error });
    }
    return error;
  }

  /**
   * Runs one of the gateway's writes in a transaction on its own connection; a held lock fails
   * fast as store_error.
   */
  async #onGatewayConnection<T>(work: (sql: SqliteDatabase, audit: AuditLog) => Promise<T>): Promise<T> {
    const { sql, audit } = this.#gatewayConnection();
    const write = sql.transaction(async () => work(sql, audit));
    this.#gatewayWrites.add(write);
    try {
      return await write;
    } catch (error) {
      throw this.#lockError(error);
    } finally {
      this.#gatewayWrites.delete(write);
    }
  }

  /**
   * A ledger write whose work never awaits (a lease, a return, a slot claim): when no transaction
   * is open on the gateway's connection it runs in one synchronous transaction, which nothing
   * can interleave with, instead of taking a turn in the connection's queue (that turn cost about
   * 20 µs a lease here); otherwise it queues like any other.
   */
  #ledgerWrite<T>(work: (sql: SqliteDatabase) => T): Promise<T> {
    const { sql } = this.#gatewayConnection();
    if (sql.inTransaction) return this.#onGatewayConnection(async (queued) => work(queued));
    try {
      sql.db.exec('BEGIN IMMEDIATE');
      try {
        const result = work(sql);
        sql.db.exec('COMMIT');
        return Promise.resolve(result);
      } catch (error) {
        if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      return Promise.reject(this.#lockError(error));
    }
  }

  /** An admin write: one transaction on the main connection (queued behind any other open on it). */
  #write<T>(work: () => Promise<T>): Promise<T> {
    this.#writing += 1;
    const done = this.#sql.transaction(work).finally(() => {
      this.#writing -= 1;
    });
    this.#written = done.then(() => undefined, () => undefined);
    return done;
  }

  /**
   * A read on the main connection. While an admin write is open there (awaiting its audit
   * append), a read would see its uncommitted rows: it waits for the writes to settle instead.
   */
  #read<T>(work: () => T): Promise<T> {
    if (this.#writing > 0) return this.#readAfterWrites(work);
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #readAfterWrites<T>(work: () => T): Promise<T> {
    while (this.#writing > 0) await this.#written;
    return work();
  }

  /** Seals the engine keys a version before sealing stored in plain text (a few rows; nothing to do after the first open). */
  sealPlainEngineKeys(): void {
    const plain = (definition: string): boolean => (JSON.parse(definition) as ModelDefinition).replicas.some((replica) => replica.apiKey !== undefined && !this.#secrets.isSealed(replica.apiKey));
    if (!this.#sql.all('SELECT definition FROM gateway_models').some((row) => plain(String(row.definition)))) return;
    // Overwrite what the plain text leaves behind in freed space, not just unlink it.
    this.#sql.db.exec('PRAGMA secure_delete = ON');
    try {
      // At open nothing else uses the connection yet: a plain synchronous transaction.
      this.#sql.db.exec('BEGIN IMMEDIATE');
      try {
        for (const row of this.#sql.all('SELECT name, definition FROM gateway_models')) {
          if (plain(String(row.definition))) this.#sql.run('UPDATE gateway_models SET definition = ? WHERE name = ?', this.#sealed(JSON.parse(String(row.definition)) as ModelDefinition), String(row.name));
        }
        this.#sql.db.exec('COMMIT');
      } catch (error) {
        if (this.#sql.db.isTransaction) this.#sql.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#sql.db.exec('PRAGMA secure_delete = OFF');
    }
  }

  /** The definition as stored: engine keys sealed. */
  #sealed(model: ModelDefinition): string {
    return JSON.stringify({ ...model, replicas: model.replicas.map((replica) => (replica.apiKey === undefined || this.#secrets.isSealed(replica.apiKey) ? replica : { ...replica, apiKey: this.#secrets.seal(replica.apiKey) })) });
  }

  #bumpRevision(): void {
    this.#sql.run("UPDATE control_meta SET value = value + 1 WHERE key = 'revision'");
  }

  revision(): Promise<number> {
    return this.#read(() => Number(this.#sql.get("SELECT value FROM control_meta WHERE key = 'revision'")?.value ?? 0));
  }

  createTeam(team: { name: string; limits: Limits; logPayloads: boolean }, actor: string): Promise<TeamRecord> {
    return this.#write(async () => {
      if (this.#team(team.name) !== null) throw new FabrikError('already_exists', `a team named "${team.name}" already exists`, { param: 'name' });
      const now = new Date().toISOString();
      const record: TeamRecord = { id: `team_${randomBytes(8).toString('hex')}`, name: team.name, limits: team.limits, logPayloads: team.logPayloads, createdAt: now, updatedAt: now };
      this.#sql.run('INSERT INTO control_teams (id, name, limits, log_payloads, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', record.id, record.name, JSON.stringify(record.limits), record.logPayloads ? 1 : 0, now, now);
      this.#bumpRevision();
      await this.audit.append({ actor, action: 'team.create', subjects: [record.id], options: { name: record.name, limits: { ...record.limits }, logPayloads: record.logPayloads } });
      return record;
    });
  }

  updateTeam(name: string, patch: { limits?: Limits; logPayloads?: boolean }, actor: string): Promise<TeamRecord> {
    return this.#write(async () => {
      const team = this.#team(name);
      if (team === null) throw new FabrikError('not_found', `team "${name}" does not exist`, { param: 'team' });
      const updated: TeamRecord = { ...team, limits: patch.limits ?? team.limits, logPayloads: patch.logPayloads ?? team.logPayloads, updatedAt: new Date().toISOString() };
      this.#sql.run('UPDATE control_teams SET limits = ?, log_payloads = ?, updated_at = ? WHERE id = ?', JSON.stringify(updated.limits), updated.logPayloads ? 1 : 0, updated.updatedAt, team.id);
      this.#bumpRevision();
      await this.audit.append({ actor, action: 'team.update', subjects: [team.id], options: { limits: { ...updated.limits }, logPayloads: updated.logPayloads } });
      return updated;
    });
  }

  getTeam(idOrName: string): Promise<TeamRecord | null> {
    return this.#read(() => this.#team(idOrName));
  }

  #team(idOrName: string): TeamRecord | null {
    const row = this.#sql.get('SELECT * FROM control_teams WHERE id = ? OR name = ?', idOrName, idOrName);
    return row === undefined ? null : toTeam(row);
  }

  listTeams(): Promise<TeamRecord[]> {
    return this.#read(() => this.#sql.all('SELECT * FROM control_teams ORDER BY name').map(toTeam));
  }

  createKey(key: Omit<ApiKeyRecord, 'id' | 'createdAt' | 'revokedAt'>, actor: string): Promise<ApiKeyRecord> {
    return this.#write(async () => {
      if (key.teamId !== null && this.#team(key.teamId) === null) throw new FabrikError('not_found', `team ${key.teamId} does not exist`, { param: 'team' });
      const record: ApiKeyRecord = { ...key, id: `key_${randomBytes(8).toString('hex')}`, createdAt: new Date().toISOString(), revokedAt: null };
      this.#sql.run(
        'INSERT INTO control_keys (id, team_id, name, prefix, hash, role, models, limits, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
        record.id, record.teamId, record.name, record.prefix, record.hash, record.role, record.models === null ? null : JSON.stringify(record.models), JSON.stringify(record.limits), record.createdAt, record.expiresAt,
      );
      this.#bumpRevision();
      // The audit entry names the key by id and prefix: never the secret, not even its hash.
      await this.audit.append({
        actor,
        action: 'key.create',
        subjects: record.teamId === null ? [record.id] : [record.id, record.teamId],
        options: { name: record.name, prefix: record.prefix, role: record.role, models: record.models, limits: { ...record.limits }, expiresAt: record.expiresAt },
      });
      return record;
    });
  }

  getKey(id: string): Promise<ApiKeyRecord | null> {
    return this.#read(() => this.#key(id));
  }

  #key(id: string): ApiKeyRecord | null {
    const row = this.#sql.get('SELECT * FROM control_keys WHERE id = ?', id);
    return row === undefined ? null : toKey(row);
  }

  listKeys(filter: { teamId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    return this.#read(() => this.#keys(filter));
  }

  #keys(filter: { teamId?: string; includeRevoked?: boolean }): ApiKeyRecord[] {
    const rows = filter.teamId === undefined
      ? this.#sql.all('SELECT * FROM control_keys ORDER BY created_at, id')
      : this.#sql.all('SELECT * FROM control_keys WHERE team_id = ? ORDER BY created_at, id', filter.teamId);
    const keys = rows.map(toKey);
    return filter.includeRevoked === true ? keys : keys.filter((key) => key.revokedAt === null);
  }

  revokeKey(id: string, actor: string): Promise<ApiKeyRecord> {
    return this.#write(async () => {
      const key = this.#key(id);
      if (key === null) throw new FabrikError('not_found', `key ${id} does not exist`, { param: 'id' });
      if (key.revokedAt !== null) return key;
      const revokedAt = new Date().toISOString();
      this.#sql.run('UPDATE control_keys SET revoked_at = ? WHERE id = ?', revokedAt, id);
      this.#bumpRevision();
      await this.audit.append({ actor, action: 'key.revoke', subjects: key.teamId === null ? [id] : [id, key.teamId], options: { prefix: key.prefix } });
      return { ...key, revokedAt };
    });
  }

  putModel(model: ModelDefinition, actor: string): Promise<void> {
    return this.#write(async () => {
      const existed = this.#sql.get('SELECT 1 AS one FROM gateway_models WHERE name = ?', model.name) !== undefined;
      this.#sql.run('INSERT INTO gateway_models (name, definition, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition', model.name, this.#sealed(model), new Date().toISOString());
      this.#bumpRevision();
      await this.audit.append({
        actor,
        action: existed ? 'model.update' : 'model.add',
        subjects: [`model:${model.name}`],
        // Replica URLs and weights, never an upstream key.
        options: { aliases: model.aliases, replicas: model.replicas.map((replica) => ({ url: replica.url, weight: replica.weight, maxConcurrent: replica.maxConcurrent })), prices: { ...model.prices } },
      });
    });
  }

  removeModel(name: string, actor: string): Promise<void> {
    return this.#write(async () => {
      if (this.#sql.run('DELETE FROM gateway_models WHERE name = ?', name) === 0) throw new FabrikError('not_found', `model "${name}" is not in the store (models from a config file are removed by editing the file)`, { param: 'name' });
      this.#bumpRevision();
      await this.audit.append({ actor, action: 'model.remove', subjects: [`model:${name}`] });
    });
  }

  listModels(): Promise<ModelDefinition[]> {
    return this.#read(() => this.#sql.all('SELECT definition FROM gateway_models ORDER BY name').map((row) => {
      const model = JSON.parse(String(row.definition)) as ModelDefinition;
      return { ...model, replicas: model.replicas.map((replica) => (replica.apiKey === undefined ? replica : { ...replica, apiKey: this.#secrets.open(replica.apiKey) })) };
    }));
  }

  leaseQuota(requests: readonly QuotaLeaseRequest[], adjustments: readonly QuotaAdjustment[]): Promise<QuotaLeaseResult[]> {
    return this.#ledgerWrite((sql) => {
      this.#applyAdjustments(sql, adjustments);
      return requests.map((request) => {
        // Minute windows keep 60 one-second buckets; older ones can never count again.
        if (request.fromBucket < request.bucket) sql.run('DELETE FROM control_quota_grants WHERE scope = ? AND metric = ? AND bucket < ?', request.scope, request.metric, request.fromBucket);
        const committed = Number(sql.get('SELECT COALESCE(SUM(granted), 0) AS total FROM control_quota_grants WHERE scope = ? AND metric = ? AND bucket >= ?', request.scope, request.metric, request.fromBucket)?.total ?? 0);
        const granted = Math.max(0, Math.min(request.want, request.limit - committed));
        if (granted > 0) this.#addGrant(sql, request.scope, request.metric, request.bucket, granted);
        return { granted, committed: committed + granted };
      });
    });
  }

  async adjustQuota(adjustments: readonly QuotaAdjustment[]): Promise<void> {
    if (adjustments.length === 0) return;
    await this.#ledgerWrite((sql) => this.#applyAdjustments(sql, adjustments));
  }

  #applyAdjustments(sql: SqliteDatabase, adjustments: readonly QuotaAdjustment[]): void {
    for (const adjustment of adjustments) {
      if (adjustment.delta !== 0) this.#addGrant(sql, adjustment.scope, adjustment.metric, adjustment.bucket, adjustment.delta);
    }
  }

  #addGrant(sql: SqliteDatabase, scope: string, metric: string, bucket: number, delta: number): void {
    if (delta < 0) sql.run('UPDATE control_quota_grants SET granted = MAX(0, granted + ?) WHERE scope = ? AND metric = ? AND bucket = ?', delta, scope, metric, bucket);
    else sql.run('INSERT INTO control_quota_grants (scope, metric, bucket, granted) VALUES (?, ?, ?, ?) ON CONFLICT (scope, metric, bucket) DO UPDATE SET granted = granted + excluded.granted', scope, metric, bucket, delta);
  }

  quotaCommitted(scope: string, metric: string, fromBucket: number): Promise<{ committed: number; oldestBucket: number | null }> {
    return this.#read(() => this.#committed(scope, metric, fromBucket));
  }

  #committed(scope: string, metric: string, fromBucket: number): { committed: number; oldestBucket: number | null } {
    const row = this.#sql.get('SELECT COALESCE(SUM(granted), 0) AS total, MIN(CASE WHEN granted > 0 THEN bucket END) AS oldest FROM control_quota_grants WHERE scope = ? AND metric = ? AND bucket >= ?', scope, metric, fromBucket);
    return { committed: Number(row?.total ?? 0), oldestBucket: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  claimSlots(scope: string, holder: string, want: number, limit: number, nowMs: number, ttlMs: number): Promise<number> {
    return this.#ledgerWrite((sql) => {
      sql.run('DELETE FROM control_quota_slots WHERE scope = ? AND expires_at < ?', scope, nowMs);
      const mine = Number(sql.get('SELECT held FROM control_quota_slots WHERE scope = ? AND holder = ?', scope, holder)?.held ?? 0);
      const others = Number(sql.get('SELECT COALESCE(SUM(held), 0) AS total FROM control_quota_slots WHERE scope = ? AND holder <> ?', scope, holder)?.total ?? 0);
      const held = Math.max(mine, Math.min(mine + want, limit - others));
      sql.run('INSERT INTO control_quota_slots (scope, holder, held, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at', scope, holder, held, nowMs + ttlMs);
      return held;
    });
  }

  async setSlots(scope: string, holder: string, held: number, nowMs: number, ttlMs: number): Promise<void> {
    await this.#ledgerWrite((sql) => {
      if (held <= 0) sql.run('DELETE FROM control_quota_slots WHERE scope = ? AND holder = ?', scope, holder);
      else sql.run('INSERT INTO control_quota_slots (scope, holder, held, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at', scope, holder, held, nowMs + ttlMs);
    });
  }

  async recordUsage(records: readonly UsageRecord[], payloads: readonly PayloadRecord[], actor: string): Promise<void> {
    if (records.length === 0 && payloads.length === 0) return;
    await this.#onGatewayConnection(async (sql, audit) => {
      let promptTokens = 0;
      let completionTokens = 0;
      let costMicros = 0;
      let errors = 0;
      // Rows go in USAGE_ROWS at a time: one statement call per row cost about three times as much.
      for (let start = 0; start < records.length; start += USAGE_ROWS) {
        const rows = records.slice(start, start + USAGE_ROWS);
        const values: SQLInputValue[] = [];
        for (const record of rows) {
          values.push(record.requestId, record.time, record.teamId, record.keyId, record.model, record.replica, record.endpoint, record.status, record.errorCode, record.promptTokens, record.completionTokens, record.tokensSource, record.ttftMs, record.itlMs, record.durationMs, record.costMicros, record.stream ? 1 : 0);
          promptTokens += record.promptTokens;
          completionTokens += record.completionTokens;
          costMicros += record.costMicros;
          if (record.status >= 400) errors += 1;
        }
        sql.statement(`${USAGE_INSERT}${Array.from({ length: rows.length }, () => USAGE_ROW).join(', ')}`).run(...values);
      }
      const insertPayload = sql.statement('INSERT OR IGNORE INTO gateway_payloads (request_id, team_id, time, request, response) VALUES (?, ?, ?, ?, ?)');
      for (const payload of payloads) insertPayload.run(payload.requestId, payload.teamId, payload.time, payload.request, payload.response);
      // Requests reach the audit log as ids and counts, never prompts: one entry per batch.
      await audit.append({
        actor,
        action: 'gateway.requests',
        subjects: records.map((record) => record.requestId),
        options: { requests: records.length, errors, promptTokens, completionTokens, costMicros, payloadsLogged: payloads.length },
      });
    });
  }

  queryUsage(query: UsageQuery): Promise<UsageAggregate[]> {
    return this.#read(() => this.#usage(query));
  }

  #usage(query: UsageQuery): UsageAggregate[] {
    const where: string[] = [];
    const parameters: SQLInputValue[] = [];
    if (query.since !== undefined) { where.push('u.time >= ?'); parameters.push(query.since); }
    if (query.until !== undefined) { where.push('u.time < ?'); parameters.push(query.until); }
    if (query.teamId !== undefined) { where.push('u.team_id = ?'); parameters.push(query.teamId); }
    if (query.keyId !== undefined) { where.push('u.key_id = ?'); parameters.push(query.keyId); }
    if (query.model !== undefined) { where.push('u.model = ?'); parameters.push(query.model); }
    const groupBy = query.groupBy ?? ['team'];
    const columns = { team: 'u.team_id', key: 'u.key_id', model: 'u.model' } as const;
    const groups = groupBy.map((name) => columns[name]);
    const sql = `SELECT ${groupBy.includes('team') ? 'u.team_id AS team_id, t.name AS team_name' : 'NULL AS team_id, NULL AS team_name'},
        ${groupBy.includes('key') ? 'u.key_id' : 'NULL'} AS key_id, ${groupBy.includes('model') ? 'u.model' : 'NULL'} AS model,
        COUNT(*) AS requests, SUM(u.status >= 400) AS errors, SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.completion_tokens) AS completion_tokens,
        SUM(u.cost_micros) AS cost_micros, AVG(u.ttft_ms) AS mean_ttft_ms, AVG(u.duration_ms) AS mean_duration_ms
      FROM gateway_usage u LEFT JOIN control_teams t ON t.id = u.team_id
      ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      ${groups.length === 0 ? '' : `GROUP BY ${groups.join(', ')}`}
      ORDER BY ${groups.length === 0 ? '1' : groups.join(', ')}`;
    return this.#sql.db.prepare(sql).all(...parameters).map((row) => ({
      teamId: (row.team_id as string | null) ?? null,
      teamName: (row.team_name as string | null) ?? null,
      keyId: (row.key_id as string | null) ?? null,
      model: (row.model as string | null) ?? null,
      requests: Number(row.requests),
      errors: Number(row.errors ?? 0),
      promptTokens: Number(row.prompt_tokens ?? 0),
      completionTokens: Number(row.completion_tokens ?? 0),
      costMicros: Number(row.cost_micros ?? 0),
      meanTtftMs: row.mean_ttft_ms === null ? null : Number(row.mean_ttft_ms),
      meanDurationMs: Number(row.mean_duration_ms ?? 0),
    })).filter((row) => row.requests > 0);
  }

  async close(): Promise<void> {
    // Writes already started finish first (closing under an open transaction would lose them).
    while (this.#writing > 0) await this.#written;
    await Promise.allSettled(this.#gatewayWrites);
    this.#gateway?.sql.close();
    this.#gateway = null;
    this.#sql.close();
  }
}

function toTeam(row: Row): TeamRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    limits: JSON.parse(String(row.limits)) as Limits,
    logPayloads: Number(row.log_payloads) === 1,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function toKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    teamId: row.team_id === null ? null : String(row.team_id),
    name: String(row.name),
    prefix: String(row.prefix),
    hash: String(row.hash),
    role: row.role === 'admin' ? 'admin' : 'user',
    models: row.models === null ? null : (JSON.parse(String(row.models)) as string[]),
    limits: JSON.parse(String(row.limits)) as Limits,
    createdAt: String(row.created_at),
    expiresAt: row.expires_at === null ? null : String(row.expires_at),
    revokedAt: row.revoked_at === null ? null : String(row.revoked_at),
  };
}
