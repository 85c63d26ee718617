import type { Scenario } from '../scenario.js';
import { churnClose, churnKeepAlive } from './churn.js';
import { fdExhaustion } from './fd-exhaustion.js';
import { flip } from './flip.js';
import { floods } from './floods.js';
import { idleSlowloris } from './idle-slowloris.js';
import { reloadStorm } from './reload-storm.js';
import { soak } from './soak.js';
import { workerKill } from './worker-kill.js';

/** Every scenario, in the order of the table (and of SCENARIO_IDS). */
export const SCENARIOS: readonly Scenario[] = [
  churnClose,
  churnKeepAlive,
  flip,
  reloadStorm,
  idleSlowloris,
  fdExhaustion,
  floods,
  workerKill,
  soak,
];
