import { bytesRate, rate } from './format.js';

// Small live charts (uPlot: canvas, made for streaming time series). Connections on the left
// axis, throughput on the right. A chart off screen is not redrawn.

// The colours are light-dark() pairs: let the browser resolve one to what the canvas needs.
let probe;
function css(name) {
  probe ??= document.body.appendChild(document.createElement('span'));
  probe.hidden = true;
  probe.style.color = `var(${name})`;
  return getComputedStyle(probe).color;
}

function options(width, height) {
  const grid = { stroke: css('--grid'), width: 1 };
  const axis = { stroke: css('--muted'), grid, ticks: { show: false }, font: '11px system-ui, sans-serif' };
  return {
    width,
    height,
    legend: { show: false },
    cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      conn: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      bytes: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      {
        ...axis,
        space: 70,
        size: 22,
        values: (_u, v) => v.map((x) => new Date(x * 1000).toLocaleTimeString('en-GB', { hour12: false })),
      },
      { ...axis, scale: 'conn', size: 40, values: (_u, v) => v.map((x) => rate(x)) },
      {
        ...axis,
        scale: 'bytes',
        side: 1,
        size: 64,
        grid: { show: false },
        values: (_u, v) => v.map((x) => bytesRate(x)),
      },
    ],
    series: [
      {},
      { label: 'active', scale: 'conn', stroke: css('--c-active'), width: 1.5, points: { show: false } },
      { label: 'conn/s', scale: 'conn', stroke: css('--c-rate'), width: 1, dash: [4, 3], points: { show: false } },
      { label: 'in', scale: 'bytes', stroke: css('--c-in'), width: 1, points: { show: false } },
      { label: 'out', scale: 'bytes', stroke: css('--c-out'), width: 1, points: { show: false } },
    ],
  };
}

const visible = new WeakSet();
const charts = new WeakMap();
const observer =
  'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => {
        for (const e of entries) {
          if (e.isIntersecting) {
            visible.add(e.target);
            // Scrolled into view: drawn now, not at the next stats event.
            charts.get(e.target)?.update();
          } else visible.delete(e.target);
        }
      })
    : undefined;

export class Chart {
  constructor(el, history, width, height = 90) {
    this.el = el;
    this.history = history;
    width ??= Math.max(300, el.clientWidth || 600);
    this.plot = new window.uPlot(options(width, height), history.data(), el);
    charts.set(el, this);
    observer?.observe(el);
    if (!observer) visible.add(el);
  }

  /** Redraws when on screen. */
  update(force = false) {
    if (force || visible.has(this.el)) this.plot.setData(this.history.data());
  }

  restyle() {
    const { width, height } = this.plot;
    this.plot.destroy();
    this.el.textContent = '';
    this.plot = new window.uPlot(options(width, height), this.history.data(), this.el);
  }

  destroy() {
    observer?.unobserve(this.el);
    this.plot.destroy();
  }
}
