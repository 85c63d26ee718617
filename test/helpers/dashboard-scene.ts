import type { Page } from 'playwright-core';
import type { ConfigInput } from '../../src/config/schema.js';
import { targetRow } from './browser.js';
import { http } from './http.js';
import { namedEcho, open, type Conn, type NamedEcho } from './named-echo.js';
import { eventually } from './net.js';
import { startStack, type Stack } from './stack.js';

// A running balancer in the state an operator meets in an incident, for the README's screenshot
// (scripts/dashboard-screenshot.ts): three pools, connections held and coming and going, one
// target draining with connections still on it, one DOWN (its backend died), one in maintenance,
// a weight changed, a reload that added a target: every change with its cause in the timeline.

const CHECK = { interval: '500ms', timeout: '300ms', rise: 1, fall: 2 };

export interface Scene {
  readonly stack: Stack;
  readonly url: string;
  /** The targets the scene changes, as the page names them. */
  readonly draining: string;
  readonly down: string;
  readonly maint: string;
  readonly weighted: string;
  readonly added: string;
  /** Plays the changes over about `seconds` (at least 8), with traffic all along, which goes on after. */
  play(seconds: number): Promise<void>;
  /** Ends the traffic, every connection, backend and the balancer. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function configOf(web: NamedEcho[], api: NamedEcho[], cache: NamedEcho[]): ConfigInput {
  return {
    listeners: {
      web: { bind: '127.0.0.1:0', pool: 'web' },
      api: { bind: '127.0.0.1:0', pool: 'api' },
      cache: { bind: '127.0.0.1:0', pool: 'cache' },
    },
    pools: {
      web: { targets: web.map((b) => b.address), healthCheck: CHECK },
      api: { algorithm: 'least-connections', targets: api.map((b) => b.address), healthCheck: CHECK },
      cache: { algorithm: 'source-hash', targets: cache.map((b) => b.address), healthCheck: CHECK },
    },
  };
}

export async function startScene(): Promise<Scene> {
  const named = (prefix: string, n: number): Promise<NamedEcho[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => namedEcho(`${prefix}${i + 1}`)));
  const [web, api, cache, extra] = await Promise.all([named('w', 4), named('a', 3), named('c', 2), named('c', 1)]);
  const backends = [...web, ...api, ...cache, ...extra];
  let cfg = configOf(web, api, cache);
  const stack = await startStack(cfg, { load: () => cfg });
  const held: Conn[] = [];
  let traffic: Promise<void> | undefined;
  let stopping = false;
  await eventually(() => ['web', 'api', 'cache'].every((p) => allHealthy(stack, p)), 30_000, 'every target UP');

  // Short connections, each sending a few KB and reading them back: rates and bytes per second.
  const loop = async (): Promise<void> => {
    for (let i = 0; !stopping; i++) {
      const listener = ['web', 'web', 'api', 'cache'][i % 4]!;
      await open(stack.port(listener))
        .then(async (c) => {
          await c.echo('x'.repeat(1000 + ((i * 797) % 7000)));
          await c.close();
        })
        .catch(() => undefined);
      await sleep(60);
    }
  };
  const hold = async (listener: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) held.push(await open(stack.port(listener)));
  };
  const patch = async (pool: string, id: string, body: object): Promise<void> => {
    const r = await http(`${stack.url}/api/pools/${pool}/targets/${id}`, {
      method: 'PATCH',
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`PATCH ${pool}/${id}: ${r.status} ${r.text}`);
  };

  return {
    stack,
    url: stack.url,
    draining: web[1]!.address,
    down: web[3]!.address,
    maint: api[2]!.address,
    weighted: api[0]!.address,
    added: extra[0]!.address,
    async play(seconds) {
      const start = Date.now();
      // Held first, alone: a short connection of the traffic taking a turn of the round-robin
      // between them would leave 3 on one target and 1 on another (a CI run saw 3 on the draining one).
      await hold('web', 8); // round-robin: 2 on each
      await hold('api', 5);
      await hold('cache', 3);
      traffic = loop();
      await sleep(2000);
      await patch('web', web[1]!.address, { state: 'drain' }); // keeps its 2 connections
      await sleep(1500);
      await web[3]!.close(); // its connections end; DOWN after 2 failed checks
      await eventually(() => stack.app.store.target('web', web[3]!.address)?.health === 'unhealthy', 20_000, 'DOWN');
      await patch('api', api[2]!.address, { state: 'maint' }); // a reload keeps it
      await sleep(1500);
      cfg = configOf(web, api, [...cache, ...extra]);
      const r = await http(`${stack.url}/api/reload`, { method: 'POST' });
      if (r.status !== 200) throw new Error(`reload: ${r.status} ${r.text}`);
      await hold('cache', 1);
      await sleep(1000);
      await patch('api', api[0]!.address, { weight: 3 }); // after the reload, which would reset it
      await sleep(Math.max(0, start + seconds * 1000 - Date.now()));
    },
    async stop() {
      stopping = true;
      await traffic;
      for (const c of held) c.sock.destroy();
      await stack.stop();
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

function allHealthy(stack: Stack, pool: string): boolean {
  const targets = stack.app.store.pool(pool)?.targets ?? [];
  return targets.length > 0 && targets.every((t) => t.health === 'healthy');
}

/** Waits until the page shows what the scene did: the draining target still holding connections, the DOWN one, maintenance, the reload. */
export async function waitForScene(page: Page, scene: Scene): Promise<void> {
  const wait = { timeout: 30_000 };
  await page.waitForSelector(`${targetRow('web', scene.draining)}[data-state="drain"]:not([data-active="0"])`, wait);
  await page.waitForSelector(`${targetRow('web', scene.down)}[data-health="unhealthy"]`, wait);
  await page.waitForSelector(`${targetRow('api', scene.maint)}[data-state="maint"]`, wait);
  await page.waitForSelector(targetRow('cache', scene.added), wait);
  await page.waitForSelector('#timeline li[data-type="reload"]', wait);
}
