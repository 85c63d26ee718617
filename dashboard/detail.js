import { api, targetPath } from './api.js';
import { Chart } from './charts.js';
import { age, bytes, int } from './format.js';

// One target up close: its chart, and its open connections on demand (the newest few hundred).

export class Detail {
  constructor(doc) {
    this.el = doc.getElementById('detail');
    this.title = doc.getElementById('detail-title');
    this.chartEl = doc.getElementById('detail-chart');
    this.body = doc.querySelector('#connections tbody');
    this.count = doc.getElementById('conn-count');
    this.chart = null;
    this.target = null;
    doc.getElementById('detail-close').addEventListener('click', () => this.close());
    doc.getElementById('conn-refresh').addEventListener('click', () => void this.load());
  }

  open(target) {
    this.target = target;
    this.el.hidden = false;
    this.title.textContent = `${target.id} · ${target.pool}`;
    this.chart?.destroy();
    this.chartEl.textContent = '';
    this.chart = new Chart(this.chartEl, target.history, 440, 140);
    void this.load();
  }

  close() {
    this.el.hidden = true;
    this.chart?.destroy();
    this.chart = null;
    this.target = null;
  }

  tick() {
    this.chart?.update(true);
  }

  async load() {
    const t = this.target;
    if (!t) return;
    this.count.textContent = '…';
    try {
      const r = await api('GET', `${targetPath(t.pool, t.id)}/connections?limit=200`);
      if (this.target !== t) return;
      this.count.textContent = r.shown < r.open ? `(newest ${r.shown} of ${int(r.open)})` : `(${int(r.open)})`;
      const rows = r.connections.map((c) => {
        const tr = document.createElement('tr');
        for (const [v, num] of [
          [c.client, false],
          [c.worker === undefined ? c.listener : `${c.listener} · worker ${c.worker}`, false],
          [age(c.ageSeconds), true],
          [bytes(c.bytesFromClient), true],
          [bytes(c.bytesToClient), true],
        ]) {
          const td = document.createElement('td');
          td.textContent = v;
          if (num) td.className = 'num';
          tr.append(td);
        }
        return tr;
      });
      this.body.replaceChildren(...rows);
    } catch (e) {
      this.count.textContent = `(${e.message})`;
    }
  }
}
