import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConsistentHashBalancer } from '../../../src/balancer/consistent-hash.js';
import { discoveredSpec } from '../../../src/discovery/target-spec.js';

// Every node of a fleet builds its own Maglev table: a client must land on the same target on
// each, whatever order the targets arrived in (config, etcd, DNS) and however IPv6 was spelled.

const candidates = (specs: { id: string; weight: number }[]) => specs.map((s) => ({ ...s, activeConnections: 0 }));

test('source-hash: same targets in any order and any spelling → the same target for every client on every node', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 12, maxLength: 12 }),
      fc.integer(),
      (hosts, weights, seed) => {
        const specs = hosts.map((h, i) => ({ host: `2001:db8::${h.toString(16)}`, port: 80, weight: weights[i]! }));
        const nodeA = new ConsistentHashBalancer(257);
        nodeA.rebuild(candidates(specs.map((s) => discoveredSpec(s))));
        // node B: shuffled, and the addresses written in full, upper case
        const key = (h: string) => Math.imul(h.length * 31 + h.charCodeAt(h.length - 1), seed | 1);
        const shuffled = [...specs].sort((a, b) => key(a.host) - key(b.host));
        const nodeB = new ConsistentHashBalancer(257);
        nodeB.rebuild(
          candidates(
            shuffled
              .reverse()
              .map((s) => discoveredSpec({ ...s, host: s.host.toUpperCase().replace('::', ':0:0:0:0:0:') })),
          ),
        );
        for (let c = 0; c < 50; c++) {
          const clientIp = `10.1.${c}.${seed & 255}`;
          assert.equal(nodeA.pick({ clientIp })?.id, nodeB.pick({ clientIp })?.id);
        }
      },
    ),
    { numRuns: 60 },
  );
});
