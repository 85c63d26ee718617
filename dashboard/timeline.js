import { clock } from './format.js';

// The events with their causes, newest first, filterable by pool.

const MAX = 500;
const HEALTH = { healthy: 'UP', unhealthy: 'DOWN', unknown: 'UNKNOWN' };

/** One line an operator reads: `127.0.0.1:5002 DOWN after 3 failed checks: connect ECONNREFUSED`. */
export function describe(e) {
  switch (e.type) {
    case 'health-changed':
      return {
        kind: e.to === 'unhealthy' ? 'bad' : e.to === 'healthy' ? 'good' : 'info',
        text: `${e.id} ${HEALTH[e.to] ?? e.to} ${e.cause.replace(/^health: /, '')}`,
      };
    case 'admin-changed':
      return { kind: e.to === 'ready' ? 'good' : 'warn', text: `${e.id} ${e.from} → ${e.to} (${e.cause})` };
    case 'target-added':
      return { kind: 'info', text: `${e.id ?? e.target?.id} added (${e.cause})` };
    case 'target-removed':
      return { kind: 'warn', text: `${e.id} removed (${e.cause})` };
    case 'target-changed':
      return {
        kind: 'info',
        text: `${e.target?.id ?? e.id} changed: weight ${e.target?.spec?.weight ?? '?'} (${e.cause})`,
      };
    case 'pool-added':
      return { kind: 'info', text: `pool ${e.pool} added (${e.cause})` };
    case 'pool-removed':
      return { kind: 'warn', text: `pool ${e.pool} removed (${e.cause})` };
    case 'reload':
      return { kind: e.ok ? 'good' : 'bad', text: e.cause };
    default:
      return { kind: 'info', text: `${e.type}${e.cause ? `: ${e.cause}` : ''}` };
  }
}

export class Timeline {
  constructor(list, select) {
    this.list = list;
    this.select = select;
    this.pools = new Set();
    select.addEventListener('change', () => this.#filter());
  }

  add(e) {
    const { kind, text } = describe(e);
    const li = document.createElement('li');
    li.className = `event ${kind}`;
    li.dataset.type = e.type;
    if (e.pool) li.dataset.pool = e.pool;
    const time = document.createElement('time');
    time.textContent = clock(e.at);
    const pool = document.createElement('span');
    pool.className = 'event-pool';
    pool.textContent = e.pool ?? 'config';
    const what = document.createElement('span');
    what.className = 'event-text';
    what.textContent = text;
    li.append(time, pool, what);
    li.hidden = !this.#shows(li);
    this.list.prepend(li);
    while (this.list.childElementCount > MAX) this.list.lastElementChild.remove();
    if (e.pool) this.addPool(e.pool);
  }

  addPool(name) {
    if (this.pools.has(name)) return;
    this.pools.add(name);
    const o = document.createElement('option');
    o.value = name;
    o.textContent = name;
    this.select.append(o);
  }

  #shows(li) {
    const want = this.select.value;
    return want === '' || li.dataset.pool === undefined || li.dataset.pool === want;
  }

  #filter() {
    for (const li of this.list.children) li.hidden = !this.#shows(li);
  }
}
