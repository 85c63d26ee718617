import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_PLANE_NODE_FLAGS, withDataPlaneFlags } from '../../../src/cli/node-flags.js';

test('data-plane V8 flags are added unless the user set them (command line or NODE_OPTIONS)', () => {
  const cases: { execArgv: string[]; nodeOptions?: string; want: string[] }[] = [
    { execArgv: [], want: [...DATA_PLANE_NODE_FLAGS] },
    { execArgv: ['--enable-source-maps'], want: ['--enable-source-maps', ...DATA_PLANE_NODE_FLAGS] },
    { execArgv: ['--max-semi-space-size=16'], want: ['--max-semi-space-size=16'] },
    { execArgv: ['--max_semi_space_size=8'], want: ['--max_semi_space_size=8'] },
    { execArgv: [], nodeOptions: '--max-old-space-size=512 --max-semi-space-size=4', want: [] },
    { execArgv: [], nodeOptions: '--max-old-space-size=512', want: [...DATA_PLANE_NODE_FLAGS] },
  ];
  for (const c of cases) assert.deepEqual(withDataPlaneFlags(c.execArgv, c.nodeOptions), c.want, JSON.stringify(c));
});
