// The Node test helper against the real emulator binary ($CLOUD_TASKS_EMULATOR_BIN, which CTest
// sets): starting and stopping it, the clients it hands out over both transports, a dispatch to
// a worker seen through the harness, the manual clock, reset, $CLOUD_TASKS_EMULATOR_HOST, and the
// errors of a start that fails.
//
//   CLOUD_TASKS_EMULATOR_BIN=build/bin/cloud-tasks-emulator node --test client/node/test/
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, connectEmulator, cloudTasksClient, EmulatorAuthClient, EmulatorError } from '../index.mjs';

// These tests choose for themselves whether an emulator is given by address.
const givenHost = process.env.CLOUD_TASKS_EMULATOR_HOST;
delete process.env.CLOUD_TASKS_EMULATOR_HOST;
after(() => {
  if (givenHost !== undefined) process.env.CLOUD_TASKS_EMULATOR_HOST = givenHost;
});

const LOCATION = 'europe-west1';
const PROJECT = 'api-ai-blog-writer';
const NOT_FOUND = 5;

// Runs fn with some environment variables set (undefined: unset), then puts them back.
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

// A worker on 127.0.0.1 that answers 200 and keeps what it got.
function startWorker() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    received,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}

async function createQueue(client, id, extra = {}) {
  const [queue] = await client.createQueue({
    parent: client.locationPath(PROJECT, LOCATION),
    queue: { name: client.queuePath(PROJECT, LOCATION, id), ...extra },
  });
  return queue;
}

function httpTask(url, body, more = {}) {
  return {
    httpRequest: { url, httpMethod: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(body) },
    ...more,
  };
}

// Awaits a call that must fail with `code`; returns the error.
async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected an error with code ${code}`);
}

let worker;
before(async () => {
  assert.ok(process.env.CLOUD_TASKS_EMULATOR_BIN, 'CLOUD_TASKS_EMULATOR_BIN must name the emulator binary');
  worker = await startWorker();
});
after(() => worker.close());

test('starts the binary on a free port of 127.0.0.1 and stops it', async () => {
  const emulator = await startEmulator();
  assert.match(emulator.host, /^127\.0\.0\.1:\d+$/);
  assert.equal(emulator.url, `http://${emulator.host}`);
  assert.ok(emulator.process.pid > 0);
  assert.equal((await emulator.clock()).mode, 'system');
  assert.match(emulator.log(), / listening on http:\/\/127\.0\.0\.1:\d+, database :memory:/);

  await emulator.stop();
  // SIGTERM: the emulator shuts down cleanly (code 0) and its port is closed.
  assert.equal(emulator.process.exitCode, 0);
  const err = await rejectsWith(emulator.stats(), 14);
  assert.ok(err instanceof EmulatorError);
  await emulator.stop(); // A second stop is harmless.
});

test('Symbol.asyncDispose stops it as stop() does', async () => {
  const emulator = await startEmulator();
  // The emulator prints its ready line just before it installs its SIGTERM handler (main.cc, then
  // App::Run), and starts serving just after: once it has answered, a SIGTERM is a clean stop.
  await emulator.clock();
  await emulator[Symbol.asyncDispose]();
  assert.equal(emulator.process.exitCode, 0);
});

describe('an emulator on the system clock', () => {
  let emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator?.stop());
  beforeEach(() => emulator.reset());

  test('gRPC and REST clients: a queue made over one is read over the other', async () => {
    const grpc = emulator.client();
    const rest = emulator.client({ transport: 'rest' });
    const restToo = emulator.client({ fallback: true });

    const made = await createQueue(grpc, 'image-generation-queue', {
      rateLimits: { maxDispatchesPerSecond: 200, maxConcurrentDispatches: 1000 },
    });
    const [read] = await rest.getQueue({ name: made.name });
    assert.equal(read.name, made.name);
    assert.equal(read.rateLimits.maxDispatchesPerSecond, 200);
    assert.equal(read.state, 'RUNNING');

    // A task over REST in a paused queue (so it stays), read back over gRPC.
    await rest.pauseQueue({ name: made.name });
    const [task] = await rest.createTask({ parent: made.name, task: httpTask(`${worker.url}/held`, '{}') });
    const [got] = await grpc.getTask({ name: task.name });
    assert.equal(got.name, task.name);
    const [tasks] = await restToo.listTasks({ parent: made.name });
    assert.deepEqual(tasks.map((t) => t.name), [task.name]);

    // The errors keep their gRPC codes on both transports; grpc-js prefixes the message with
    // them, gax in REST mode does not: which is which transport.
    const missing = grpc.queuePath(PROJECT, LOCATION, 'missing');
    assert.match((await rejectsWith(grpc.getQueue({ name: missing }), NOT_FOUND)).message, /^5 NOT_FOUND: /);
    assert.doesNotMatch((await rejectsWith(rest.getQueue({ name: missing }), NOT_FOUND)).message, /^5 /);
    assert.doesNotMatch((await rejectsWith(restToo.getQueue({ name: missing }), NOT_FOUND)).message, /^5 /);
  });

  test('a task reaches a worker; waitIdle and attempts() see it', async () => {
    const client = emulator.client({ transport: 'rest' });
    const queue = await createQueue(client, 'worker-queue');
    const before = worker.received.length;
    const [task] = await client.createTask({
      parent: queue.name, task: httpTask(`${worker.url}/api/v1/images/worker`, '{"prompt":"sunset"}'),
    });

    await emulator.waitIdle({ queue: queue.name, timeout: '30s' });
    const got = worker.received.slice(before);
    assert.equal(got.length, 1);
    assert.equal(got[0].url, '/api/v1/images/worker');
    assert.equal(got[0].body, '{"prompt":"sunset"}');
    assert.equal(got[0].headers['x-cloudtasks-taskname'], task.name.split('/').pop());

    const attempts = await emulator.attempts({ queue: queue.name });
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].task, task.name);
    assert.equal(attempts[0].outcome, 'RESPONSE');
    assert.equal(attempts[0].httpStatus, 200);
    assert.deepEqual(await emulator.attempts({ task: task.name }), attempts);

    const stats = await emulator.stats();
    const counters = stats.queues.find((q) => q.name === queue.name);
    assert.equal(counters.succeeded, 1);
    assert.equal(counters.tasksWaiting, 0);
  });

  test('reset() forgets queues, tasks and attempts', async () => {
    const client = emulator.client();
    const queue = await createQueue(client, 'to-forget');
    await client.createTask({ parent: queue.name, task: httpTask(`${worker.url}/reset`, '{}') });
    await emulator.waitIdle({ includeScheduled: true });
    assert.equal((await emulator.attempts()).length, 1);

    await emulator.reset();
    const [queues] = await client.listQueues({ parent: client.locationPath(PROJECT, LOCATION) });
    assert.deepEqual(queues, []);
    assert.deepEqual(await emulator.attempts(), []);
    assert.deepEqual((await emulator.stats()).queues, []);
    // Its name is free again (no tombstone).
    await createQueue(client, 'to-forget');
  });

  test('harness errors carry the google.rpc code', async () => {
    // advance needs --clock manual.
    const err = await rejectsWith(emulator.advance('1h'), 9);
    assert.equal(err.status, 'FAILED_PRECONDITION');
    // waitIdle wants full queue names, of queues that exist.
    await rejectsWith(emulator.waitIdle({ queue: 'worker-queue' }), 3);
    await rejectsWith(emulator.waitIdle({ queue: `projects/${PROJECT}/locations/${LOCATION}/queues/none` }), NOT_FOUND);
  });

  test('$CLOUD_TASKS_EMULATOR_HOST: startEmulator() starts nothing and uses that emulator', async () => {
    await withEnv({ CLOUD_TASKS_EMULATOR_HOST: emulator.host, CLOUD_TASKS_EMULATOR_BIN: '/nonexistent' }, async () => {
      const given = await startEmulator({ binary: '/nonexistent/cloud-tasks-emulator' });
      assert.equal(given.process, null);
      assert.equal(given.host, emulator.host);
      const queue = await createQueue(given.client({ transport: 'grpc' }), 'seen-by-both');
      const [queues] = await emulator.client().listQueues({ parent: `projects/${PROJECT}/locations/${LOCATION}` });
      assert.deepEqual(queues.map((q) => q.name), [queue.name]);
      await given.stop(); // Closes its clients, leaves the emulator running.

      // connectEmulator() and cloudTasksClient() read the same variable.
      assert.equal(connectEmulator().host, emulator.host);
      const client = cloudTasksClient({ transport: 'rest' });
      const [again] = await client.getQueue({ name: queue.name });
      assert.equal(again.name, queue.name);
      await client.close();
    });
    assert.equal((await emulator.clock()).mode, 'system');
  });
});

describe('an emulator on the manual clock', () => {
  let emulator;
  before(async () => {
    emulator = await startEmulator({ args: ['--clock', 'manual'] });
  });
  after(() => emulator?.stop());

  test("advance('1h') runs a task scheduled an hour ahead", async () => {
    assert.equal((await emulator.clock()).mode, 'manual');
    const client = emulator.client();
    const queue = await createQueue(client, 'later');
    const now = Date.parse((await emulator.clock()).time);
    const [task] = await client.createTask({
      parent: queue.name,
      task: httpTask(`${worker.url}/later`, '{"when":"later"}', { scheduleTime: { seconds: Math.floor(now / 1000) + 3600 } }),
    });

    // Nothing is due: idle at once, and nothing was sent.
    await emulator.waitIdle({ queue: queue.name, timeout: 5000 });
    assert.deepEqual(await emulator.attempts({ queue: queue.name }), []);
    assert.equal(worker.received.filter((r) => r.url === '/later').length, 0);

    const moved = await emulator.advance('1h');
    assert.ok(Date.parse(moved) >= now + 3600e3);
    await emulator.waitIdle({ queue: queue.name });
    const attempts = await emulator.attempts({ queue: queue.name });
    assert.deepEqual(attempts.map((a) => [a.task, a.outcome, a.httpStatus]), [[task.name, 'RESPONSE', 200]]);
    assert.equal(worker.received.filter((r) => r.url === '/later').length, 1);
  });
});

describe('a start that fails says why', () => {
  test('a binary that does not exist', async () => {
    await assert.rejects(startEmulator({ binary: '/nonexistent/cloud-tasks-emulator' }),
      /\/nonexistent\/cloud-tasks-emulator \(from the binary option\) does not exist or is not an executable file/);
    await withEnv({ CLOUD_TASKS_EMULATOR_BIN: '/nonexistent/bin' }, () =>
      assert.rejects(startEmulator(), /\/nonexistent\/bin \(from \$CLOUD_TASKS_EMULATOR_BIN\) does not exist/));
  });

  test('no binary given and none on the PATH', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-emulator-'));
    try {
      await withEnv({ CLOUD_TASKS_EMULATOR_BIN: undefined, PATH: empty }, () =>
        assert.rejects(startEmulator(), /no cloud-tasks-emulator to start: .*CLOUD_TASKS_EMULATOR_HOST/));
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });

  test('a flag it refuses: the error ends with its log', async () => {
    await assert.rejects(startEmulator({ args: ['--no-such-flag'] }), (err) => {
      assert.match(err.message, /did not start: it exited \(code 2\) before it was ready/);
      assert.match(err.message, /--- its log \(end\) ---\n.*not expected: --no-such-flag/);
      return true;
    });
  });

  test('no ready line within timeoutMs: the process is killed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silent-emulator-'));
    const script = path.join(dir, 'silent');
    const pidFile = path.join(dir, 'pid');
    fs.writeFileSync(script, `#!/bin/sh\necho "starting" >&2\necho $$ > '${pidFile}'\nexec sleep 60\n`, { mode: 0o755 });
    try {
      await assert.rejects(startEmulator({ binary: script, timeoutMs: 2000 }), (err) => {
        assert.match(err.message, /did not start: no ready line within 2000 ms\n--- its log \(end\) ---\nstarting/);
        return true;
      });
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  test('EmulatorAuthClient sends no credentials', async () => {
    const auth = new EmulatorAuthClient();
    assert.equal([...(await auth.getRequestHeaders())].length, 0);
    assert.deepEqual(await auth.getAccessToken(), { token: null });
  });
});
