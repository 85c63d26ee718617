import { randomInt } from 'node:crypto';

/** A uniform number in [0, 1) for balancers and check jitter; tests inject a seeded one instead. */
export const random = (): number => randomInt(0, 2 ** 32) / 2 ** 32;
