// Queue.httpTarget (spec 4.8) with @google-cloud/tasks in REST mode. The client's v2 protos have no
// httpTarget field, so the target is set with raw JSON over the same REST API; the client's own
// calls must leave it alone, and its tasks must be sent where the queue's target says.
//
//   CTE_EMULATOR_HOST=127.0.0.1:8123 node --test http_target_rest.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { CloudTasksClient } from '@google-cloud/tasks';
import { EmulatorAuthClient } from '../../client/node/auth.mjs';

const HOST = process.env.CTE_EMULATOR_HOST;
const project = `target-${crypto.randomBytes(4).toString('hex')}`;
const queue = `projects/${project}/locations/europe-west1/queues/image-generation-queue`;

let client;
let base;
let worker;
let workerPort;
const received = [];
let onRequest = () => {};

// A REST call outside the client (what its protos cannot express); returns [status, JSON].
async function raw(method, path, body) {
  const res = await fetch(`${base}/v2/${path}`, {
    method, headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return [res.status, await res.json()];
}

before(async () => {
  assert.ok(HOST, 'CTE_EMULATOR_HOST must be set (e.g. 127.0.0.1:8123)');
  const at = HOST.lastIndexOf(':');
  base = `http://${HOST}`;
  client = new CloudTasksClient({
    fallback: true, protocol: 'http', apiEndpoint: HOST.slice(0, at), port: Number(HOST.slice(at + 1)),
    authClient: new EmulatorAuthClient(),
  });
  worker = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      onRequest();
    });
  });
  await new Promise((r) => worker.listen(0, '127.0.0.1', r));
  workerPort = worker.address().port;
  await client.createQueue({ parent: `projects/${project}/locations/europe-west1`, queue: { name: queue } });
});

after(async () => {
  await client.deleteQueue({ name: queue }).catch(() => {});
  worker.close();
  await client.close();
});

const target = () => ({
  uriOverride: {
    scheme: 'HTTP', host: '127.0.0.1', port: String(workerPort), pathOverride: { path: '/from-queue' },
    queryOverride: { queryParams: 'via=queue' },
  },
  httpMethod: 'PUT',
  headerOverrides: [{ header: { key: 'X-Queue', value: 'q1' } }],
});

test('raw JSON sets the httpTarget, and the Node client reads the queue without it', async () => {
  const [status, set] = await raw('PATCH', `${queue}?updateMask=httpTarget`, { httpTarget: target() });
  assert.equal(status, 200, JSON.stringify(set));
  assert.deepEqual(set.httpTarget, { ...target(), uriOverride: { ...target().uriOverride } });
  const [got] = await client.getQueue({ name: queue });
  assert.equal(got.name, queue);
  assert.equal(got.httpTarget, undefined);  // Not in the client's protos: invisible, not an error.
});

test("the client's masked update keeps the httpTarget", async () => {
  await client.updateQueue({
    queue: { name: queue, rateLimits: { maxDispatchesPerSecond: 7 } },
    updateMask: { paths: ['rate_limits.max_dispatches_per_second'] },
  });
  const [, after] = await raw('GET', queue);
  assert.equal(after.rateLimits.maxDispatchesPerSecond, 7);
  assert.deepEqual(after.httpTarget.headerOverrides, target().headerOverrides);
  assert.equal(after.httpTarget.uriOverride.host, '127.0.0.1');
});

test("the client's tasks go where the queue's httpTarget says", async () => {
  const arrived = new Promise((resolve) => { onRequest = resolve; });
  const body = Buffer.from('{"prompt":"x"}');
  await client.createTask({
    parent: queue,
    task: {
      name: `${queue}/tasks/routed`,
      // A host that does not resolve: only the queue's override reaches the worker.
      httpRequest: { url: 'https://nowhere.invalid/task', body, headers: { 'X-Task': 't' } },
    },
  });
  await arrived;
  const req = received.at(-1);
  assert.equal(req.method, 'PUT');
  assert.equal(req.url, '/from-queue?via=queue');
  assert.deepEqual(req.body, body);
  assert.equal(req.headers['x-queue'], 'q1');
  assert.equal(req.headers['x-task'], 't');
  assert.equal(req.headers['x-cloudtasks-taskname'], 'routed');
});

test('an empty body with updateMask=httpTarget removes it', async () => {
  const [status, cleared] = await raw('PATCH', `${queue}?updateMask=httpTarget`, {});
  assert.equal(status, 200, JSON.stringify(cleared));
  assert.equal(cleared.httpTarget, undefined);
  assert.equal(cleared.rateLimits.maxDispatchesPerSecond, 7);
});
