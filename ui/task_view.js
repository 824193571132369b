// One task: its request (method, URL, headers, body in FULL view, as JSON when it is JSON), its
// schedule, every attempt with the headers sent, the outcome and the latency; run now, delete.
import { api } from './api.js';
import { live } from './app.js';
import { h, fill, shortName, queueHref, formatTime, formatDuration, formatNumber } from './dom.js';
import { actionButton, outcomeBadge } from './views.js';

// The body's text, pretty-printed when it is JSON; "(binary)" when it is not UTF-8.
function bodyText(base64) {
  if (!base64) return { text: '(empty)', json: false };
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { text: `(${bytes.length} bytes, not UTF-8)`, json: false };
  }
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

const headerList = (headers) => h('dl', { class: 'headers' },
  Object.entries(headers ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

function requestPart(task, sentUrl) {
  const r = task.httpRequest ?? task.appEngineHttpRequest ?? {};
  const body = bodyText(r.body);
  return h('section', { 'aria-labelledby': 'request-heading' },
    h('h2', { id: 'request-heading' }, 'Request'),
    h('dl', { class: 'settings' },
      h('dt', {}, 'Method'), h('dd', {}, r.httpMethod ?? 'POST'),
      h('dt', {}, 'URL'), h('dd', { class: 'url' }, r.url ?? r.relativeUri ?? '—'),
      h('dt', {}, 'Sent to (after --rewrite)'), h('dd', { class: 'url', id: 'sent-url' }, sentUrl ?? 'not sent yet')),
    h('h3', {}, 'Headers'), headerList(r.headers),
    h('h3', {}, body.json ? 'Body (JSON)' : 'Body'), h('pre', { class: 'body', tabindex: 0 }, body.text));
}

function schedulePart(task) {
  const rows = [['Schedule time', formatTime(task.scheduleTime)], ['Created', formatTime(task.createTime)],
    ['Dispatch deadline', formatDuration(task.dispatchDeadline)], ['Dispatches', formatNumber(task.dispatchCount ?? 0)],
    ['Responses', formatNumber(task.responseCount ?? 0)],
    ['First attempt', formatTime(task.firstAttempt?.dispatchTime)], ['Last attempt', formatTime(task.lastAttempt?.dispatchTime)]];
  return h('section', { 'aria-labelledby': 'schedule-heading' }, h('h2', { id: 'schedule-heading' }, 'Schedule'),
    h('dl', { class: 'settings' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

// The attempts the page reads at most: so many pages of 1,000 (a task retried every second for
// almost three hours); the page says when there are more.
const ATTEMPT_PAGES = 10;

function attemptsPart(attempts, more) {
  return h('section', { 'aria-labelledby': 'attempts-heading' }, h('h2', { id: 'attempts-heading' }, 'Attempts'),
    more && h('p', { class: 'note', id: 'attempts-more' },
      `Only the first ${formatNumber(attempts.length)} attempts are shown: the task has more (GET /emulator/v1/attempts lists them all).`),
    attempts.length ? h('table', {}, h('caption', {}, more ? 'The first attempts, oldest first' : 'Every attempt, oldest first'),
      h('thead', {}, h('tr', {}, ['Attempt', 'Dispatched', 'Outcome', 'Latency', 'Headers sent'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, attempts.map((a) => h('tr', {},
        h('th', { scope: 'row' }, a.duplicate ? `${a.attempt} (duplicate)` : a.attempt),
        h('td', {}, formatTime(a.dispatchTime)), h('td', {}, outcomeBadge(a)),
        h('td', {}, formatDuration(a.latency)),
        h('td', {}, h('details', {}, h('summary', {}, `${a.headers.length} headers`),
          headerList(Object.fromEntries(a.headers.map((x) => [x.name, x.value])))))))))
      : h('p', {}, 'No attempt yet.'));
}

export function taskView(main, name) {
  document.title = `${shortName(name)} · Cloud Tasks emulator`;
  const status = h('p', { role: 'status', class: 'notice' });
  const content = h('div');
  const queue = name.slice(0, name.indexOf('/tasks/'));
  let gone = false;
  let loading = false;  // A read is under way; `again`: another must follow it.
  let again = false;
  const read = async () => {
    try {
      const [task, log] = await Promise.all([api.getTask(name), api.attempts(name, ATTEMPT_PAGES)]);
      const attempts = log.items;
      fill(content, requestPart(task, attempts.at(-1)?.url), schedulePart(task), attemptsPart(attempts, log.more));
    } catch (err) {
      gone = err.status === 404;
      fill(content, h('p', { class: 'notice error' }, gone ? 'This task is gone (succeeded, given up or deleted).' : err.message));
    }
  };
  // Attempts that end while the task is read (up to ten pages of them) bring one more read, not one each.
  const load = async () => {
    if (gone) return;
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    await read();
    loading = false;
    if (again) {
      again = false;
      load();
    }
  };
  // Deleted: back to its queue; run: read the task again.
  const act = (label, run, confirmText) => actionButton(status, label, run, confirmText, () => {
    if (confirmText) location.hash = queueHref(queue);
    else load();
  });
  fill(main, h('h1', {}, shortName(name)),
    h('p', { class: 'meta' }, 'In queue ', h('a', { href: queueHref(queue) }, shortName(queue))),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Task actions' },
      act('Run now', () => api.runTask(name)),
      act('Delete task', () => api.deleteTask(name), `Delete the task ${shortName(name)}?`)),
    status, content);
  load();
  return {
    attempt(a) {
      if (a.task === name) load();
    },
  };
}
