import type { DatabaseSync } from 'node:sqlite';

/**
 * The control plane's schema steps (tables control_* and gateway_*), versioned apart from the
 * foundry's `PRAGMA user_version` in `schema_components`, so each component migrates on its own.
 */
const CONTROL_MIGRATIONS: string[] = [
  `
  CREATE TABLE control_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT INTO control_meta (key, value) VALUES ('revision', 0);
  CREATE TABLE control_teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    limits TEXT NOT NULL,
    log_payloads INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE control_keys (
    id TEXT PRIMARY KEY,
    team_id TEXT REFERENCES control_teams(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    models TEXT,
    limits TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  );
  CREATE INDEX control_keys_team ON control_keys(team_id);
  CREATE TABLE control_quota_grants (
    scope TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    granted INTEGER NOT NULL,
    PRIMARY KEY (scope, metric, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE control_quota_slots (
    scope TEXT NOT NULL,
    holder TEXT NOT NULL,
    held INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, holder)
  ) WITHOUT ROWID;
  CREATE TABLE gateway_models (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE gateway_usage (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    team_id TEXT,
    key_id TEXT,
    model TEXT NOT NULL,
    replica TEXT,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    error_code TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    tokens_source TEXT NOT NULL,
    ttft_ms REAL,
    itl_ms REAL,
    duration_ms REAL NOT NULL,
    cost_micros INTEGER NOT NULL,
    stream INTEGER NOT NULL
  );
  CREATE INDEX gateway_usage_time ON gateway_usage(time);
  CREATE INDEX gateway_usage_team_time ON gateway_usage(team_id, time);
  CREATE TABLE gateway_payloads (
    request_id TEXT PRIMARY KEY,
    team_id TEXT,
    time INTEGER NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL
  );
  `,
];

const COMPONENT = 'control';

/** Applies the control plane's missing schema steps in one BEGIN IMMEDIATE transaction (safe when two processes start at once). */
export function migrateControl(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_components (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const version = (): number => Number((db.prepare('SELECT version FROM schema_components WHERE component = ?').get(COMPONENT) as { version: number } | undefined)?.version ?? 0);
  if (version() >= CONTROL_MIGRATIONS.length) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (let step = version(); step < CONTROL_MIGRATIONS.length; step += 1) db.exec(CONTROL_MIGRATIONS[step] ?? '');
    db.prepare('INSERT INTO schema_components (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version').run(COMPONENT, CONTROL_MIGRATIONS.length);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
