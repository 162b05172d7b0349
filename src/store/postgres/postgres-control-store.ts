import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openAuditLog, type AuditLog } from '../../audit/audit-log.ts';
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
import type { AuditEntryInput } from '../core/audit-store.ts';
import { createPostgresAuditStore } from './postgres-audit-store.ts';
import { AUDIT_APPEND_LOCK, LOCK_CLASS, PostgresDatabase, QUOTA_LOCK_CLASS, type PostgresOpenOptions, type PostgresTransaction, type Row, type TransactionOptions } from './postgres-database.ts';
import { migratePostgres } from './postgres-migrations.ts';

export type PostgresControlStoreOptions = PostgresOpenOptions;

/** The key that seals engine API keys in gateway_models, in the store's key folder (the SQLite adapter's file). */
const ENGINE_KEYS_FILE = 'engine-keys.key';

/**
 * The gateway's writes (quota leases and slots, metered usage) fail fast rather than stall its
 * requests: a lock another process holds (a lease on the same scope, a foundry transaction holding
 * the audit log) makes them give up after GATEWAY_LOCK_TIMEOUT_MS as store_error, and the gateway
 * keeps its records, uses the leases in hand and retries. 50 ms covers another gateway's lease (a
 * few round trips on a LAN) with room; the statement limit catches a server that stopped answering.
 */
const GATEWAY: TransactionOptions = { failFast: { lockTimeoutMs: 50, statementTimeoutMs: 2_000 } };
const WRITE_LOCK = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${AUDIT_APPEND_LOCK})`;
/**
 * One advisory lock per quota scope and metric, taken in a fixed order (sorted hashes): a lease's
 * read of the window's sum and its grant are exact across every gateway process, and two leases
 * on different scopes never wait for each other. A hash collision only makes two scopes share a lock.
 */
const QUOTA_LOCKS = `SELECT pg_advisory_xact_lock(${QUOTA_LOCK_CLASS}, h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS keys`;
const SLOTS_METRIC = '#slots';

/** Opens the control tables in PostgreSQL (migrating first) with the audit log in the same database. */
export async function openPostgresControlStore(options: PostgresControlStoreOptions): Promise<ControlStore & { readonly audit: AuditLog }> {
  const db = new PostgresDatabase(options.url, options.poolSize);
  try {
    await db.connect();
    await migratePostgres(db);
    const audit = openAuditLog(createPostgresAuditStore(db), {
      keyDir: options.keyDir,
      origin: options.origin,
      codeVersion: options.codeVersion,
      ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
    });
    return new PostgresControlStore(db, audit, createSecretBox(join(options.keyDir, ENGINE_KEYS_FILE), 'fabrik engine api key'));
  } catch (error) {
    await db.close();
    throw error;
  }
}

class PostgresControlStore implements ControlStore {
  readonly audit: AuditLog;
  readonly #db: PostgresDatabase;
  readonly #secrets: SecretBox;

  constructor(db: PostgresDatabase, audit: AuditLog, secrets: SecretBox) {
    this.#db = db;
    this.audit = audit;
    this.#secrets = secrets;
  }

  /** A tenant change: holds the write lock from the start (check, then write), bumps the revision and appends its audit entry. */
  #change<T>(work: (tx: PostgresTransaction) => Promise<{ result: T; entry: AuditEntryInput }>): Promise<T> {
    return this.#db.transaction(async (tx) => {
      const { result, entry } = await work(tx);
      await tx.execute("UPDATE control_meta SET value = value + 1 WHERE key = 'revision'");
      await this.audit.bind(createPostgresAuditStore(tx)).append(entry);
      return result;
    }, { prelude: WRITE_LOCK, exclusive: true });
  }

  /** The definition as stored: engine keys sealed. */
  #sealed(model: ModelDefinition): string {
    return JSON.stringify({ ...model, replicas: model.replicas.map((replica) => (replica.apiKey === undefined || this.#secrets.isSealed(replica.apiKey) ? replica : { ...replica, apiKey: this.#secrets.seal(replica.apiKey) })) });
  }

  async revision(): Promise<number> {
    return Number((await this.#db.query("SELECT value FROM control_meta WHERE key = 'revision'"))[0]?.value ?? 0);
  }

  createTeam(team: { name: string; limits: Limits; logPayloads: boolean }, actor: string): Promise<TeamRecord> {
    return this.#change(async (tx) => {
      if ((await tx.query('SELECT 1 FROM control_teams WHERE name = $1', [team.name])).length > 0) {
        throw new FabrikError('already_exists', `a team named "${team.name}" already exists`, { param: 'name' });
      }
      const now = new Date().toISOString();
      const record: TeamRecord = { id: `team_${randomBytes(8).toString('hex')}`, name: team.name, limits: team.limits, logPayloads: team.logPayloads, createdAt: now, updatedAt: now };
      await tx.execute('INSERT INTO control_teams (id, name, limits, log_payloads, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)', [record.id, record.name, JSON.stringify(record.limits), record.logPayloads, now]);
      return { result: record, entry: { actor, action: 'team.create', subjects: [record.id], options: { name: record.name, limits: { ...record.limits }, logPayloads: record.logPayloads } } };
    });
  }

  updateTeam(name: string, patch: { limits?: Limits; logPayloads?: boolean }, actor: string): Promise<TeamRecord> {
    return this.#change(async (tx) => {
      const row = (await tx.query('SELECT * FROM control_teams WHERE id = $1 OR name = $1', [name]))[0];
      if (row === undefined) throw new FabrikError('not_found', `team "${name}" does not exist`, { param: 'team' });
      const team = toTeam(row);
      const updated: TeamRecord = { ...team, limits: patch.limits ?? team.limits, logPayloads: patch.logPayloads ?? team.logPayloads, updatedAt: new Date().toISOString() };
      await tx.execute('UPDATE control_teams SET limits = $1, log_payloads = $2, updated_at = $3 WHERE id = $4', [JSON.stringify(updated.limits), updated.logPayloads, updated.updatedAt, team.id]);
      return { result: updated, entry: { actor, action: 'team.update', subjects: [team.id], options: { limits: { ...updated.limits }, logPayloads: updated.logPayloads } } };
    });
  }

  async getTeam(idOrName: string): Promise<TeamRecord | null> {
    const row = (await this.#db.query('SELECT * FROM control_teams WHERE id = $1 OR name = $1', [idOrName]))[0];
    return row === undefined ? null : toTeam(row);
  }

  async listTeams(): Promise<TeamRecord[]> {
    return (await this.#db.query('SELECT * FROM control_teams ORDER BY name')).map(toTeam);
  }

  createKey(key: Omit<ApiKeyRecord, 'id' | 'createdAt' | 'revokedAt'>, actor: string): Promise<ApiKeyRecord> {
    return this.#change(async (tx) => {
      if (key.teamId !== null && (await tx.query('SELECT 1 FROM control_teams WHERE id = $1 OR name = $1', [key.teamId])).length === 0) {
        throw new FabrikError('not_found', `team ${key.teamId} does not exist`, { param: 'team' });
      }
      const record: ApiKeyRecord = { ...key, id: `key_${randomBytes(8).toString('hex')}`, createdAt: new Date().toISOString(), revokedAt: null };
      await tx.execute(
        'INSERT INTO control_keys (id, team_id, name, prefix, hash, role, models, limits, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)',
        [record.id, record.teamId, record.name, record.prefix, record.hash, record.role, record.models === null ? null : JSON.stringify(record.models), JSON.stringify(record.limits), record.createdAt, record.expiresAt],
      );
      // The audit entry names the key by id and prefix: never the secret, not even its hash.
      return {
        result: record,
        entry: {
          actor,
          action: 'key.create',
          subjects: record.teamId === null ? [record.id] : [record.id, record.teamId],
          options: { name: record.name, prefix: record.prefix, role: record.role, models: record.models, limits: { ...record.limits }, expiresAt: record.expiresAt },
        },
      };
    });
  }

  async getKey(id: string): Promise<ApiKeyRecord | null> {
    const row = (await this.#db.query('SELECT * FROM control_keys WHERE id = $1', [id]))[0];
    return row === undefined ? null : toKey(row);
  }

  async listKeys(filter: { teamId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const rows = filter.teamId === undefined
      ? await this.#db.query('SELECT * FROM control_keys ORDER BY created_at, id')
      : await this.#db.query('SELECT * FROM control_keys WHERE team_id = $1 ORDER BY created_at, id', [filter.teamId]);
    const keys = rows.map(toKey);
    return filter.includeRevoked === true ? keys : keys.filter((key) => key.revokedAt === null);
  }

  async revokeKey(id: string, actor: string): Promise<ApiKeyRecord> {
    let unchanged: ApiKeyRecord | null = null;
    const revoked = await this.#db.transaction(async (tx) => {
      const row = (await tx.query('SELECT * FROM control_keys WHERE id = $1', [id]))[0];
      if (row === undefined) throw new FabrikError('not_found', `key ${id} does not exist`, { param: 'id' });
      const key = toKey(row);
      // Revoking a revoked key changes nothing: no revision bump, no audit entry.
      if (key.revokedAt !== null) return (unchanged = key);
      const revokedAt = new Date().toISOString();
      await tx.execute('UPDATE control_keys SET revoked_at = $1 WHERE id = $2', [revokedAt, id]);
      await tx.execute("UPDATE control_meta SET value = value + 1 WHERE key = 'revision'");
      await this.audit.bind(createPostgresAuditStore(tx)).append({ actor, action: 'key.revoke', subjects: key.teamId === null ? [id] : [id, key.teamId], options: { prefix: key.prefix } });
      return { ...key, revokedAt };
    }, { prelude: WRITE_LOCK, exclusive: true });
    return unchanged ?? revoked;
  }

  putModel(model: ModelDefinition, actor: string): Promise<void> {
    return this.#change(async (tx) => {
      const existed = (await tx.query('SELECT 1 FROM gateway_models WHERE name = $1', [model.name])).length > 0;
      await tx.execute('INSERT INTO gateway_models (name, definition, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition', [model.name, this.#sealed(model), new Date().toISOString()]);
      return {
        result: undefined,
        entry: {
          actor,
          action: existed ? 'model.update' : 'model.add',
          subjects: [`model:${model.name}`],
          // Replica URLs and weights, never an upstream key.
          options: { aliases: model.aliases, replicas: model.replicas.map((replica) => ({ url: replica.url, weight: replica.weight, maxConcurrent: replica.maxConcurrent })), prices: { ...model.prices } },
        },
      };
    });
  }

  removeModel(name: string, actor: string): Promise<void> {
    return this.#change(async (tx) => {
      if (await tx.execute('DELETE FROM gateway_models WHERE name = $1', [name]) === 0) {
        throw new FabrikError('not_found', `model "${name}" is not in the store (models from a config file are removed by editing the file)`, { param: 'name' });
      }
      return { result: undefined, entry: { actor, action: 'model.remove', subjects: [`model:${name}`] } };
    });
  }

  async listModels(): Promise<ModelDefinition[]> {
    return (await this.#db.query('SELECT definition FROM gateway_models ORDER BY name')).map((row) => {
      const model = JSON.parse(String(row.definition)) as ModelDefinition;
      return { ...model, replicas: model.replicas.map((replica) => (replica.apiKey === undefined ? replica : { ...replica, apiKey: this.#secrets.open(replica.apiKey) })) };
    });
  }

  leaseQuota(requests: readonly QuotaLeaseRequest[], adjustments: readonly QuotaAdjustment[]): Promise<QuotaLeaseResult[]> {
    return this.#db.transaction(async (tx) => {
      await tx.query(QUOTA_LOCKS, [[...requests, ...adjustments].map((entry) => `${entry.scope} ${entry.metric}`)]);
      await applyAdjustments(tx, adjustments);
      const results: QuotaLeaseResult[] = [];
      for (const request of requests) {
        // Minute windows keep 60 one-second buckets; older ones can never count again.
        if (request.fromBucket < request.bucket) await tx.execute('DELETE FROM control_quota_grants WHERE scope = $1 AND metric = $2 AND bucket < $3', [request.scope, request.metric, request.fromBucket]);
        const committed = Number((await tx.query('SELECT COALESCE(SUM(granted), 0) AS total FROM control_quota_grants WHERE scope = $1 AND metric = $2 AND bucket >= $3', [request.scope, request.metric, request.fromBucket]))[0]?.total ?? 0);
        const granted = Math.max(0, Math.min(request.want, request.limit - committed));
        if (granted > 0) await addGrant(tx, request.scope, request.metric, request.bucket, granted);
        results.push({ granted, committed: committed + granted });
      }
      return results;
    }, GATEWAY);
  }

  async adjustQuota(adjustments: readonly QuotaAdjustment[]): Promise<void> {
    if (adjustments.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await tx.query(QUOTA_LOCKS, [adjustments.map((entry) => `${entry.scope} ${entry.metric}`)]);
      await applyAdjustments(tx, adjustments);
    }, GATEWAY);
  }

  async quotaCommitted(scope: string, metric: string, fromBucket: number): Promise<{ committed: number; oldestBucket: number | null }> {
    const row = (await this.#db.query(
      'SELECT COALESCE(SUM(granted), 0) AS total, MIN(CASE WHEN granted > 0 THEN bucket END) AS oldest FROM control_quota_grants WHERE scope = $1 AND metric = $2 AND bucket >= $3',
      [scope, metric, fromBucket],
    ))[0];
    return { committed: Number(row?.total ?? 0), oldestBucket: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  claimSlots(scope: string, holder: string, want: number, limit: number, nowMs: number, ttlMs: number): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await tx.query(QUOTA_LOCKS, [[`${scope} ${SLOTS_METRIC}`]]);
      await tx.execute('DELETE FROM control_quota_slots WHERE scope = $1 AND expires_at < $2', [scope, nowMs]);
      const [row] = await tx.query(
        'SELECT COALESCE(SUM(held) FILTER (WHERE holder = $2), 0) AS mine, COALESCE(SUM(held) FILTER (WHERE holder <> $2), 0) AS others FROM control_quota_slots WHERE scope = $1',
        [scope, holder],
      );
      const mine = Number(row?.mine ?? 0);
      const held = Math.max(mine, Math.min(mine + want, limit - Number(row?.others ?? 0)));
      await upsertSlots(tx, scope, holder, held, nowMs + ttlMs);
      return held;
    }, GATEWAY);
  }

  async setSlots(scope: string, holder: string, held: number, nowMs: number, ttlMs: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(QUOTA_LOCKS, [[`${scope} ${SLOTS_METRIC}`]]);
      if (held <= 0) await tx.execute('DELETE FROM control_quota_slots WHERE scope = $1 AND holder = $2', [scope, holder]);
      else await upsertSlots(tx, scope, holder, held, nowMs + ttlMs);
    }, GATEWAY);
  }

  async recordUsage(records: readonly UsageRecord[], payloads: readonly PayloadRecord[], actor: string): Promise<void> {
    if (records.length === 0 && payloads.length === 0) return;
    await this.#db.transaction(async (tx) => {
      let promptTokens = 0;
      let completionTokens = 0;
      let costMicros = 0;
      let errors = 0;
      for (const record of records) {
        promptTokens += record.promptTokens;
        completionTokens += record.completionTokens;
        costMicros += record.costMicros;
        if (record.status >= 400) errors += 1;
      }
      if (records.length > 0) {
        // One statement for the batch: the columns as arrays, unnested.
        const column = <K extends keyof UsageRecord>(name: K) => records.map((record) => record[name]);
        await tx.execute(
          `INSERT INTO gateway_usage (request_id, time, team_id, key_id, model, replica, endpoint, status, error_code, prompt_tokens, completion_tokens, tokens_source, ttft_ms, itl_ms, duration_ms, cost_micros, stream)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::bigint[], $11::bigint[], $12::text[],
             $13::float8[], $14::float8[], $15::float8[], $16::bigint[], $17::boolean[])`,
          [column('requestId'), column('time'), column('teamId'), column('keyId'), column('model'), column('replica'), column('endpoint'), column('status'), column('errorCode'),
            column('promptTokens'), column('completionTokens'), column('tokensSource'), column('ttftMs'), column('itlMs'), column('durationMs'), column('costMicros'), column('stream')],
        );
      }
      if (payloads.length > 0) {
        await tx.execute(
          'INSERT INTO gateway_payloads (request_id, team_id, time, request, response) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING',
          [payloads.map((payload) => payload.requestId), payloads.map((payload) => payload.teamId), payloads.map((payload) => payload.time), payloads.map((payload) => payload.request), payloads.map((payload) => payload.response)],
        );
      }
      // Requests reach the audit log as ids and counts, never prompts: one entry per batch.
      await this.audit.bind(createPostgresAuditStore(tx)).append({
        actor,
        action: 'gateway.requests',
        subjects: records.map((record) => record.requestId),
        options: { requests: records.length, errors, promptTokens, completionTokens, costMicros, payloadsLogged: payloads.length },
      });
    }, GATEWAY);
  }

  async queryUsage(query: UsageQuery): Promise<UsageAggregate[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      values.push(value);
      where.push(condition.replace('?', `$${values.length}`));
    };
    if (query.since !== undefined) add('u.time >= ?', query.since);
    if (query.until !== undefined) add('u.time < ?', query.until);
    if (query.teamId !== undefined) add('u.team_id = ?', query.teamId);
    if (query.keyId !== undefined) add('u.key_id = ?', query.keyId);
    if (query.model !== undefined) add('u.model = ?', query.model);
    const groupBy = query.groupBy ?? ['team'];
    const columns = { team: 'u.team_id', key: 'u.key_id', model: 'u.model' } as const;
    const groups: string[] = groupBy.map((name) => columns[name]);
    if (groupBy.includes('team')) groups.push('t.name');
    const sql = `SELECT ${groupBy.includes('team') ? 'u.team_id AS team_id, t.name AS team_name' : 'NULL AS team_id, NULL AS team_name'},
        ${groupBy.includes('key') ? 'u.key_id' : 'NULL'} AS key_id, ${groupBy.includes('model') ? 'u.model' : 'NULL'} AS model,
        COUNT(*) AS requests, SUM(CASE WHEN u.status >= 400 THEN 1 ELSE 0 END) AS errors, SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.completion_tokens) AS completion_tokens,
        SUM(u.cost_micros) AS cost_micros, AVG(u.ttft_ms) AS mean_ttft_ms, AVG(u.duration_ms) AS mean_duration_ms
      FROM gateway_usage u LEFT JOIN control_teams t ON t.id = u.team_id
      ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      ${groups.length === 0 ? '' : `GROUP BY ${groups.join(', ')}`}
      ORDER BY ${groups.length === 0 ? '1' : groupBy.map((name) => columns[name]).join(', ')}`;
    return (await this.#db.query(sql, values)).map((row) => ({
      teamId: nullableString(row.team_id),
      teamName: nullableString(row.team_name),
      keyId: nullableString(row.key_id),
      model: nullableString(row.model),
      requests: Number(row.requests),
      errors: Number(row.errors ?? 0),
      promptTokens: Number(row.prompt_tokens ?? 0),
      completionTokens: Number(row.completion_tokens ?? 0),
      costMicros: Number(row.cost_micros ?? 0),
      meanTtftMs: row.mean_ttft_ms === null ? null : Number(row.mean_ttft_ms),
      meanDurationMs: Number(row.mean_duration_ms ?? 0),
    })).filter((row) => row.requests > 0);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

async function applyAdjustments(tx: PostgresTransaction, adjustments: readonly QuotaAdjustment[]): Promise<void> {
  for (const adjustment of adjustments) {
    if (adjustment.delta !== 0) await addGrant(tx, adjustment.scope, adjustment.metric, adjustment.bucket, adjustment.delta);
  }
}

async function addGrant(tx: PostgresTransaction, scope: string, metric: string, bucket: number, delta: number): Promise<void> {
  if (delta < 0) await tx.execute('UPDATE control_quota_grants SET granted = GREATEST(0, granted + $1) WHERE scope = $2 AND metric = $3 AND bucket = $4', [delta, scope, metric, bucket]);
  else await tx.execute('INSERT INTO control_quota_grants (scope, metric, bucket, granted) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, metric, bucket) DO UPDATE SET granted = control_quota_grants.granted + excluded.granted', [scope, metric, bucket, delta]);
}

async function upsertSlots(tx: PostgresTransaction, scope: string, holder: string, held: number, expiresAt: number): Promise<void> {
  await tx.execute(
    'INSERT INTO control_quota_slots (scope, holder, held, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at',
    [scope, holder, held, expiresAt],
  );
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toTeam(row: Row): TeamRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    limits: JSON.parse(String(row.limits)) as Limits,
    logPayloads: row.log_payloads === true,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function toKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    teamId: nullableString(row.team_id),
    name: String(row.name),
    prefix: String(row.prefix),
    hash: String(row.hash),
    role: row.role === 'admin' ? 'admin' : 'user',
    models: row.models === null ? null : (JSON.parse(String(row.models)) as string[]),
    limits: JSON.parse(String(row.limits)) as Limits,
    createdAt: String(row.created_at),
    expiresAt: nullableString(row.expires_at),
    revokedAt: nullableString(row.revoked_at),
  };
}
