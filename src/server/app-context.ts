import type { KeyDirectory } from '../control/key-directory.ts';
import type { ControlStore } from '../store/core/control-store.ts';
import type { MetricsRegistry } from './metrics-registry.ts';

/** What every plane's routes work with: the stores, the key directory and the metrics registry. */
export interface AppContext {
  /** The control plane's store (teams, keys, models, quota ledger, usage). */
  control: ControlStore;
  /** Keys and teams in memory: the one auth step authenticates against it. */
  directory: KeyDirectory;
  metrics: MetricsRegistry;
  /** Re-reads keys, teams and models after a change made through this server. */
  refresh(): Promise<void>;
}
