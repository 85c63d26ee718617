import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk } from '../../../src/bench/wrk.js';
import { iperfFlaked, parseIperf } from '../../../src/bench/iperf.js';
import { statFields } from '../../../src/bench/proc-stats.js';

const WRK = `Running 5s test @ http://127.0.0.1:8080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.00ms  30.00ms   90.00%
    Req/Sec    14.00k     1.00k   15.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    2.00ms
     90%    3.00ms
     99%    1.20s
  70123 requests in 5.01s, 10.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:  13996.61
Transfer/sec:      2.00MB
`;

test('parseWrk reads requests, duration, percentiles in any unit, and errors', () => {
  const r = parseWrk(WRK);
  assert.equal(r.requests, 70123);
  assert.equal(r.seconds, 5.01);
  assert.ok(Math.abs(r.rps - 70123 / 5.01) < 1e-9);
  assert.equal(r.p50Us, 850);
  assert.equal(r.p99Us, 1.2e6);
  assert.equal(r.errors, 10);
  assert.equal(r.non2xx, 5);
});

test('parseWrk: a clean run has no error lines; a broken output is an error', () => {
  const clean = WRK.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
  assert.equal(parseWrk(clean).errors, 0);
  assert.equal(parseWrk(clean).non2xx, 0);
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /unexpected wrk output/);
});

test('parseIperf takes the received rate; an iperf3 error is reported', () => {
  const ok = JSON.stringify({ end: { sum_received: { bits_per_second: 9.5e9, bytes: 4_750_000_000 } } });
  assert.deepEqual(parseIperf(ok), { bitsPerSecond: 9.5e9, bytes: 4_750_000_000 });
  assert.throws(() => parseIperf(JSON.stringify({ error: 'unable to connect to server' })), /unable to connect/);
  assert.throws(() => parseIperf(JSON.stringify({ end: {} })), /no sum_received/);
});

test("iperfFlaked: iperf3's own intermittent failures are retried once, a proxy's are not", () => {
  const cases: [string, boolean][] = [
    ['iperf3: control socket has closed unexpectedly (exit 0) ', true],
    ['iperf3: the server is busy running a test. try again later (exit 1) ', true],
    ['iperf3: unable to connect to server: Connection refused (exit 1) ', false],
    ['iperf3: unable to receive results: Connection reset by peer (exit 1) ', false],
    ['iperf3: no sum_received in the report (exit 0) ', false],
  ];
  for (const [message, flaked] of cases) assert.equal(iperfFlaked(new Error(message)), flaked, message);
});

test('statFields skips a command name with spaces and parentheses', () => {
  const f = statFields('1234 (node (main) x) S 1 1234 1234 0 -1 4194304 10 0 0 0 250 75 0 0 20 0 7');
  assert.equal(f[0], 'S');
  assert.equal(f[1], '1'); // ppid
  assert.equal(Number(f[11]) + Number(f[12]), 325); // utime + stime
});
