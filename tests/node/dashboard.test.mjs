// The dashboard (/ui) end to end in headless Chromium (Debian's chromium driven by playwright-core,
// no browser download): against the real emulator (manual clock) and cloud-tasks-worker, with
// tasks scheduled, due, in flight and retrying, it opens each page, performs each action and checks
// its effect through the REST API, checks that no console error occurred and keeps a screenshot of
// each page (dashboard-*.png in CTE_OUT_DIR). Also: unknown /ui paths, --ui=false, and a purge
// from a foreign origin.
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

let emulator, worker, slowWorker, browser, context, api;
const consoleErrors = [];

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
  api = rest(emulator.url);
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
  await context.route((url) => !url.href.startsWith(emulator.url),
    (route) => route.abort('blockedbyclient'));
});

after(async () => {
  await browser?.close();
  for (const p of [emulator, worker, slowWorker]) await stop(p);
});

async function open(hash) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${hash}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${hash}: ${e}`));
  page.on('requestfailed', (r) => {
    // A page closed with its event stream open cancels it: not an error.
    if (!r.url().endsWith('/emulator/v1/events')) consoleErrors.push(`${hash}: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(`${emulator.url}/ui/${hash}`);
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
  await page.selectOption('#feed-outcome', '');
  await page.selectOption('#feed-queue', '');
  await shot(page, 'attempts');
  await page.close();
});

test('clock: advance, then run until idle', async () => {
  const page = await open('#/clock');
  assert.equal(await page.locator('#clock-mode').textContent(), 'manual');
  const t0 = Date.parse((await api('GET', '/emulator/v1/clock')).body.time);
  await page.fill('input[name=duration]', '5s');
  await page.click('button:text("Advance")');
  await eventually(async () => Date.parse((await api('GET', '/emulator/v1/clock')).body.time) - t0 >= 5000, 'the advance');
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

test('no console error on any page', () => {
  assert.deepEqual(consoleErrors, []);
});

test('bad input: unknown /ui paths answer an HTML 404; a foreign purge is 403 and changes nothing', async () => {
  for (const p of ['/ui/nope', '/ui/vendor/x.js', '/ui/a/b/c']) {
    const r = await api('GET', p);
    assert.equal(r.status, 404, p);
    assert.match(r.type, /^text\/html/, p);
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
