// The dashboard (/ui) end to end in headless Chromium (Debian's chromium driven by playwright-core,
// no browser download): against the real emulator (manual clock) and cloud-tasks-worker, with
// tasks scheduled, due, in flight and retrying, it opens each page, performs each action and checks
// its effect through the REST API, checks that no console error occurred and keeps a screenshot of
// each page (dashboard-*.png in CTE_OUT_DIR). Also: unknown /ui paths and other methods, --ui=false,
// a purge from a foreign origin, and a second emulator with more than a page of queues and a task
// with more than a page of attempts.
//
// Environment: CTE_EMULATOR_BIN, CTE_WORKER_BIN, CTE_OUT_DIR; CTE_CHROMIUM (default
// /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { start, stop, rest, eventually } from './dashboard_procs.mjs';

const CHROMIUM = process.env.CTE_CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.CTE_OUT_DIR ?? '.';
const PARENT = 'projects/dash/locations/us-central1';
const q = (id) => `${PARENT}/queues/${id}`;
const t = (queue, id) => `${q(queue)}/tasks/${id}`;
const JSON_BODY = Buffer.from('{"image":"cat.png","size":[512,512]}').toString('base64');

let emulator, worker, slowWorker, redirectWorker, oddWorker, browser, context, api;
const consoleErrors = [];
const origins = [];  // The emulators the pages may reach; nothing else.

async function makeQueue(id, extra = {}) {
  const r = await api('POST', `/v2/${PARENT}/queues`, {
    name: q(id),
    rateLimits: { maxDispatchesPerSecond: 5, maxBurstSize: 10, maxConcurrentDispatches: 20 },
    retryConfig: { maxAttempts: 5, minBackoff: '10s', maxBackoff: '60s' }, ...extra,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function makeTask(queue, id, url, extra = {}) {
  const r = await api('POST', `/v2/${q(queue)}/tasks`, {
    task: { name: t(queue, id), httpRequest: { url, body: JSON_BODY, headers: { 'Content-Type': 'application/json' } }, ...extra },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

const stateOf = async (queue, state) =>
  (await api('GET', `/emulator/v1/tasks?queue=${encodeURIComponent(q(queue))}&state=${state}`)).body.tasks ?? [];

before(async () => {
  emulator = await start(process.env.CTE_EMULATOR_BIN,
    ['--port', '0', '--db', ':memory:', '--clock', 'manual', '--log-level', 'warn']);
  worker = await start(process.env.CTE_WORKER_BIN, ['--respond', '503', '200']);
  slowWorker = await start(process.env.CTE_WORKER_BIN, ['--latency', '120s']);
  redirectWorker = await start(process.env.CTE_WORKER_BIN, ['--respond', '302,200']);
  oddWorker = await start(process.env.CTE_WORKER_BIN, ['--respond', '600,200']);  // Outside 200-599.
  api = rest(emulator.url);
  origins.push(emulator.url);
  // main: a task that failed once (retrying: the clock waits), one for an hour later (scheduled).
  await makeQueue('main');
  await makeTask('main', 'retry-me', `${worker.url}/work`);
  await makeTask('main', 'later', `${worker.url}/work`,
    { scheduleTime: new Date(Date.now() + 3600_000).toISOString() });
  // slow: a task whose worker takes two minutes (in flight).
  await makeQueue('slow');
  await makeTask('slow', 'slow-1', `${slowWorker.url}/work`);
  // held: paused, with tasks due.
  await makeQueue('held');
  await api('POST', `/v2/${q('held')}:pause`, {});
  for (const id of ['due-1', 'due-2', 'due-3']) await makeTask('held', id, `${worker.url}/work`);
  await eventually(async () => (await stateOf('main', 'retrying')).length === 1, 'a retrying task');
  await eventually(async () => (await stateOf('slow', 'inFlight')).length === 1, 'a task in flight');
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  // Nothing beyond the emulator: the dashboard works offline.
  await context.route((url) => !origins.some((o) => url.href.startsWith(o)),
    (route) => route.abort('blockedbyclient'));
});

after(async () => {
  await browser?.close();
  for (const p of [emulator, worker, slowWorker, redirectWorker, oddWorker]) await stop(p);
});

async function open(hash, base = emulator.url) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${hash}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${hash}: ${e}`));
  page.on('requestfailed', (r) => {
    // A page closed with its event stream open cancels it: not an error.
    if (!r.url().endsWith('/emulator/v1/events')) consoleErrors.push(`${hash}: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(`${base}/ui/${hash}`);
  await page.waitForSelector('h1');
  return page;
}

const shot = (page, name) => page.screenshot({ path: path.join(OUT, `dashboard-${name}.png`), fullPage: true });

test('queues: every queue with its state, limits, counters and a live sparkline', async () => {
  const page = await open('#/queues');
  for (const id of ['main', 'slow', 'held']) {
    await page.locator(`tr[data-queue="${q(id)}"]`).waitFor();
  }
  const held = page.locator(`tr[data-queue="${q('held')}"]`);
  await assert.doesNotReject(held.locator('text=paused').waitFor());
  assert.equal(await held.locator('[data-field=tasksWaiting]').textContent(), '3');
  assert.match(await held.locator('[data-field=rate]').textContent(), /^5\/s · \d+ · 20$/);
  const slow = page.locator(`tr[data-queue="${q('slow')}"]`);
  assert.equal(await slow.locator('[data-field=inFlight]').textContent(), '1');
  assert.equal(await page.locator('td.spark canvas').count(), 3);
  await page.locator('#live-mode[data-mode="live"]').waitFor();  // The event stream is open.
  // Keyboard: the first Tab reaches the skip link, then the navigation.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Queues');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('h1:text("Attempts")');
  await page.goBack();
  await page.waitForSelector('h1:text("Queues")');
  await shot(page, 'queues');
  await page.close();
});

test('keyboard: the skip link moves focus to the content and keeps the page', async () => {
  const page = await open('#/queues');
  await page.locator(`tr[data-queue="${q('main')}"]`).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => location.hash), '#/queues');
  assert.equal(await page.locator('h1').textContent(), 'Queues');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.keyboard.press('Tab');  // On into the content: the first queue's link.
  assert.equal(await page.evaluate(() => document.activeElement.closest('main') !== null), true);
  await page.close();
});

test("a sparkline's text alternative follows the rate it draws", async () => {
  await makeQueue('odd');
  const page = await open(`#/queue/${encodeURIComponent(q('odd'))}`);
  const chart = page.locator('.spark-large[role=img]');
  await chart.waitFor();
  assert.match(await chart.getAttribute('aria-label'), /: 0\.0 dispatches per second over the last 10 s; limit 5$/);
  // Two attempts within 10 s of emulated time (the clock stands still): 0.2 a second.
  await makeTask('odd', 'redirect-1', `${redirectWorker.url}/work`);
  await makeTask('odd', 'odd-1', `${oddWorker.url}/work`);
  await eventually(async () => /: 0\.2 dispatches per second over the last 10 s; limit 5$/.test(
    await chart.getAttribute('aria-label')), 'the label of the new rate');
  await page.close();
});

test("a queue's settings: its HTTP target and App Engine routing override, when set", async () => {
  await makeQueue('targeted', {
    httpTarget: {
      uriOverride: { host: 'worker.internal', port: '8080', pathOverride: { path: '/v1/run' }, uriOverrideEnforceMode: 'IF_NOT_EXISTS' },
      httpMethod: 'PUT', headerOverrides: [{ header: { key: 'X-Env', value: 'dev' } }, { header: { key: 'X-Team', value: 'tasks' } }],
      oidcToken: { serviceAccountEmail: 'runner@dash.iam.gserviceaccount.com', audience: 'https://worker.internal' },
    },
    appEngineRoutingOverride: { service: 'worker', version: 'v2' },
  });
  const page = await open(`#/queue/${encodeURIComponent(q('targeted'))}`);
  const settings = page.locator('dl.settings');
  await settings.locator('dd:text("RUNNING")').waitFor();
  const rows = Object.fromEntries(await settings.evaluate((dl) =>
    [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  assert.equal(rows['HTTP target: URI override'], 'host worker.internal · port 8080 · path /v1/run · mode IF_NOT_EXISTS');
  assert.equal(rows['HTTP target: method'], 'PUT');
  assert.equal(rows['HTTP target: headers'], 'X-Env: dev; X-Team: tasks');
  assert.equal(rows['HTTP target: token'], 'OIDC as runner@dash.iam.gserviceaccount.com, audience https://worker.internal');
  assert.match(rows['App Engine routing override'], /^service worker · version v2/);
  // A queue without them shows no such row.
  await page.goto(`${emulator.url}/ui/#/queue/${encodeURIComponent(q('main'))}`);
  await page.locator('dl.settings dd:text("RUNNING")').waitFor();
  assert.equal(await page.locator('dl.settings dt:text("HTTP target")').count(), 0);
  assert.equal(await page.locator('dl.settings dt:text("App Engine")').count(), 0);
  await page.close();
});

test('a queue: tasks by state, find by name, pause, resume, test task, purge with confirmation', async () => {
  const page = await open(`#/queue/${encodeURIComponent(q('main'))}`);
  const rows = page.locator('#tasks-heading ~ .scroll tbody tr');
  await page.locator('tbody >> text=retry-me').waitFor();
  assert.equal(await rows.count(), 2);
  await page.selectOption('#task-state', 'retrying');
  await eventually(async () => (await rows.count()) === 1 && (await rows.first().textContent()).includes('retry-me'), 'the retrying filter');
  await page.selectOption('#task-state', 'scheduled');
  await eventually(async () => (await rows.first().textContent()).includes('later'), 'the scheduled filter');
  await page.selectOption('#task-state', 'inFlight');
  await eventually(async () => (await rows.first().textContent()).includes('No task'), 'the in-flight filter');
  await page.selectOption('#task-state', '');
  await eventually(async () => (await rows.count()) === 2, 'every state again');
  await shot(page, 'queue');
  await page.fill('#task-search', 'later');
  await page.click('button:text("Find")');
  await page.waitForSelector('h1:text("later")');
  await page.close();

  const held = await open(`#/queue/${encodeURIComponent(q('held'))}`);
  await held.selectOption('#task-state', 'due');
  await eventually(async () => (await held.locator('tbody >> text=due-').count()) === 3, 'three due tasks');
  // Resume, then pause again: the API sees each.
  await held.click('button:text("Resume")');
  await eventually(async () => (await api('GET', `/v2/${q('held')}`)).body.state === 'RUNNING', 'resumed');
  await held.click('button:text("Pause")');
  await eventually(async () => (await api('GET', `/v2/${q('held')}`)).body.state === 'PAUSED', 'paused');
  // A test task, 600 s ahead so that nothing sends it.
  const before = (await api('GET', `/v2/${q('held')}/tasks`)).body.tasks?.length ?? 0;
  await held.fill('input[name=delay]', '600');
  await held.click('button:text("Create test task")');
  await eventually(async () => ((await api('GET', `/v2/${q('held')}/tasks`)).body.tasks?.length ?? 0) === before + 1, 'the test task');
  // Purge asks first: Cancel keeps the tasks, the purge button in the dialog purges.
  await held.click('button:text("Purge")');
  await held.click('dialog button:text("Cancel")');
  assert.equal((await api('GET', `/v2/${q('held')}/tasks`)).body.tasks.length, before + 1);
  await held.click('button:text("Purge")');
  await held.click('dialog button[data-confirm]');
  await eventually(async () => !(await api('GET', `/v2/${q('held')}/tasks`)).body.tasks, 'the purge');
  await held.close();
});

test('delete a queue, with a confirmation', async () => {
  await makeQueue('doomed');
  const page = await open(`#/queue/${encodeURIComponent(q('doomed'))}`);
  await page.click('button:text("Delete queue")');
  await page.waitForSelector('dialog[open]');
  await page.keyboard.press('Escape');  // The dialog is keyboard operable: Escape cancels.
  assert.equal((await api('GET', `/v2/${q('doomed')}`)).status, 200);
  await page.click('button:text("Delete queue")');
  await page.click('dialog button[data-confirm]');
  await eventually(async () => (await api('GET', `/v2/${q('doomed')}`)).status === 404, 'the deletion');
  await page.waitForSelector('h1:text("Queues")');
  await page.close();
});

test('a task: request, body as JSON, attempts with headers; run now; delete', async () => {
  const page = await open(`#/task/${encodeURIComponent(t('main', 'retry-me'))}`);
  await page.waitForSelector('h2:text("Attempts")');
  assert.match(await page.locator('pre.body').textContent(), /"image": "cat.png"/);
  assert.equal(await page.locator('h3:text("Body (JSON)")').count(), 1);
  assert.match(await page.locator('#sent-url').textContent(), new RegExp(`${worker.url}/work`));
  const attempt = page.locator('table tbody tr').first();
  assert.match(await attempt.textContent(), /HTTP 503/);
  await attempt.locator('summary').click();
  assert.match(await attempt.locator('dl.headers').textContent(), /X-CloudTasks-TaskName/);
  await shot(page, 'task');
  await page.close();

  const later = await open(`#/task/${encodeURIComponent(t('main', 'later'))}`);
  await later.click('button:text("Run now")');
  await eventually(async () => (await api('GET', `/v2/${t('main', 'later')}`)).body.dispatchCount >= 1, 'run now');
  await later.locator('table tbody tr').first().waitFor();
  await later.click('button:text("Delete task")');
  await later.click('dialog button[data-confirm]');
  await eventually(async () => (await api('GET', `/v2/${t('main', 'later')}`)).status === 404, 'the task deletion');
  await later.waitForSelector('h1:text("main")');  // Back to its queue.
  await later.close();
});

test('attempts: a live feed across queues, filtered by queue and outcome', async () => {
  const page = await open('#/attempts');
  await page.locator('tbody >> text=HTTP 503').first().waitFor();
  await makeTask('main', 'fresh', `${worker.url}/work`);  // Ends while the page is open.
  await page.locator('tbody >> text=fresh').waitFor();
  await page.selectOption('#feed-outcome', '5xx');
  const rows = page.locator('tbody tr');
  for (const text of await rows.allTextContents()) assert.match(text, /HTTP 503/);
  await page.selectOption('#feed-queue', q('slow'));
  assert.match(await rows.first().textContent(), /No attempt/);
  await page.selectOption('#feed-queue', '');
  // A redirect is a failure of its own class; a status outside 200-599 is "other" (/metrics' status_class).
  await page.selectOption('#feed-outcome', '3xx');
  assert.deepEqual((await rows.allTextContents()).map((t) => /redirect-1.*HTTP 302/.test(t)), [true]);
  await page.selectOption('#feed-outcome', 'other');
  assert.deepEqual((await rows.allTextContents()).map((t) => /odd-1.*HTTP 600/.test(t)), [true]);
  await page.selectOption('#feed-outcome', '');
  await page.selectOption('#feed-queue', '');
  await shot(page, 'attempts');
  await page.close();
});

test('clock: advance, then run until idle', async () => {
  const page = await open('#/clock');
  assert.equal(await page.locator('#clock-mode').textContent(), 'manual');
  const t0 = Date.parse((await api('GET', '/emulator/v1/clock')).body.time);
  // Any duration the API takes; what it refuses, its message says why.
  await page.fill('input[name=duration]', '1m30s');
  await page.click('button:text("Advance")');
  await eventually(async () => Date.parse((await api('GET', '/emulator/v1/clock')).body.time) - t0 >= 90_000, 'the advance');
  await page.locator('p.notice[role=status]:text("Advance: done.")').waitFor();
  const refusal = (await api('POST', '/emulator/v1/clock:advance', { duration: 'soon' })).body.error.message;
  const seen = consoleErrors.length;
  await page.fill('input[name=duration]', 'soon');
  await page.click('button:text("Advance")');
  await page.locator('p.notice.error[role=status]').waitFor();
  assert.equal(await page.locator('p.notice[role=status]').textContent(), `Advance failed: ${refusal}`);
  // The browser logs the refused request itself: that one is expected.
  await eventually(async () => consoleErrors.length > seen, "the browser's log of the 400");
  assert.deepEqual(consoleErrors.splice(seen).map((e) => /status of 400/.test(e)), [true]);
  // The request in flight for two minutes would hold waitIdle: its worker goes, and the task.
  await stop(slowWorker);
  assert.equal((await api('DELETE', `/v2/${t('slow', 'slow-1')}`)).status, 200);
  await page.click('button:text("Run until idle")');
  const status = page.locator('p.notice[role=status]');
  await page.locator('p.notice[role=status]:text("Run until idle")').waitFor({ timeout: 40_000 });
  assert.equal(await status.textContent(), 'Run until idle: done.');
  // retry-me and fresh had their 200: nothing is left in main.
  assert.equal((await api('GET', `/v2/${t('main', 'retry-me')}`)).status, 404);
  assert.equal((await api('GET', `/v2/${q('main')}/tasks`)).body.tasks, undefined);
  await shot(page, 'clock');
  await page.close();
});

test('bad input: unknown /ui paths answer an HTML 404; a foreign purge is 403 and changes nothing', async () => {
  for (const p of ['/ui/nope', '/ui/vendor/x.js', '/ui/a/b/c']) {
    const r = await api('GET', p);
    assert.equal(r.status, 404, p);
    assert.match(r.type, /^text\/html/, p);
  }
  // Every method under /ui answers from the dashboard: HEAD as GET without the body, others 405.
  for (const [method, p, status] of [['HEAD', '/ui', 200], ['HEAD', '/ui/app.js', 200], ['HEAD', '/ui/nope', 404],
    ['POST', '/ui/x', 405], ['DELETE', '/ui', 405], ['PUT', '/ui/index.html', 405]]) {
    const r = await fetch(emulator.url + p, { method });
    assert.equal(r.status, status, `${method} ${p}`);
    assert.match(r.headers.get('content-type'), /^text\/(html|javascript)/, `${method} ${p}`);
    assert.equal(r.headers.get('allow'), status === 405 ? 'GET, HEAD' : null, `${method} ${p}`);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', `${method} ${p}`);
    const body = await r.text();
    if (method === 'HEAD') {
      assert.equal(body, '');
      const get = await fetch(emulator.url + p);
      assert.equal(r.headers.get('content-length'), String((await get.arrayBuffer()).byteLength));
    } else {
      assert.match(body, /<h1>Method not allowed<\/h1>/);
    }
  }
  await makeTask('held', 'kept', `${worker.url}/work`);
  const host = new URL(emulator.url).host;
  const foreign = await api('POST', `/v2/${q('held')}:purge`, {}, { Origin: 'http://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.body.error.status, 'PERMISSION_DENIED');
  const cross = await api('DELETE', `/v2/${t('held', 'kept')}`, undefined, { 'Sec-Fetch-Site': 'cross-site' });
  assert.equal(cross.status, 403);
  assert.equal((await api('GET', `/v2/${q('held')}/tasks`)).body.tasks.length, 1);
  const same = await api('POST', `/v2/${q('held')}:purge`, {}, { Origin: `http://${host}` });
  assert.equal(same.status, 200);
});

test('--ui=false: no dashboard', async () => {
  const off = await start(process.env.CTE_EMULATOR_BIN, ['--port', '0', '--db', ':memory:', '--ui=false']);
  try {
    const r = await rest(off.url)('GET', '/ui/');
    assert.equal(r.status, 404);
    assert.equal((await rest(off.url)('GET', '/emulator/v1/healthz')).status, 200);
  } finally {
    await stop(off);
  }
});

// More than a page of queues (ListQueues gives 1,000 a page to the dashboard) and a task with more
// than a page of attempts (1,000): a second emulator whose time runs 200 times faster, so that a
// task retried every 0.1 s makes its thousand attempts in a few seconds.
test('more than a page: queues beyond the first 1,000, attempts beyond the first 1,000', async () => {
  const big = await start(process.env.CTE_EMULATOR_BIN,
    ['--port', '0', '--db', ':memory:', '--time-scale', '200', '--log-level', 'warn']);
  origins.push(big.url);
  const call = rest(big.url);
  const parent = 'projects/big/locations/us-central1';
  try {
    const ids = Array.from({ length: 1001 }, (_, i) => `q${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map(async (id) => {
        const r = await call('POST', `/v2/${parent}/queues`, {
          name: `${parent}/queues/${id}`, retryConfig: { maxAttempts: -1, minBackoff: '0.1s', maxBackoff: '0.1s' },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }));
    }
    const first = (await call('GET', `/v2/${parent}/queues?pageSize=1000`)).body;
    assert.ok(first.nextPageToken);
    const onFirst = new Set(first.queues.map((x) => x.name));
    const beyond = ids.map((id) => `${parent}/queues/${id}`).find((n) => !onFirst.has(n));
    // One task, failing again and again, until it has more than a page of attempts; then the queue
    // is paused, and the page must show each attempt.
    const failing = await start(process.env.CTE_WORKER_BIN, ['--respond', '503']);
    const task = `${beyond}/tasks/many`;
    try {
      assert.equal((await call('POST', `/v2/${beyond}/tasks`, { task: { name: task, httpRequest: { url: `${failing.url}/work` } } })).status, 200);
      await eventually(async () => (await call('GET', `/v2/${task}`)).body.dispatchCount > 1010, 'over 1,000 attempts', 60_000);
      assert.equal((await call('POST', `/v2/${beyond}:pause`, {})).status, 200);
      await eventually(async () => (await call('GET', '/emulator/v1/stats')).body.queues.find((x) => x.name === beyond).inFlight === 0, 'no attempt in flight');
    } finally {
      await stop(failing);
    }
    const attempts = (await call('GET', `/emulator/v1/attempts?task=${encodeURIComponent(task)}&pageSize=10000`)).body.attempts;
    assert.ok(attempts.length > 1000);

    const page = await open(`#/task/${encodeURIComponent(task)}`, big.url);
    const rows = page.locator('#attempts-heading ~ table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), attempts.length);
    assert.equal(await page.locator('#attempts-more').count(), 0);
    assert.equal(await page.locator('#attempts-heading ~ table caption').textContent(), 'Every attempt, oldest first');
    // The queue beyond ListQueues' first page has its settings on its page.
    await page.goto(`${big.url}/ui/#/queue/${encodeURIComponent(beyond)}`);
    await page.locator('dl.settings dd:text("PAUSED")').waitFor();
    await page.close();
  } finally {
    await stop(big);
  }
});

test('no console error on any page', () => {
  assert.deepEqual(consoleErrors, []);
});
