import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialHealth, markedDown, nextHealth } from '../../../src/health/hysteresis.js';

const LETTER = { unknown: '?', healthy: 'U', unhealthy: 'D' } as const;

/** Feeds a sequence of check results (+ ok, - failed) and returns the state after each. */
const run = (results: string, rise: number, fall: number, start = initialHealth): string => {
  let s = start;
  return results
    .split('')
    .map((r) => {
      s = nextHealth(s, r === '+', rise, fall);
      return LETTER[s.state];
    })
    .join('');
};

test('rise/fall hysteresis: table of check sequences (? unknown, U up, D down)', () => {
  const cases: { seq: string; rise: number; fall: number; want: string }[] = [
    { seq: '+', rise: 2, fall: 3, want: 'U' }, // an unchecked target is up after its first success
    { seq: '---', rise: 2, fall: 3, want: '??D' }, // and down after `fall` failures
    { seq: '+---', rise: 2, fall: 3, want: 'UUUD' },
    { seq: '+--+---', rise: 2, fall: 3, want: 'UUUUUUD' }, // failures must be consecutive
    { seq: '+---+', rise: 2, fall: 3, want: 'UUUDD' }, // one success is not enough to rise
    { seq: '+---++', rise: 2, fall: 3, want: 'UUUDDU' },
    { seq: '+---+-++', rise: 2, fall: 3, want: 'UUUDDDDU' }, // successes must be consecutive
    { seq: '-', rise: 1, fall: 1, want: 'D' },
    { seq: '+-+', rise: 1, fall: 1, want: 'UDU' },
    { seq: '+----++++', rise: 4, fall: 1, want: 'UDDDDDDDU' },
  ];
  for (const c of cases) assert.equal(run(c.seq, c.rise, c.fall), c.want, `${c.seq} rise=${c.rise} fall=${c.fall}`);
});

test('a target marked DOWN by traffic rises on its first successful check, failed checks meanwhile or not', () => {
  const down = markedDown({ state: 'healthy', successes: 5, failures: 3 });
  assert.equal(down.state, 'unhealthy');
  assert.equal(down.byTraffic, true);
  const cases: { seq: string; rise: number; want: string }[] = [
    { seq: '+', rise: 2, want: 'U' }, // back after one success, not `rise`
    { seq: '+', rise: 5, want: 'U' },
    { seq: '--+', rise: 2, want: 'DDU' }, // still restarting at the first checks: the mark holds
    { seq: '+-', rise: 2, want: 'UU' }, // up again: `fall` failures to go down, as for any target
    { seq: '+---', rise: 2, want: 'UUUD' },
    { seq: '+---+', rise: 2, want: 'UUUDD' }, // down by its checks this time: `rise` applies
    { seq: '+---++', rise: 2, want: 'UUUDDU' },
  ];
  for (const c of cases) assert.equal(run(c.seq, c.rise, 3, down), c.want, `${c.seq} rise=${c.rise}`);
  // a target DOWN by its checks does not get the shortcut
  assert.equal(run('---++', 2, 3), '??DDU');
});
