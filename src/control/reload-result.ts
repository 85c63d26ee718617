import type { ApplySummary } from '../app.js';
import type { LoadOutcome } from '../config/load.js';

// The outcome of one reload, as the admin API and the metrics report it. The Reloader
// (src/control/reloader.ts) produces these; the admin API only needs this shape.
export type ReloadSource = 'signal' | 'watch' | 'api';

export interface ReloadResult {
  readonly ok: boolean;
  /** Version of the config running after this attempt (unchanged when it failed). */
  readonly version: number;
  /** When the attempt finished (ISO 8601). */
  readonly at: string;
  readonly source: ReloadSource;
  /** Why the new config was refused (`lb.yaml:14:19 pools.web…: …`); empty when ok. */
  readonly issues: string[];
  readonly summary?: ApplySummary | undefined;
}

/** What the admin API needs of the Reloader: trigger one, and the last result. */
export interface ReloadControl {
  reload(source: ReloadSource): Promise<ReloadResult>;
  /** Reads and validates the config source as a reload would, and applies nothing (GET /api/config/diff). */
  readNext(): Promise<LoadOutcome>;
  readonly last: ReloadResult | undefined;
  /** Version of the running config: 1 at start, +1 per applied reload. */
  readonly version: number;
}
