// The pages: every queue, one queue (its tasks by state, settings, actions), the attempt feed and
// the clock. Each view draws into <main> and returns {update, attempt, dispose}; app.js calls
// update() on each stats event and attempt() for each attempt that ended.
import { api } from './api.js';
import { live } from './app.js';
import { h, fill, shortName, queueHref, taskHref, formatTime, formatDuration, formatNumber,
  notice } from './dom.js';

export const STATES = [['', 'Any state'], ['scheduled', 'Scheduled'], ['due', 'Due'],
  ['inFlight', 'In flight'], ['retrying', 'Retrying']];

// A table with a caption and column heads; heads that start with '#' are numeric (right-aligned,
// as their cells, which carry class "num").
export const table = (caption, heads, body) => h('table', {},
  h('caption', {}, caption),
  h('thead', {}, h('tr', {}, heads.map((t) => t.startsWith('#')
    ? h('th', { scope: 'col', class: 'num' }, t.slice(1)) : h('th', { scope: 'col' }, t)))), body);

export const stateBadge = (state) => h('span', { class: `badge state-${state}` }, state.toLowerCase());

function rateText(q) {
  const r = q?.rateLimits ?? {};
  return `${r.maxDispatchesPerSecond ?? '—'}/s · ${r.maxBurstSize ?? '—'} · ${r.maxConcurrentDispatches ?? '—'}`;
}

function retryText(q) {
  const r = q?.retryConfig ?? {};
  const window = r.maxRetryDuration ? `, for ${formatDuration(r.maxRetryDuration)}` : '';
  return `${r.maxAttempts ?? '—'} attempts, ${formatDuration(r.minBackoff)}–${formatDuration(r.maxBackoff)}${window}`;
}

// Every queue, its settings, counters and dispatch rate.
export function queuesView(main) {
  document.title = 'Queues · Cloud Tasks emulator';
  const body = h('tbody');
  fill(main, h('h1', {}, 'Queues'),
    h('p', { class: 'note' }, 'Rate is max dispatches per second · burst · max concurrent. ',
      'The sparkline is the dispatch rate over the last minute (blue) against the configured rate (dashed).'),
    h('div', { class: 'scroll' }, table('Every queue of the emulator',
      ['Queue', 'State', 'Rate · burst · cap', 'Retry', '#Waiting', '#In flight', '#Dispatched',
        '#Succeeded', '#Retried', '#Given up', 'Dispatch rate'], body)));
  let drawn = '';
  const update = () => {
    const stats = live.stats?.queues ?? [];
    const names = stats.map((s) => s.name).join('\n');
    if (names !== drawn) {
      drawn = names;
      fill(body, stats.length ? stats.map((s) => h('tr', { 'data-queue': s.name },
        h('th', { scope: 'row' }, h('a', { href: queueHref(s.name), title: s.name }, shortName(s.name))),
        h('td', { 'data-field': 'state' }), h('td', { 'data-field': 'rate' }),
        h('td', { 'data-field': 'retry' }),
        ...['tasksWaiting', 'inFlight', 'dispatched', 'succeeded', 'retried', 'givenUp']
          .map((f) => h('td', { 'data-field': f, class: 'num' })),
        h('td', { class: 'spark' }))) : h('tr', {}, h('td', { colspan: 11 }, 'No queue yet.')));
    }
    for (const s of stats) {
      const row = body.querySelector(`tr[data-queue="${CSS.escape(s.name)}"]`);
      const q = live.queues.get(s.name);
      const spark = row.querySelector('.spark');
      if (!spark.firstChild) live.sparklines.get(s.name)?.mount(spark);
      fill(row.querySelector('[data-field=state]'), stateBadge(q?.state ?? 'UNKNOWN'));
      row.querySelector('[data-field=rate]').textContent = rateText(q);
      row.querySelector('[data-field=retry]').textContent = retryText(q);
      for (const f of ['tasksWaiting', 'inFlight', 'dispatched', 'succeeded', 'retried', 'givenUp']) {
        row.querySelector(`[data-field=${f}]`).textContent = formatNumber(s[f]);
      }
    }
  };
  update();
  return { update };
}

// Asks before an action that cannot be undone; resolves true when confirmed. A <dialog>: modal,
// keyboard operable, Escape cancels.
export function confirmAction(text, actionLabel) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-text', class: 'confirm' },
      h('p', { id: 'confirm-text' }, text),
      h('form', { method: 'dialog' },
        h('button', { value: 'cancel', class: 'secondary' }, 'Cancel'),
        h('button', { value: 'ok', class: 'danger', 'data-confirm': true }, actionLabel)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A button that runs `run` (an API call), asking first when `confirmText` is given, says how it
// went in the `status` element, and calls `after(label)` once it succeeded.
export const actionButton = (status, label, run, confirmText, after) => h('button', {
  type: 'button', class: confirmText ? 'danger' : '',
  onclick: async () => {
    if (confirmText && !(await confirmAction(confirmText, label))) return;
    try {
      await run();
    } catch (err) {
      notice(status, `${label} failed: ${err.message}`, true);
      return;
    }
    notice(status, `${label}: done.`);
    after(label);
  },
}, label);

// The parts an object sets, "name value" each, joined: {host: 'h', port: '80'} -> "host h · port 80".
const partsText = (parts) => parts.filter(([, v]) => v != null)
  .map(([k, v]) => `${k} ${v === '' ? '(empty)' : v}`).join(' · ');

// The rows of a queue's HTTP target (queue-level overrides of its HTTP tasks, REST only), one for
// each part it sets; none without one.
function httpTargetRows(t) {
  if (!t) return [];
  const u = t.uriOverride;
  const token = t.oidcToken ? `OIDC as ${t.oidcToken.serviceAccountEmail}, audience ${t.oidcToken.audience}`
    : t.oauthToken && `OAuth as ${t.oauthToken.serviceAccountEmail}, scope ${t.oauthToken.scope}`;
  return [
    ['HTTP target: URI override', u && partsText([['scheme', u.scheme], ['host', u.host], ['port', u.port],
      ['path', u.pathOverride?.path], ['query', u.queryOverride?.queryParams], ['mode', u.uriOverrideEnforceMode]])],
    ['HTTP target: method', t.httpMethod],
    ['HTTP target: headers', (t.headerOverrides ?? []).map((o) => `${o.header?.key}: ${o.header?.value}`).join('; ')],
    ['HTTP target: token', token],
  ].filter(([, v]) => v);
}

export function settingsList(q) {
  const r = q?.rateLimits ?? {};
  const retry = q?.retryConfig ?? {};
  const routing = q?.appEngineRoutingOverride;
  const rows = [['State', q?.state], ['Max dispatches per second', r.maxDispatchesPerSecond],
    ['Max burst size', r.maxBurstSize], ['Max concurrent dispatches', r.maxConcurrentDispatches],
    ['Max attempts', retry.maxAttempts], ['Max retry duration', retry.maxRetryDuration ? formatDuration(retry.maxRetryDuration) : 'no limit'],
    ['Min backoff', formatDuration(retry.minBackoff)], ['Max backoff', formatDuration(retry.maxBackoff)],
    ['Max doublings', retry.maxDoublings], ['Purge time', formatTime(q?.purgeTime)],
    ...httpTargetRows(q?.httpTarget),
    ...(routing ? [['App Engine routing override', partsText([['service', routing.service],
      ['version', routing.version], ['instance', routing.instance], ['host', routing.host]])]] : [])];
  return h('dl', { class: 'settings' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

export function countersList(s) {
  const items = [['Waiting', s?.tasksWaiting], ['In flight', s?.inFlight], ['Dispatched', s?.dispatched],
    ['Succeeded', s?.succeeded], ['Retried', s?.retried], ['Given up', s?.givenUp],
    ['Dispatch rate (10 s)', s ? `${s.dispatchRate10s.toFixed(2)}/s` : '—']];
  return items.map(([k, v]) => h('div', { class: 'tile' }, h('div', { class: 'value' }, typeof v === 'number' ? formatNumber(v) : v ?? '—'),
    h('div', { class: 'label' }, k)));
}

// The test task form: an HTTP task to a URL, with a method, a body and a delay.
export function testTaskForm(name, status, after) {
  const form = h('form', { class: 'inline-form', 'aria-label': 'Create a test task' },
    h('label', {}, 'URL ', h('input', { name: 'url', type: 'url', required: true, value: 'http://127.0.0.1:8080/task', size: 30 })),
    h('label', {}, 'Method ', h('select', { name: 'method' }, ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', {}, m)))),
    h('label', {}, 'Body ', h('input', { name: 'body', value: '{"hello":"dashboard"}', size: 24 })),
    h('label', {}, 'Delay (s) ', h('input', { name: 'delay', type: 'number', min: 0, value: 0, size: 5 })),
    h('button', { type: 'submit' }, 'Create test task'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const httpRequest = { url: f.get('url'), httpMethod: f.get('method') };
    if (f.get('body')) httpRequest.body = btoa(unescape(encodeURIComponent(f.get('body'))));
    const task = { httpRequest };
    const delay = Number(f.get('delay'));
    if (delay > 0) task.scheduleTime = new Date(Date.parse(live.stats.time) + delay * 1000).toISOString();
    try {
      const made = await api.createTask(name, task);
      notice(status, `Created ${shortName(made.name)}.`);
      after();
    } catch (err) {
      notice(status, `Create failed: ${err.message}`, true);
    }
  });
  return form;
}

// What became of an attempt, as a filter value: "2xx", "3xx", "4xx", "5xx", "deadline",
// "connection", "discarded", or "other" (a status outside 200-599, as /metrics' status_class, or
// an outcome this page does not know).
export function outcomeOf(a) {
  if (a.outcome === 'RESPONSE') {
    return a.httpStatus >= 200 && a.httpStatus < 600 ? `${Math.floor(a.httpStatus / 100)}xx` : 'other';
  }
  return { DEADLINE_EXCEEDED: 'deadline', CONNECTION_ERROR: 'connection', DISCARDED: 'discarded' }[a.outcome] ?? 'other';
}

export function outcomeText(a) {
  if (a.outcome === 'RESPONSE') return `HTTP ${a.httpStatus}`;
  return a.error ? `${a.outcome.toLowerCase().replace('_', ' ')}: ${a.error}` : a.outcome.toLowerCase().replace('_', ' ');
}

export const outcomeBadge = (a) => h('span', { class: `badge outcome-${outcomeOf(a)}` }, outcomeText(a));

// Every value outcomeOf gives, and "any".
const OUTCOMES = [['', 'Any outcome'], ['2xx', 'Success (2xx)'], ['3xx', 'Redirect (3xx)'],
  ['4xx', 'Client error (4xx)'], ['5xx', 'Server error (5xx)'], ['deadline', 'Deadline exceeded'],
  ['connection', 'Connection error'], ['discarded', 'Discarded'], ['other', 'Other']];

// The live feed of attempts across queues, newest first.
export function attemptsView(main) {
  document.title = 'Attempts · Cloud Tasks emulator';
  const queue = h('select', { id: 'feed-queue' });
  const outcome = h('select', { id: 'feed-outcome' }, OUTCOMES.map(([v, l]) => h('option', { value: v }, l)));
  const body = h('tbody');
  const count = h('p', { class: 'note', role: 'status' });
  const fillQueues = () => {
    const keep = queue.value;
    fill(queue, h('option', { value: '' }, 'Every queue'),
      (live.stats?.queues ?? []).map((q) => h('option', { value: q.name }, shortName(q.name))));
    queue.value = keep;
  };
  const draw = () => {
    const shown = live.attempts.filter((a) => (!queue.value || a.queue === queue.value) &&
      (!outcome.value || outcomeOf(a) === outcome.value)).slice(0, 200);
    fill(body, shown.length ? shown.map((a) => h('tr', {},
      h('td', {}, formatTime(a.responseTime ?? a.dispatchTime)),
      h('th', { scope: 'row' }, h('a', { href: taskHref(a.task) }, shortName(a.task))),
      h('td', {}, shortName(a.queue)), h('td', { class: 'num' }, a.attempt),
      h('td', {}, outcomeBadge(a)), h('td', { class: 'num' }, formatDuration(a.latency)),
      h('td', { class: 'url' }, `${a.method} ${a.url}`)))
      : h('tr', {}, h('td', { colspan: 7 }, 'No attempt has ended yet.')));
    count.textContent = `${shown.length} shown of the last ${live.attempts.length} attempts.`;
  };
  queue.addEventListener('change', draw);
  outcome.addEventListener('change', draw);
  fill(main, h('h1', {}, 'Attempts'),
    h('p', { class: 'note' }, 'Attempts as they end, across queues, newest first.'),
    h('div', { class: 'toolbar' }, h('label', { for: 'feed-queue' }, 'Queue '), queue,
      h('label', { for: 'feed-outcome' }, 'Outcome '), outcome),
    count,
    h('div', { class: 'scroll' }, table('Attempts that ended, newest first',
      ['Ended', 'Task', 'Queue', '#Attempt', 'Outcome', '#Latency', 'Request sent'], body)));
  fillQueues();
  draw();
  let pending = false;
  return {
    update: fillQueues,
    attempt() {  // Redraws at most once a frame, however many attempts arrive.
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; draw(); });
    },
  };
}

// The emulator's clock; under --clock manual, moving it and running until idle.
export function clockView(main) {
  document.title = 'Clock · Cloud Tasks emulator';
  const time = h('output', { id: 'clock-time' });
  const status = h('p', { role: 'status', class: 'notice' });
  const manual = live.clock?.mode === 'manual';
  const run = async (label, f) => {
    try {
      await f();
      notice(status, `${label}: done.`);
    } catch (err) {
      notice(status, `${label} failed: ${err.message}`, true);
    }
    live.stats = await api.stats();
    draw();
  };
  const advance = h('form', { class: 'inline-form', 'aria-label': 'Advance the clock' },
    // Any duration the API takes (90s, 30m, 1h30m, 500ms): it checks, and its message shows.
    h('label', {}, 'Advance by ', h('input', { name: 'duration', value: '60s', size: 8, required: true,
      title: 'A duration, such as 90s, 30m, 1h30m or 500ms' })),
    h('button', { type: 'submit' }, 'Advance'));
  advance.addEventListener('submit', (e) => {
    e.preventDefault();
    run('Advance', () => api.advanceClock(new FormData(advance).get('duration')));
  });
  const idle = h('button', { type: 'button', onclick: () => run('Run until idle', () => api.waitIdle('30s')) },
    'Run until idle');
  const draw = () => { time.textContent = formatTime(live.stats?.time); };
  fill(main, h('h1', {}, 'Clock'),
    h('dl', { class: 'settings' }, h('dt', {}, 'Mode'), h('dd', { id: 'clock-mode' }, live.clock?.mode ?? '—'),
      h('dt', {}, 'Emulated time (UTC)'), h('dd', {}, time)),
    manual ? h('section', { 'aria-labelledby': 'manual-heading' },
      h('h2', { id: 'manual-heading' }, 'Manual clock'), advance,
      h('p', {}, idle, ' dispatches every task, scheduled ones and retries included, moving the clock from one due time to the next (waitIdle with includeScheduled).'))
      : h('p', { class: 'note' }, 'The clock follows the system clock: start the emulator with --clock manual to move it from here.'),
    status);
  draw();
  return { update: draw };
}
