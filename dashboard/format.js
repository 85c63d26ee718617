// Numbers as an operator reads them: short, with units, never "NaN".

export const int = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));

export function rate(n) {
  if (n === null || n === undefined) return '—';
  if (n === 0) return '0';
  return n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)} ${UNITS[i]}`;
}

export const bytesRate = (n) => (n === null || n === undefined ? '—' : `${bytes(n)}/s`);

export const ms = (n) => (n === null || n === undefined ? '—' : n < 10 ? `${n.toFixed(2)} ms` : `${Math.round(n)} ms`);

export function age(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function clock(at) {
  const d = new Date(at);
  return d.toLocaleTimeString('en-GB', { hour12: false });
}

export function since(at, now = Date.now()) {
  if (!at) return '';
  const s = Math.max(0, (now - at) / 1000);
  return s < 1 ? 'just now' : `${age(s)} ago`;
}

/** Health and admin state in words: colour is never the only sign. */
export const HEALTH_WORD = { healthy: 'UP', unhealthy: 'DOWN', unknown: 'unknown' };
export const STATE_WORD = { ready: 'ready', drain: 'draining', maint: 'maintenance' };
