import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { namedInTree, treeUsage, usageOf, type ProcUnits } from '../proc-stats.js';
import { sleep } from '../workload.js';

/** Starts measuring the CPU of `pid`'s process tree; the function returned gives % of one core since. */
export function cpuMeter(pid: number, units: ProcUnits): () => number {
  const before = treeUsage(pid, units).cpuSec;
  const t0 = performance.now();
  return () => ((treeUsage(pid, units).cpuSec - before) / ((performance.now() - t0) / 1000)) * 100;
}

export interface StreamFigures {
  /** Bytes of the first event (the full state), and how long it took to arrive. */
  readonly snapshotBytes: number;
  readonly snapshotMs: number;
  /** What came after it, a second, on average. */
  readonly bytesPerSecond: number;
  readonly statsEvents: number;
  readonly statsMeanBytes: number;
  readonly statsMaxBytes: number;
  readonly otherEvents: number;
  /** The balancer's CPU over the same window (% of one core). */
  readonly balancerCpuPercent: number;
}

/**
 * Reads GET /api/events as a plain client for `seconds` after its first event (the snapshot),
 * measuring each event by its frame (`id:`, `event:`, `data:` lines, as sent).
 */
export function readStream(
  admin: string,
  seconds: number,
  lb: { pid: number; units: ProcUnits },
): Promise<StreamFigures> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let buf = '';
    let snapshot: { bytes: number; ms: number } | undefined;
    const stats: number[] = [];
    let other = 0;
    let after = 0;
    const req = request(`${admin}/api/events`, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /api/events: ${res.statusCode}`));
        res.destroy();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const frame = buf.slice(0, end + 2);
          buf = buf.slice(end + 2);
          const type = /^event: (.+)$/m.exec(frame)?.[1];
          const bytes = Buffer.byteLength(frame);
          if (type === undefined) continue; // the retry line
          if (!snapshot) {
            snapshot = { bytes, ms: performance.now() - t0 };
            const cpu = cpuMeter(lb.pid, lb.units);
            setTimeout(() => {
              res.destroy();
              const n = stats.length;
              resolve({
                snapshotBytes: snapshot!.bytes,
                snapshotMs: snapshot!.ms,
                bytesPerSecond: after / seconds,
                statsEvents: n,
                statsMeanBytes: n ? stats.reduce((a, b) => a + b, 0) / n : 0,
                statsMaxBytes: n ? Math.max(...stats) : 0,
                otherEvents: other,
                balancerCpuPercent: cpu(),
              });
            }, seconds * 1000);
            continue;
          }
          after += bytes;
          if (type === 'stats') stats.push(bytes);
          else other++;
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface PageFigures {
  /** From navigation until every target's row is in the page. */
  readonly loadMs: number;
  /** The page's main thread busy (CDP Performance TaskDuration), % of one core. */
  readonly mainThreadPercent: number;
  /** Of which JavaScript (ScriptDuration), style and layout. */
  readonly scriptPercent: number;
  readonly layoutPercent: number;
  /** Every chromium process (browser, renderer, GPU, network), % of one core. */
  readonly chromiumPercent: number;
  readonly jsHeapMiB: number;
  readonly domNodes: number;
  /** The balancer's CPU over the same window (% of one core). */
  readonly balancerCpuPercent: number;
}

type Metrics = Record<string, number>;

/** Opens the dashboard, waits for `targets` rows, then measures the page for `seconds`. */
export async function pageCost(
  browser: Browser,
  admin: string,
  targets: number,
  seconds: number,
  units: ProcUnits,
  lbPid: number,
): Promise<PageFigures> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  try {
    const t0 = performance.now();
    await page.goto(`${admin}/`);
    await page
      .locator('tr.target')
      .nth(targets - 1)
      .waitFor({ state: 'attached', timeout: 120_000 });
    const loadMs = performance.now() - t0;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async (): Promise<Metrics> =>
      Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    await sleep(1000); // the first stats event after the snapshot carries every target
    const chromium = (): number => usageOf(namedInTree(process.pid, /^(chromium|chrome)/), units).cpuSec;
    const [m0, c0, w0] = [await metrics(), chromium(), performance.now()];
    const lbCpu = cpuMeter(lbPid, units);
    await sleep(seconds * 1000);
    const balancerCpuPercent = lbCpu();
    const [m1, c1, w1] = [await metrics(), chromium(), performance.now()];
    const wall = (w1 - w0) / 1000;
    const pct = (k: string): number => (((m1[k] ?? 0) - (m0[k] ?? 0)) / wall) * 100;
    return {
      loadMs,
      mainThreadPercent: pct('TaskDuration'),
      scriptPercent: pct('ScriptDuration'),
      layoutPercent: pct('LayoutDuration') + pct('RecalcStyleDuration'),
      chromiumPercent: ((c1 - c0) / wall) * 100,
      jsHeapMiB: (m1.JSHeapUsedSize ?? 0) / 2 ** 20,
      domNodes: m1.Nodes ?? 0,
      balancerCpuPercent,
    };
  } finally {
    await page.close();
  }
}
