import { Chart } from './charts.js';
import { bytes, bytesRate, HEALTH_WORD, int, ms, rate, STATE_WORD } from './format.js';
import { History } from './history.js';

// The pools and their targets in the page, kept in step with the event stream. Every element is
// made once and then updated in place: an update sets only the text and attributes that changed.

const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
};

const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};
const setAttr = (el, name, value) => {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
};

const ZERO = { active: 0, total: 0, bytesIn: 0, bytesOut: 0, connRate: 0, bytesInRate: 0, bytesOutRate: 0 };

const keyOf = (pool, id) => `${pool}\n${id}`;

export class View {
  constructor(root, listenersBody, onAction) {
    this.root = root;
    this.listenersBody = listenersBody;
    this.onAction = onAction;
    this.pools = new Map();
    this.targets = new Map();
    this.listeners = new Map();
  }

  /** Draws (or redraws) everything from a status document (snapshot, GET /api/status). */
  render(status, protocols = {}) {
    this.#renderListeners(status.listeners, protocols);
    const seen = new Set();
    for (const p of status.pools) {
      seen.add(p.name);
      const pool = this.#pool(p);
      const ids = new Set();
      for (const t of [...p.targets, ...p.draining]) {
        ids.add(t.address);
        this.#target(pool, t);
      }
      for (const [id, t] of pool.targets)
        if (!ids.has(id)) {
          t.row.remove();
          pool.targets.delete(id);
          this.targets.delete(keyOf(p.name, id));
        }
      // Once its targets are drawn: counted before them, the header said "eligible 0 / 0" until the first stats event.
      this.#poolFigures(pool);
    }
    for (const [name, pool] of this.pools)
      if (!seen.has(name)) {
        pool.chart.destroy();
        pool.el.remove();
        this.pools.delete(name);
        for (const id of pool.targets.keys()) this.targets.delete(keyOf(name, id));
      }
  }

  #renderListeners(list, protocols) {
    const seen = new Set();
    for (const l of list) {
      seen.add(l.name);
      let row = this.listeners.get(l.name);
      if (!row) {
        const cells = ['name', 'bind', 'protocol', 'pool', 'active', 'rate', 'rejected', 'total'].map((c) =>
          h('td', { class: ['active', 'rate', 'rejected', 'total'].includes(c) ? `num ${c}` : c }),
        );
        row = { tr: h('tr', { 'data-listener': l.name }, ...cells), cells };
        this.listeners.set(l.name, row);
        this.listenersBody.append(row.tr);
      }
      const [name, bind, protocol, pool, active, , , total] = row.cells;
      setText(name, l.name);
      setText(bind, l.address);
      setText(protocol, protocols[l.name] ?? 'tcp');
      setText(pool, l.pool ?? '—');
      setText(active, int(l.activeConnections));
      setText(total, int(l.totalConnections));
    }
    for (const [name, row] of this.listeners)
      if (!seen.has(name)) {
        row.tr.remove();
        this.listeners.delete(name);
      }
  }

  #pool(p) {
    let pool = this.pools.get(p.name);
    if (!pool) {
      const chartEl = h('div', { class: 'chart' });
      const figures = h('dl', { class: 'figures' });
      const tbody = h('tbody');
      const el = h(
        'section',
        { class: 'panel pool', 'data-pool': p.name },
        h('div', { class: 'pool-head' }, h('h2', { text: p.name }), h('span', { class: 'algo' }), figures),
        h(
          'div',
          { class: 'pool-body' },
          h(
            'div',
            { class: 'legend' },
            ...[
              ['active connections', 'lg-active'],
              ['new connections/s', 'lg-rate'],
              ['bytes/s in', 'lg-in'],
              ['bytes/s out', 'lg-out'],
            ].map(([label, c]) => h('span', { class: c, text: label })),
          ),
          chartEl,
          h(
            'div',
            { class: 'targets-wrap' },
            h(
              'table',
              { class: 'grid targets' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Target', 'State', 'Health', 'Weight', 'Active', 'Conn/s', 'In/s', 'Out/s', 'Connect', ''].map(
                    (t, i) => h('th', { class: i >= 3 && i <= 8 ? 'num' : '', text: t }),
                  ),
                ),
              ),
              tbody,
            ),
          ),
        ),
      );
      const fig = {};
      for (const [k, label] of [
        ['eligible', 'eligible'],
        ['active', 'active'],
        ['rate', 'conn/s'],
        ['in', 'in'],
        ['out', 'out'],
      ]) {
        fig[k] = h('dd');
        figures.append(h('div', {}, h('dt', { text: label }), fig[k]));
      }
      this.root.append(el);
      const history = new History();
      pool = {
        name: p.name,
        el,
        tbody,
        fig,
        history,
        chart: new Chart(chartEl, history),
        targets: new Map(),
        figures: ZERO,
      };
      this.pools.set(p.name, pool);
    }
    pool.info = p;
    setText(
      pool.el.querySelector('.algo'),
      `${p.algorithm} · health check ${p.healthCheck}${p.usingBackups ? ' · using backups' : ''}`,
    );
    this.#poolFigures(pool);
    return pool;
  }

  #poolFigures(pool) {
    const eligible = [...pool.targets.values()].filter((t) => t.data.eligible).length;
    setText(pool.fig.eligible, `${eligible} / ${pool.targets.size}`);
    setText(pool.fig.active, int(pool.figures.active));
    setText(pool.fig.rate, rate(pool.figures.connRate));
    setText(pool.fig.in, bytesRate(pool.figures.bytesInRate));
    setText(pool.fig.out, bytesRate(pool.figures.bytesOutRate));
  }

  #target(pool, t) {
    const key = keyOf(pool.name, t.address);
    let target = this.targets.get(key);
    if (!target) {
      const c = {};
      for (const k of ['addr', 'state', 'health', 'weight', 'active', 'rate', 'in', 'out', 'latency', 'actions'])
        c[k] = h('td', { class: ['weight', 'active', 'rate', 'in', 'out', 'latency'].includes(k) ? `num ${k}` : k });
      c.addrText = h('button', { type: 'button', class: 'link-button', title: 'Chart and open connections' });
      c.tags = h('span', { class: 'tags' });
      c.addr.append(c.addrText, c.tags);
      c.stateBadge = h('span', { class: 'badge' });
      c.state.append(c.stateBadge);
      c.healthBadge = h('span', { class: 'badge' });
      c.healthWhy = h('span', { class: 'why' });
      c.health.append(c.healthBadge, c.healthWhy);
      for (const [action, label] of [
        ['drain', 'Drain'],
        ['maint', 'Maint'],
        ['ready', 'Ready'],
        ['weight', 'Weight'],
      ])
        c.actions.append(h('button', { type: 'button', class: 'act', 'data-action': action, text: label }));
      const row = h(
        'tr',
        { class: 'target', 'data-pool': pool.name, 'data-target': t.address },
        ...Object.values(c).filter((x) => x.tagName === 'TD'),
      );
      target = { pool: pool.name, id: t.address, row, c, history: new History(), figures: { ...ZERO } };
      c.addrText.addEventListener('click', () => this.onAction('detail', target));
      c.actions.addEventListener('click', (e) => {
        const b = e.target.closest('button[data-action]');
        if (b) this.onAction(b.dataset.action, target);
      });
      this.targets.set(key, target);
      pool.targets.set(t.address, target);
      pool.tbody.append(row);
    }
    target.data = { ...target.data, ...t };
    target.figures = {
      ...target.figures,
      active: t.activeConnections,
      total: t.totalConnections,
      bytesIn: t.bytesFromClient,
      bytesOut: t.bytesToClient,
      checkOk: t.lastCheck ? t.lastCheck.ok : null,
      checkMs: t.lastCheck?.latencyMs ?? null,
    };
    this.#drawTarget(target);
    return target;
  }

  #drawTarget(target) {
    const { c, data: t, figures: f, row } = target;
    setText(c.addrText, t.address);
    setText(
      c.tags,
      [t.backup ? 'backup' : '', t.removed ? 'removed, draining' : '', t.fromConfig === false ? 'added at runtime' : '']
        .filter(Boolean)
        .join(' · '),
    );
    setAttr(row, 'data-state', t.admin);
    setAttr(row, 'data-health', t.health);
    setAttr(row, 'data-active', String(f.active));
    setAttr(c.stateBadge, 'data-state', t.admin);
    setText(c.stateBadge, STATE_WORD[t.admin] ?? t.admin);
    setAttr(c.healthBadge, 'data-health', t.health);
    setText(c.healthBadge, HEALTH_WORD[t.health] ?? t.health);
    const check =
      f.checkOk === null || f.checkOk === undefined ? '' : f.checkOk ? 'last check ok' : 'last check failed';
    const why = t.health === 'healthy' ? check : [t.lastChange?.cause, check].filter(Boolean).join(' · ');
    setText(c.healthWhy, why);
    setAttr(c.healthWhy, 'title', t.lastChange ? `${t.lastChange.cause} (${t.lastChange.at})` : '');
    setText(c.weight, String(t.weight));
    setText(c.active, int(f.active));
    setText(c.rate, rate(f.connRate));
    setText(c.in, bytesRate(f.bytesInRate));
    setText(c.out, bytesRate(f.bytesOutRate));
    setText(c.latency, ms(f.checkMs));
    setAttr(row, 'title', `total ${int(f.total)} connections · ${bytes(f.bytesIn)} in · ${bytes(f.bytesOut)} out`);
  }

  target(pool, id) {
    return this.targets.get(keyOf(pool, id));
  }

  /** A store event about one target: health, admin state. */
  change(pool, id, patch) {
    const target = this.target(pool, id);
    if (!target) return undefined;
    target.data = { ...target.data, ...patch };
    target.data.eligible = !target.data.removed && target.data.admin === 'ready' && target.data.health !== 'unhealthy';
    this.#drawTarget(target);
    const p = this.pools.get(pool);
    if (p) this.#poolFigures(p);
    return target;
  }

  /** The periodic stats event: targets left out did not move (their rates are 0 now). */
  stats(s) {
    const t = Math.round(s.at / 1000);
    for (const [name, l] of Object.entries(s.listeners)) {
      const row = this.listeners.get(name);
      if (!row) continue;
      setText(row.cells[4], int(l.active));
      setText(row.cells[5], rate(l.connRate));
      setText(row.cells[6], l.rejected === null ? '—' : int(l.rejected));
      setText(row.cells[7], int(l.total));
    }
    for (const [name, p] of Object.entries(s.pools)) {
      const pool = this.pools.get(name);
      if (!pool) continue;
      pool.figures = p;
      for (const target of pool.targets.values()) {
        const f = p.targets[target.id];
        if (f) {
          target.figures = f;
          this.#drawTarget(target);
        } else if (target.figures.connRate || target.figures.bytesInRate || target.figures.bytesOutRate) {
          target.figures = { ...target.figures, connRate: 0, bytesInRate: 0, bytesOutRate: 0 };
          this.#drawTarget(target);
        }
        target.history.push(t, target.figures);
      }
      this.#poolFigures(pool);
      pool.history.push(t, p);
      pool.chart.update();
    }
  }

  restyle() {
    for (const p of this.pools.values()) p.chart.restyle();
  }

  poolNames() {
    return [...this.pools.keys()];
  }
}
