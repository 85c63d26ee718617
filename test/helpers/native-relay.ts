import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadRelayAddon } from '../../src/proxy/native-addon.js';

const built = loadRelayAddon().addon !== undefined;

/**
 * False (the test skipped, loudly) when `mode` needs the addon (native, or accept: native accept)
 * and it is not built; under CI it fails instead.
 */
export function needNative(t: TestContext, mode: 'native' | 'js' | 'accept'): boolean {
  if (mode === 'js' || built) return true;
  if (process.env.CI === 'true') assert.fail('the native relay is not built (needs g++: apt-get install g++)');
  t.skip('SKIPPED: native relay not built (apt-get install g++, then npm run build)');
  return false;
}
