// One queue: its counters and settings, its actions (pause, resume, purge, delete, a test task)
// and its tasks, paged, filtered by state and found by name.
import { api } from './api.js';
import { live } from './app.js';
import { h, fill, shortName, taskHref, formatTime, formatNumber, notice } from './dom.js';
import { STATES, table, stateBadge, settingsList, countersList, testTaskForm,
  actionButton } from './views.js';

const PAGE = 50;
// A filtered page may come back short with a token (each call looks at a bounded number of
// tasks): the page asks again, up to this many times, before it shows what it has.
const MAX_CALLS = 25;

function taskRow(entry) {
  const t = entry.task;
  return h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: taskHref(t.name) }, shortName(t.name))),
    h('td', {}, h('span', { class: `badge task-${entry.state}` },
      STATES.find(([v]) => v === entry.state)?.[1].toLowerCase() ?? entry.state)),
    h('td', {}, formatTime(t.scheduleTime)), h('td', { class: 'num' }, formatNumber(t.dispatchCount ?? 0)),
    h('td', { class: 'num' }, formatNumber(t.responseCount ?? 0)),
    h('td', {}, t.lastAttempt?.responseStatus ? (t.lastAttempt.responseStatus.message ?? 'OK') : '—'));
}

// The tasks part: filter, search, pages (a stack of the tokens that led to each page).
function tasksPanel(name) {
  const status = h('p', { role: 'status', class: 'notice' });
  const body = h('tbody');
  const select = h('select', { id: 'task-state' }, STATES.map(([v, l]) => h('option', { value: v }, l)));
  const search = h('input', { id: 'task-search', type: 'search', placeholder: 'task ID or full name' });
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Next page');
  const tokens = [''];
  let page = 0;
  let nextToken = '';
  const load = async () => {
    let token = tokens[page];
    const entries = [];
    for (let calls = 0; calls < MAX_CALLS && entries.length < PAGE; ++calls) {
      const r = await api.taskStates(name, select.value, token, PAGE - entries.length);
      entries.push(...r.tasks);
      token = r.nextPageToken ?? '';
      if (!token) break;
    }
    nextToken = token;
    fill(body, entries.length ? entries.map(taskRow)
      : h('tr', {}, h('td', { colspan: 6 }, nextToken ? 'None in this stretch of the queue: try the next page.' : 'No task.')));
    prev.disabled = page === 0;
    next.disabled = !nextToken;
  };
  const reload = () => load().catch((err) => notice(status, err.message, true));
  select.addEventListener('change', () => { tokens.length = 1; page = 0; reload(); });
  prev.addEventListener('click', () => { page -= 1; reload(); });
  next.addEventListener('click', () => { tokens[page + 1] = nextToken; page += 1; reload(); });
  const find = h('form', { class: 'inline-form', role: 'search', 'aria-label': 'Find a task by name' },
    h('label', { for: 'task-search' }, 'Find a task '), search, h('button', { type: 'submit' }, 'Find'));
  find.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = search.value.trim();
    if (!id) return;
    const full = id.includes('/tasks/') ? id : `${name}/tasks/${id}`;
    try {
      await api.getTask(full);
      location.hash = taskHref(full);
    } catch (err) {
      notice(status, `No task ${id}: ${err.message}`, true);
    }
  });
  const el = h('section', { 'aria-labelledby': 'tasks-heading' },
    h('h2', { id: 'tasks-heading' }, 'Tasks'),
    h('div', { class: 'toolbar' }, h('label', { for: 'task-state' }, 'State '), select, find),
    status,
    h('div', { class: 'scroll' }, table('Tasks of the queue, in creation order',
      ['Task', 'State', 'Schedule time', '#Dispatches', '#Responses', 'Last response'], body)),
    h('div', { class: 'pager' }, prev, next));
  return { el, reload };
}

function actions(name, status, after) {
  const act = (label, run, confirmText) => actionButton(status, label, run, confirmText, after);
  return h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Queue actions' },
    act('Pause', () => api.pauseQueue(name)),
    act('Resume', () => api.resumeQueue(name)),
    act('Purge', () => api.purgeQueue(name), `Purge every task of ${shortName(name)}?`),
    act('Delete queue', () => api.deleteQueue(name), `Delete the queue ${shortName(name)} and its tasks?`));
}

export function queueView(main, name) {
  document.title = `${shortName(name)} · Cloud Tasks emulator`;
  const status = h('p', { role: 'status', class: 'notice', id: 'queue-status' });
  const tiles = h('div', { class: 'tiles' });
  const settings = h('div');
  const spark = h('div', { class: 'spark-large' });
  const tasks = tasksPanel(name);
  const redraw = () => {
    const s = live.stats?.queues.find((q) => q.name === name);
    fill(tiles, countersList(s));
    fill(settings, settingsList(live.queues.get(name)));
  };
  const after = async (label) => {
    if (label === 'Delete queue') {
      location.hash = '#/queues';
      return;
    }
    await live.refreshQueues();
    redraw();
    tasks.reload();
  };
  fill(main, h('h1', {}, shortName(name)), h('p', { class: 'meta' }, name),
    actions(name, status, after), status,
    h('section', { 'aria-label': 'Counters' }, tiles),
    h('div', { class: 'pair' },
      h('section', { 'aria-labelledby': 'settings-heading' }, h('h2', { id: 'settings-heading' }, 'Settings'), settings),
      h('section', { 'aria-labelledby': 'rate-heading' }, h('h2', { id: 'rate-heading' }, 'Dispatch rate'), spark,
        h('section', { 'aria-labelledby': 'test-heading' }, h('h2', { id: 'test-heading' }, 'Test task'),
          testTaskForm(name, status, () => tasks.reload())))),
    tasks.el);
  const mountSpark = () => {
    if (!spark.firstChild) live.sparklines.get(name)?.mount(spark, Math.max(200, spark.clientWidth - 18), 120);
  };
  redraw();
  mountSpark();
  tasks.reload();
  let last = '';
  return {
    update() {
      redraw();
      mountSpark();
      const s = live.stats?.queues.find((q) => q.name === name);
      const key = s ? `${s.tasksWaiting}/${s.inFlight}/${s.dispatched}` : '';
      if (key !== last) {  // Tasks changed: read the page again.
        last = key;
        tasks.reload();
      }
    },
  };
}
