import type { TestContext } from 'node:test';
import type { ReloadControl } from '../../src/control/reload-result.js';
import { FakeClock } from './fake-clock.js';
import { namedEcho, type NamedEcho } from './named-echo.js';
import { startStack, type Stack } from './stack.js';

/**
 * Listener `main` to pool `web` of one backend (`A`, no health checks), on a clock that moves
 * only when the test says so (it starts at the real time): the event stream's periodic stats
 * come only then. Stopped when the test ends.
 */
export async function stillStack(
  t: TestContext,
  opts: { token?: string; reloader?: ReloadControl } = {},
): Promise<{ stack: Stack; backend: NamedEcho; clock: FakeClock }> {
  const backend = await namedEcho('A');
  t.after(() => backend.close());
  const clock = new FakeClock();
  clock.advance(Date.now());
  const stack = await startStack(
    {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets: [backend.address], healthCheck: { type: 'none' } } },
    },
    { clock, ...opts },
  );
  t.after(() => stack.stop());
  return { stack, backend, clock };
}
