// The emulator's public API and /emulator/v1, the only things the dashboard calls: nothing here
// can do what a client cannot. Errors carry Google's message.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(json.error?.message ?? response.statusText, response.status);
  return json;
}

const v2 = (name) => `/v2/${name.split('/').map(encodeURIComponent).join('/')}`;
const query = (params) => new URLSearchParams(
  Object.entries(params).filter(([, v]) => v != null && v !== '')).toString();

// Every item of a paged list: `page(token)` reads one page, and nextPageToken is followed for at
// most `maxPages` pages. Resolves {items, more}, `more` when a token was left unfollowed.
async function allPages(page, key, maxPages = Infinity) {
  const items = [];
  let token;
  for (let n = 0; n < maxPages; ++n) {
    const r = await page(token);
    items.push(...(r[key] ?? []));
    token = r.nextPageToken;
    if (!token) return { items, more: false };
  }
  return { items, more: true };
}

// The project and location part of a queue name.
export const parentOf = (queue) => queue.split('/').slice(0, 4).join('/');

export const api = {
  stats: () => call('GET', '/emulator/v1/stats'),
  clock: () => call('GET', '/emulator/v1/clock'),
  advanceClock: (duration) => call('POST', '/emulator/v1/clock:advance', { duration }),
  waitIdle: (timeout) => call('POST', '/emulator/v1:waitIdle', { includeScheduled: true, timeout }),
  // Every queue of a location, page after page: {items, more}.
  listQueues: (parent) => allPages((pageToken) =>
    call('GET', `${v2(parent)}/queues?${query({ pageSize: 1000, pageToken })}`), 'queues'),
  getQueue: (name) => call('GET', v2(name)),
  pauseQueue: (name) => call('POST', `${v2(name)}:pause`, {}),
  resumeQueue: (name) => call('POST', `${v2(name)}:resume`, {}),
  purgeQueue: (name) => call('POST', `${v2(name)}:purge`, {}),
  deleteQueue: (name) => call('DELETE', v2(name)),
  createTask: (queue, task) => call('POST', `${v2(queue)}/tasks`, { task }),
  getTask: (name) => call('GET', `${v2(name)}?responseView=FULL`),
  runTask: (name) => call('POST', `${v2(name)}:run`, {}),
  deleteTask: (name) => call('DELETE', v2(name)),
  // A page of a queue's tasks with their states (docs/harness.md): a page may be short and still
  // have a nextPageToken, since each call looks at a bounded number of tasks.
  taskStates: (queue, state, pageToken, pageSize = 50) =>
    call('GET', `/emulator/v1/tasks?${query({ queue, state, pageToken, pageSize })}`),
  // A task's attempts, oldest first: the first `maxPages` pages of 1,000, {items, more}.
  attempts: (task, maxPages) => allPages((pageToken) =>
    call('GET', `/emulator/v1/attempts?${query({ task, pageSize: 1000, pageToken })}`), 'attempts', maxPages),
};

// Live updates: one stream of server-sent events for the whole dashboard (/emulator/v1/events):
// `onStats(stats)` each second, `onAttempt(attempt)` for each attempt that ended. Where the
// stream cannot be had, the stats are polled every 2 s instead (and attempts are not fed).
export function subscribe({ onStats, onAttempt, onMode }) {
  let poller = null;
  const poll = () => {
    onMode?.('polling');
    const tick = () => api.stats().then(onStats).catch(() => {});
    tick();
    poller = setInterval(tick, 2000);
  };
  if (typeof EventSource === 'undefined') {
    poll();
    return;
  }
  const source = new EventSource('/emulator/v1/events');
  source.addEventListener('open', () => onMode?.('live'));
  source.addEventListener('stats', (e) => onStats(JSON.parse(e.data)));
  source.addEventListener('attempt', (e) => onAttempt(JSON.parse(e.data)));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED && poller === null) poll();
    else onMode?.('reconnecting');
  });
}
