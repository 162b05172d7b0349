import type { AuditLog } from '../../audit/audit-log.ts';
import { CHANNELS } from '../../shared/channels.ts';
import type { FoundryStore, FoundryTransaction } from '../../store/core/foundry-store.ts';

/**
 * What one run of a stage derived: the record and how it is stored, what it was derived from (its
 * lineage edges) and what the audit log says about it. The runner writes all of it in one
 * transaction, so no record is ever stored without its edges and its audit entry.
 */
export interface StageOutput<R> {
  record: R;
  /** The derived object's id: the child of every edge, and the subject of the stage-end event. */
  subject: string;
  /** Stores the record itself, inside the runner's transaction. */
  write(tx: FoundryTransaction): Promise<void>;
  /** What it was derived from, each with the relation of its edge (parent → subject). */
  parents: ReadonlyArray<{ id: string; relation: string }>;
  /** The audit entry's subjects, in the order its readers expect (the action is the stage's name). */
  subjects: string[];
  /** The audit entry's options: the parameters and figures an auditor needs. */
  options: Record<string, unknown>;
  /** Figures for the stage-end event (counts, sizes). */
  figures?: Record<string, number>;
}

/** The same inputs already gave this record: nothing is written, no entry is made. */
export interface StageReuse<R> {
  existing: R;
}

/**
 * One step of the foundry (parse, build, export, …): it derives a record from its inputs and hands
 * it to the runner, which stores it with its lineage edges, its audit entry and its stage-end event.
 * `version` names the code that derives the output: a stage whose output for the same inputs changes
 * bumps it, and only its own outputs are derived again.
 */
export interface Stage<I, R> {
  /** The audit action and stage-end name, `<object>.<verb>` (`dataset.build`). */
  readonly name: string;
  readonly version: string;
  run(input: I): Promise<StageOutput<R> | StageReuse<R>>;
}

/** What the runner needs: a store to write in, the log to checkpoint after, and who acts. */
export interface StageServices {
  store: Pick<FoundryStore, 'transaction'>;
  audit: Pick<AuditLog, 'checkpoint'>;
  actor: string;
}

/**
 * Runs a stage: derives its output, then writes the record, its lineage edges and its audit entry in
 * one transaction, signs a checkpoint and publishes `stage-end`. Returns the record and whether it
 * was made now (false when the stage reused an earlier one).
 */
export async function runStage<I, R>(stage: Stage<I, R>, input: I, services: StageServices): Promise<{ record: R; created: boolean }> {
  const started = performance.now();
  const output = await stage.run(input);
  if ('existing' in output) return { record: output.existing, created: false };
  await services.store.transaction((tx) => writeStageOutput(tx, stage, output, services.actor));
  await services.audit.checkpoint();
  publishStageEnd(stage, output, started);
  return { record: output.record, created: true };
}

/**
 * Writes one stage output into the caller's transaction: the record, its edges and its audit entry.
 * For a step that records more in the same transaction (ingest's per-file write); the caller
 * publishes `stage-end` once it commits.
 */
export async function writeStageOutput<R>(tx: FoundryTransaction, stage: Pick<Stage<unknown, R>, 'name'>, output: StageOutput<R>, actor: string): Promise<void> {
  await output.write(tx);
  for (const parent of output.parents) await tx.addEdge({ parent: parent.id, child: output.subject, relation: parent.relation });
  await tx.audit.append({ actor, action: stage.name, subjects: output.subjects, options: output.options });
}

/** Publishes `fabrik:foundry:stage-end` for a committed output: { stage, version, subject, durationMs, ...figures }. */
export function publishStageEnd(stage: Pick<Stage<unknown, unknown>, 'name' | 'version'>, output: Pick<StageOutput<unknown>, 'subject' | 'figures'>, started: number): void {
  if (!CHANNELS.stageEnd.hasSubscribers) return;
  CHANNELS.stageEnd.publish({ ...output.figures, stage: stage.name, version: stage.version, subject: output.subject, durationMs: performance.now() - started });
}
