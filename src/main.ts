#!/usr/bin/env node
import { DATA_PLANE_NODE_FLAGS, ensureDataPlaneFlags } from './cli/node-flags.js';
import { installExitGuard } from './cli/exit-guard.js';

// First, before the program is even loaded: the V8 flags of the data plane can only be given at
// process start, so this may replace the process (same PID) with one started with them.
const flags = ensureDataPlaneFlags();
if (flags.how === 'unavailable')
  process.stderr.write(
    `loadbalancer: warning: running without ${DATA_PLANE_NODE_FLAGS.join(' ')} (${flags.reason}); ` +
      `more memory per connection: start it as \`node ${DATA_PLANE_NODE_FLAGS.join(' ')} …\`\n`,
  );
// However it ends, the process ends within a bound (src/cli/exit-guard.ts).
installExitGuard();
const { runProgram } = await import('./cli/program.js');
await runProgram();
