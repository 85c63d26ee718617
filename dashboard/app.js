import { Actions } from './actions.js';
import { api, setCsrf } from './api.js';
import { Detail } from './detail.js';
import { Timeline } from './timeline.js';
import { View } from './view.js';

// The dashboard: signs in when the admin API has a token, then follows GET /api/events. The
// first event is a full state; after that only changes and a stats event a second.

const $ = (id) => document.getElementById(id);

const theme = {
  init() {
    const saved = localStorage.getItem('lb-theme');
    if (saved) document.documentElement.dataset.theme = saved;
    $('theme').addEventListener('click', () => {
      const dark = matchMedia('(prefers-color-scheme: dark)').matches;
      const now = document.documentElement.dataset.theme ?? (dark ? 'dark' : 'light');
      const next = now === 'dark' ? 'light' : 'dark';
      document.documentElement.dataset.theme = next;
      localStorage.setItem('lb-theme', next);
      view.restyle();
      if (detail.target) detail.open(detail.target);
    });
  },
};

function toast(text, kind = 'info') {
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.textContent = text;
  $('toasts').append(el);
  setTimeout(() => el.remove(), 6000);
}

const link = (state, text) => {
  $('link').dataset.link = state;
  $('link').textContent = text;
};

const detail = new Detail(document);
const actions = new Actions(document, toast);
const timeline = new Timeline($('timeline'), $('timeline-pool'));
const view = new View($('pools'), document.querySelector('#listeners tbody'), (action, target) => {
  if (action === 'detail') detail.open(target);
  else void actions.run(action, target);
});

let source = null;
let protocols = {};

// Where the page is in the stream: the id to resume from after a drop, the store revision its
// state is at (changes must follow it one by one: a gap means something was missed), and how
// often it had to start from a full state (and stats events seen). Shown as data-* attributes of
// the link indicator.
const stream = { lastId: null, revision: null, snapshots: 0, stats: 0, gaps: 0 };

function mark() {
  const d = $('link').dataset;
  d.eventId = stream.lastId ?? '';
  d.snapshots = String(stream.snapshots);
  d.stats = String(stream.stats);
  d.gaps = String(stream.gaps);
}

/** Whether to apply an event: a change already applied is skipped; one after a gap triggers a full read. */
function inOrder(type, d) {
  if (type === 'snapshot') {
    stream.revision = d.revision;
    stream.snapshots++;
    return true;
  }
  if (type === 'stats') stream.stats++;
  if (type === 'reload' || typeof d.revision !== 'number') return true;
  if (stream.revision !== null && d.revision <= stream.revision) return false;
  if (stream.revision !== null && d.revision !== stream.revision + 1) {
    stream.gaps++;
    refetchSoon();
  }
  stream.revision = d.revision;
  return true;
}

function facts(status) {
  const parts = [`config v${status.config.version}`];
  if (status.workers) parts.push(`${status.workers.length} workers`);
  parts.push(`up since ${new Date(status.startedAt).toLocaleString('en-GB')}`);
  $('facts').textContent = parts.join(' · ');
}

function showStatus(status) {
  view.render(status, protocols);
  for (const p of status.pools) timeline.addPool(p.name);
  facts(status);
}

async function refetch() {
  try {
    showStatus(await api('GET', '/api/status'));
  } catch (e) {
    toast(`status: ${e.message}`, 'bad');
  }
}

let refetchTimer = null;
const refetchSoon = () => {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(() => void refetch(), 200);
};

const handlers = {
  snapshot(d) {
    protocols = d.protocols ?? {};
    showStatus(d.status);
    // The figures now (open connections, rates): the first paint needs no periodic stats event.
    if (d.stats) view.stats(d.stats);
    timeline.list.replaceChildren();
    for (const e of d.timeline) timeline.add(e);
  },
  stats(d) {
    view.stats(d);
    detail.tick();
  },
  'health-changed'(e) {
    view.change(e.pool, e.id, { health: e.to, lastChange: { at: new Date(e.at).toISOString(), cause: e.cause } });
    timeline.add(e);
  },
  'admin-changed'(e) {
    const t = view.change(e.pool, e.id, { admin: e.to });
    t?.row.classList.remove('pending');
    timeline.add(e);
    toast(`${e.id}: ${e.from} → ${e.to} (${e.cause})`, e.to === 'ready' ? 'good' : 'warn');
  },
  'target-changed'(e) {
    const t = e.target;
    if (t) view.change(e.pool, t.id, { weight: t.spec.weight, backup: t.spec.backup });
    timeline.add(e);
  },
  'target-added'(e) {
    timeline.add(e);
    refetchSoon();
  },
  'target-removed'(e) {
    timeline.add(e);
    refetchSoon();
  },
  'pool-added'(e) {
    timeline.add(e);
    refetchSoon();
  },
  'pool-removed'(e) {
    timeline.add(e);
    refetchSoon();
  },
  reload(e) {
    timeline.add(e);
    toast(e.cause, e.ok ? 'good' : 'bad');
    refetchSoon();
  },
};

function follow() {
  source?.close();
  link('connecting', 'connecting…');
  // A new EventSource sends no Last-Event-ID: the query carries it (a drop the browser retries by
  // itself sends the header, which the server prefers).
  const since = stream.lastId === null ? '' : `?lastEventId=${encodeURIComponent(stream.lastId)}`;
  const es = new EventSource(`/api/events${since}`);
  source = es;
  for (const [type, fn] of Object.entries(handlers))
    es.addEventListener(type, (m) => {
      if (m.lastEventId) stream.lastId = m.lastEventId;
      try {
        const d = JSON.parse(m.data);
        if (inOrder(type, d)) fn(d);
      } catch (err) {
        console.error(type, err);
      }
      mark();
    });
  es.addEventListener('open', () => link('live', 'live'));
  es.addEventListener('error', () => {
    if (es !== source) return;
    // The browser retries a dropped stream by itself (with Last-Event-ID); a refused one it does not.
    if (es.readyState === EventSource.CLOSED) {
      link('down', 'disconnected: retrying');
      setTimeout(() => void start(), 3000);
    } else link('down', 'reconnecting…');
  });
}

async function start() {
  let s;
  try {
    s = await api('GET', '/api/session');
  } catch {
    link('down', 'admin API unreachable: retrying');
    setTimeout(() => void start(), 3000);
    return;
  }
  setCsrf(s.csrf);
  $('signout').hidden = !s.tokenRequired;
  if (s.tokenRequired && !s.signedIn) {
    source?.close();
    source = null;
    $('main').hidden = true;
    $('signin').hidden = false;
    link('signed-out', 'signed out');
    $('token').focus();
    return;
  }
  $('signin').hidden = true;
  $('main').hidden = false;
  follow();
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('token');
  $('signin-error').textContent = '';
  try {
    const r = await api('POST', '/api/session', { token: input.value });
    input.value = '';
    setCsrf(r.csrf);
    await start();
  } catch (err) {
    $('signin-error').textContent = err.status === 401 ? 'Wrong token.' : err.message;
    input.select();
  }
});

$('signout').addEventListener('click', async () => {
  source?.close();
  source = null;
  await api('DELETE', '/api/session').catch(() => undefined);
  setCsrf(null);
  location.reload();
});

theme.init();
void start();
