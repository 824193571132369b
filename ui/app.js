// The dashboard: a router over the URL's fragment (#/queues, #/queue/NAME, #/task/NAME,
// #/attempts, #/clock), the live state every page reads (stats, queue resources, the attempt
// feed) and the one event stream that feeds it.
import { api, parentOf, subscribe } from './api.js';
import { fill } from './dom.js';
import { Sparkline } from './chart.js';
import { queuesView, attemptsView, clockView } from './views.js';
import { queueView } from './queue_view.js';
import { taskView } from './task_view.js';

const FEED_SIZE = 500;

export const live = {
  stats: null,             // The last /emulator/v1/stats (or event).
  queues: new Map(),       // Full name -> Queue resource (ListQueues).
  sparklines: new Map(),   // Full name -> Sparkline.
  attempts: [],            // Attempts that ended, newest first.
  clock: null,             // GET /emulator/v1/clock, once.
  // Reads every queue's resource again (after a change, or when a queue appears).
  async refreshQueues() {
    const names = (this.stats?.queues ?? []).map((q) => q.name);
    const parents = [...new Set(names.map(parentOf))];
    const lists = await Promise.all(parents.map((p) => api.listQueues(p).catch(() => ({ items: [] }))));
    this.queues = new Map(lists.flatMap((l) => l.items).map((q) => [q.name, q]));
  },
};

const routes = [
  [/^#\/queue\/(.+)$/, queueView, 'queues'],
  [/^#\/task\/(.+)$/, taskView, 'queues'],
  [/^#\/attempts$/, attemptsView, 'attempts'],
  [/^#\/clock$/, clockView, 'clock'],
  [/^(#\/?(queues)?)?$/, queuesView, 'queues'],
];

let current = null;

// `focus`: after a navigation, focus moves to the new page's content (not on first load, where
// the keyboard starts from the top: the skip link, then the navigation).
function route(focus = true) {
  current?.dispose?.();
  const main = document.getElementById('main');
  const hash = location.hash;
  const found = routes.find(([re]) => re.test(hash));
  for (const link of document.querySelectorAll('nav a')) {
    link.toggleAttribute('aria-current', found && link.dataset.section === found[2]);
    if (link.hasAttribute('aria-current')) link.setAttribute('aria-current', 'page');
  }
  if (!found) {
    document.title = 'Not found · Cloud Tasks emulator';
    fill(main, Object.assign(document.createElement('h1'), { textContent: 'Not found' }));
    current = null;
    return;
  }
  const param = hash.match(found[0])?.[1];
  current = found[1](main, param ? decodeURIComponent(param) : undefined);
  if (focus) main.focus({ preventScroll: true });
}

let knownQueues = '';

async function onStats(stats) {
  live.stats = stats;
  const t = Date.now() / 1000;  // The page's time: emulated time may stand still (--clock manual).
  for (const q of stats.queues) {
    if (!live.sparklines.has(q.name)) live.sparklines.set(q.name, new Sparkline(q.name));
    const limit = live.queues.get(q.name)?.rateLimits?.maxDispatchesPerSecond;
    live.sparklines.get(q.name).push(t, q.dispatchRate10s, limit ?? null);
  }
  const names = stats.queues.map((q) => q.name).join('\n');
  if (names !== knownQueues) {
    knownQueues = names;
    await live.refreshQueues();
  }
  current?.update?.();
}

function onAttempt(attempt) {
  live.attempts.unshift(attempt);
  if (live.attempts.length > FEED_SIZE) live.attempts.length = FEED_SIZE;
  current?.attempt?.(attempt);
}

function onMode(mode) {
  const el = document.getElementById('live-mode');
  el.textContent = { live: 'Live', polling: 'Polling every 2 s', reconnecting: 'Reconnecting…' }[mode];
  el.dataset.mode = mode;
}

// The skip link moves focus to the content and leaves the fragment alone: the fragment is the
// page's route, and "#main" is none.
function skipToContent(e) {
  e.preventDefault();
  document.getElementById('main').focus();
}

async function start() {
  document.querySelector('a.skip').addEventListener('click', skipToContent);
  live.clock = await api.clock().catch(() => null);
  live.stats = await api.stats().catch(() => null);
  knownQueues = (live.stats?.queues ?? []).map((q) => q.name).join('\n');
  await live.refreshQueues();
  window.addEventListener('hashchange', () => route());
  route(false);
  subscribe({ onStats, onAttempt, onMode });
}

start();
