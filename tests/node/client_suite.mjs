// Real-client test of the Cloud Tasks emulator: the official Node client
// @google-cloud/tasks (v2), over gRPC (its default transport) or REST
// ("fallback" mode). rest_client.test.mjs and grpc_client.test.mjs run the
// same scenario, one per transport:
//
//   CTE_EMULATOR_HOST=127.0.0.1:8123 npm test
//
// Every assertion is taken from shared/spec/cloud-tasks-v2.md (section numbers
// in the comments), not from any particular implementation.
import { describe, it, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { CloudTasksClient } from '@google-cloud/tasks';
import gax from 'google-gax';
import { EmulatorAuthClient } from '../../client/node/auth.mjs';

const HOST_ENV = process.env.CTE_EMULATOR_HOST;

// Exact strings from spec sections 4.2, 4.7, 5.1, 5.4 and 7.3.
const MSG = {
  queueNotFound:
    'Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.',
  queueExists: 'Queue already exists',
  queueTooRecent:
    'The queue cannot be created because a queue with this name existed too recently.',
  rateTooHigh: 'RateLimits.maxDispatchesPerSecond must be less than or equal to 500.',
  entityNotFound: 'Requested entity was not found.',
  entityExists: 'Requested entity already exists',
  taskGone:
    'The task no longer exists, though a task with this name existed recently. ' +
    'The task either successfully completed or was deleted.',
  badScheme: "HttpTarget.url must start with 'http://' or 'https://'.",
};

// gRPC canonical codes (spec 7.1).
const CODE = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9, UNIMPLEMENTED: 12 };

// ---------------------------------------------------------------- helpers

function parseHost(value) {
  const hostPort = value.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const i = hostPort.lastIndexOf(':');
  if (i <= 0) throw new Error(`CTE_EMULATOR_HOST must look like 127.0.0.1:8123, got "${value}"`);
  const port = Number(hostPort.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad port in CTE_EMULATOR_HOST "${value}"`);
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

// The client decodes int64 as strings (longs: String) but be lenient about
// numbers and Long objects too.
function num(v) {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'object' && typeof v.toNumber === 'function') return v.toNumber();
  return Number(v);
}

// google.protobuf.Duration / Timestamp objects -> seconds as a JS number.
function secs(d) {
  if (d === null || d === undefined) return 0;
  return num(d.seconds) + num(d.nanos) / 1e9;
}

function assertSeconds(actual, expected, what) {
  assert.ok(Math.abs(secs(actual) - expected) < 1e-6,
    `${what}: expected ${expected}s, got ${JSON.stringify(actual)}`);
}

// Enums come back as names ('RUNNING'); accept numbers too, just in case.
const QUEUE_STATE = ['STATE_UNSPECIFIED', 'RUNNING', 'PAUSED', 'DISABLED'];
const TASK_VIEW = ['VIEW_UNSPECIFIED', 'BASIC', 'FULL'];
const HTTP_METHOD = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const enumName = (v, names) => (typeof v === 'number' ? names[v] : v);

function headerValue(headers, name) {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function bodyBytes(b) {
  if (b === null || b === undefined) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b, 'base64');
  return Buffer.from(b);
}

// The server's message in an error: in REST mode gax puts it in err.message
// (err.details holds the decoded google.rpc.Status details); over gRPC,
// grpc-js puts it in err.details and err.message reads "5 NOT_FOUND: <it>".
function serverMessage(err, transport) {
  return transport === 'grpc' ? err.details : err.message;
}

// Await a call that must fail with gRPC `code` (and, where the spec gives
// one, exactly `message`).
async function expectErrorOn(transport, promise, code, message) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    assert.equal(err.code, code,
      `expected gRPC code ${code}, got ${err.code} (${err.constructor?.name}: ${err.message})`);
    if (message !== undefined) assert.equal(serverMessage(err, transport), message);
    return err;
  }
  assert.fail(`expected an error with code ${code}, got success: ${JSON.stringify(result?.[0] ?? result)}`);
}

function assertDefaultRetryConfig(rc) {
  // spec 4.2 / 3 (CreateQueue example) / 8
  assert.equal(num(rc.maxAttempts), 100);
  assertSeconds(rc.minBackoff, 0.1, 'retryConfig.minBackoff');
  assertSeconds(rc.maxBackoff, 3600, 'retryConfig.maxBackoff');
  assert.equal(num(rc.maxDoublings), 16);
  assertSeconds(rc.maxRetryDuration, 0, 'retryConfig.maxRetryDuration'); // 0 = unlimited, left out
}

function assertDefaultQueue(q, name) {
  assert.equal(q.name, name);
  assert.equal(q.rateLimits.maxDispatchesPerSecond, 500);
  assert.equal(num(q.rateLimits.maxBurstSize), 100);
  assert.equal(num(q.rateLimits.maxConcurrentDispatches), 1000);
  assertDefaultRetryConfig(q.retryConfig);
  assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');
  assert.ok(!q.purgeTime, `a new queue has no purgeTime, got ${JSON.stringify(q.purgeTime)}`);
}

function timestampOf(ms) {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

// ---------------------------------------------------------------- the suite

// The client for one transport, pointed at the emulator the way README.md shows.
function makeClient(transport, host, port) {
  if (transport === 'grpc') {
    return new CloudTasksClient({
      servicePath: host,
      port,
      sslCreds: gax.grpc.credentials.createInsecure(),
      authClient: new EmulatorAuthClient(),
    });
  }
  return new CloudTasksClient({
    fallback: true, // REST transport (google-gax "fallback"); 'rest' behaves the same
    protocol: 'http',
    apiEndpoint: host,
    port,
    authClient: new EmulatorAuthClient(),
  });
}

export function clientSuite(transport) {
const expectError = (promise, code, message) => expectErrorOn(transport, promise, code, message);
if (!HOST_ENV) {
  test('CTE_EMULATOR_HOST is set', () => {
    assert.fail(
      'CTE_EMULATOR_HOST is not set. Start the emulator and run e.g. ' +
      '`CTE_EMULATOR_HOST=127.0.0.1:8123 npm test` in tests/node.');
  });
} else {
  const { host, port } = parseHost(HOST_ENV);
  const RUN_ID = crypto.randomBytes(5).toString('hex');
  const PROJECT = `node-test-${RUN_ID}`;
  const LOCATION = 'europe-west1';

  describe(`@google-cloud/tasks ${transport} client against ${host}:${port} (project ${PROJECT})`, { timeout: 120_000 }, () => {
    let client;
    let target; // local HTTP server used as the tasks' target
    let targetUrl;
    const targetHits = [];
    let parent, qA, qB, qC, qUpsert, qTasks, qNever, qTooFast;

    before(async () => {
      // Fail early and clearly when nothing listens at CTE_EMULATOR_HOST.
      try {
        await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`, { signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        throw new Error(`cannot reach the emulator at CTE_EMULATOR_HOST=${HOST_ENV}: ${err.cause?.code ?? err.message}`);
      }
      client = makeClient(transport, host, port);
      parent = client.locationPath(PROJECT, LOCATION);
      qA = client.queuePath(PROJECT, LOCATION, 'q-a');
      qB = client.queuePath(PROJECT, LOCATION, 'q-b');
      qC = client.queuePath(PROJECT, LOCATION, 'q-c');
      qUpsert = client.queuePath(PROJECT, LOCATION, 'q-upsert');
      qTasks = client.queuePath(PROJECT, LOCATION, 'q-tasks');
      qNever = client.queuePath(PROJECT, LOCATION, 'q-never-created');
      qTooFast = client.queuePath(PROJECT, LOCATION, 'q-too-fast');

      target = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          targetHits.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        });
      });
      await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
      targetUrl = `http://127.0.0.1:${target.address().port}`;
    });

    after(async () => {
      if (client) {
        // Best-effort cleanup of this run's queues.
        for (const name of [qA, qB, qC, qUpsert, qTasks]) {
          try { await client.deleteQueue({ name }); } catch { /* already gone */ }
        }
        await client.close();
      }
      if (target) {
        target.closeAllConnections?.();
        await new Promise((resolve) => target.close(resolve));
      }
    });

    // ------------------------------------------------------------ queues

    describe('queues', () => {
      it('createQueue returns the queue with the documented defaults (4.2, 3)', async () => {
        const [q] = await client.createQueue({ parent, queue: { name: qA } });
        assertDefaultQueue(q, qA);
      });

      it('getQueue returns the same defaults', async () => {
        const [q] = await client.getQueue({ name: qA });
        assertDefaultQueue(q, qA);
      });

      it('createQueue keeps explicit settings (fractional rate, Durations)', async () => {
        await client.createQueue({ parent, queue: { name: qB } });
        const [q] = await client.createQueue({
          parent,
          queue: {
            name: qC,
            rateLimits: { maxDispatchesPerSecond: 0.5, maxConcurrentDispatches: 3 },
            retryConfig: {
              maxAttempts: 5,
              minBackoff: { seconds: 1, nanos: 500_000_000 },
              maxBackoff: { seconds: 30 },
              maxDoublings: 2,
            },
          },
        });
        assert.equal(q.name, qC);
        assert.equal(q.rateLimits.maxDispatchesPerSecond, 0.5);
        assert.equal(num(q.rateLimits.maxConcurrentDispatches), 3);
        assert.equal(num(q.retryConfig.maxAttempts), 5);
        assertSeconds(q.retryConfig.minBackoff, 1.5, 'minBackoff');
        assertSeconds(q.retryConfig.maxBackoff, 30, 'maxBackoff');
        assert.equal(num(q.retryConfig.maxDoublings), 2);
        assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');
        await client.createQueue({ parent, queue: { name: qTasks } });
      });

      it('createQueue on an existing name fails with ALREADY_EXISTS (4.7)', async () => {
        await expectError(client.createQueue({ parent, queue: { name: qA } }),
          CODE.ALREADY_EXISTS, MSG.queueExists);
      });

      it('getQueue on a missing queue fails with NOT_FOUND (7.3)', async () => {
        await expectError(client.getQueue({ name: qNever }), CODE.NOT_FOUND, MSG.queueNotFound);
      });

      it('createQueue with maxDispatchesPerSecond 501 fails with INVALID_ARGUMENT (4.2)', async () => {
        await expectError(
          client.createQueue({ parent, queue: { name: qTooFast, rateLimits: { maxDispatchesPerSecond: 501 } } }),
          CODE.INVALID_ARGUMENT, MSG.rateTooHigh);
        await expectError(client.getQueue({ name: qTooFast }), CODE.NOT_FOUND, MSG.queueNotFound);
      });

      it('updateQueue with updateMask rateLimits.maxDispatchesPerSecond changes only that field (4.7)', async () => {
        const [q] = await client.updateQueue({
          queue: {
            name: qA,
            rateLimits: { maxDispatchesPerSecond: 10, maxConcurrentDispatches: 7 },
            retryConfig: { maxAttempts: 5 },
          },
          updateMask: { paths: ['rateLimits.maxDispatchesPerSecond'] },
        });
        assert.equal(q.name, qA);
        assert.equal(q.rateLimits.maxDispatchesPerSecond, 10);
        assert.equal(num(q.rateLimits.maxConcurrentDispatches), 1000, 'not in the mask: unchanged');
        assert.ok(num(q.rateLimits.maxBurstSize) > 0, 'maxBurstSize is derived and positive (4.3)');
        assertDefaultRetryConfig(q.retryConfig);
        assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');

        const [again] = await client.getQueue({ name: qA });
        assert.equal(again.rateLimits.maxDispatchesPerSecond, 10);
        assert.equal(num(again.rateLimits.maxConcurrentDispatches), 1000);
        assert.equal(num(again.retryConfig.maxAttempts), 100);
      });

      it('updateQueue applies the CreateQueue limits (4.7)', async () => {
        await expectError(
          client.updateQueue({
            queue: { name: qA, rateLimits: { maxDispatchesPerSecond: 501 } },
            updateMask: { paths: ['rateLimits.maxDispatchesPerSecond'] },
          }),
          CODE.INVALID_ARGUMENT, MSG.rateTooHigh);
        const [q] = await client.getQueue({ name: qA });
        assert.equal(q.rateLimits.maxDispatchesPerSecond, 10);
      });

      it('updateQueue on a missing queue creates it (upsert, 4.7)', async () => {
        const [q] = await client.updateQueue({
          queue: { name: qUpsert, rateLimits: { maxDispatchesPerSecond: 5 } },
        });
        assert.equal(q.name, qUpsert);
        assert.equal(q.rateLimits.maxDispatchesPerSecond, 5);
        assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');
        const [got] = await client.getQueue({ name: qUpsert });
        assert.equal(got.name, qUpsert);
        assert.equal(got.rateLimits.maxDispatchesPerSecond, 5);
      });

      it('updateQueue with only the name (REST mode sends the body "") resets it to defaults', async () => {
        const [q] = await client.updateQueue({ queue: { name: qUpsert } });
        assert.equal(q.name, qUpsert);
        assert.equal(q.rateLimits.maxDispatchesPerSecond, 500);
      });

      it('pauseQueue returns the queue PAUSED (4.1, 4.7)', async () => {
        const [q] = await client.pauseQueue({ name: qB });
        assert.equal(q.name, qB);
        assert.equal(enumName(q.state, QUEUE_STATE), 'PAUSED');
        const [got] = await client.getQueue({ name: qB });
        assert.equal(enumName(got.state, QUEUE_STATE), 'PAUSED');
      });

      it("listQueues with filter 'state: PAUSED' returns only paused queues (4.9)", async () => {
        const [queues] = await client.listQueues({ parent, filter: 'state: PAUSED' });
        assert.deepEqual(queues.map((q) => q.name), [qB]);
        assert.equal(enumName(queues[0].state, QUEUE_STATE), 'PAUSED');
      });

      it('listQueues pages with pageSize / nextPageToken, in name order (4.9)', async () => {
        const expected = [qA, qB, qC, qTasks, qUpsert].sort();
        const seen = [];
        let pageToken;
        let pages = 0;
        do {
          const [queues, , raw] = await client.listQueues(
            { parent, pageSize: 2, pageToken }, { autoPaginate: false });
          pages += 1;
          assert.ok(queues.length <= 2, `page of ${queues.length} > pageSize 2`);
          seen.push(...queues.map((q) => q.name));
          pageToken = raw?.nextPageToken || undefined;
          assert.ok(pages <= 20, 'too many pages; nextPageToken never ends');
        } while (pageToken);
        assert.ok(pages >= 3, `5 queues at pageSize 2 need at least 3 pages, got ${pages}`);
        assert.deepEqual(seen, expected);

        // Auto-pagination and the async iterator see the same set.
        const [all] = await client.listQueues({ parent, pageSize: 2 });
        assert.deepEqual(all.map((q) => q.name), expected);
        const viaIterator = [];
        for await (const q of client.listQueuesAsync({ parent, pageSize: 3 })) viaIterator.push(q.name);
        assert.deepEqual(viaIterator, expected);
        // Default page size (9800) returns everything in one page.
        const [one, , rawOne] = await client.listQueues({ parent }, { autoPaginate: false });
        assert.deepEqual(one.map((q) => q.name), expected);
        assert.ok(!rawOne?.nextPageToken, 'no nextPageToken on the last page');
      });

      it('resumeQueue returns the queue RUNNING (4.1, 4.7)', async () => {
        const [q] = await client.resumeQueue({ name: qB });
        assert.equal(q.name, qB);
        assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');
        const [paused] = await client.listQueues({ parent, filter: 'state: PAUSED' });
        assert.deepEqual(paused, []);
      });

      it('pause/resume/purge on a missing queue fail with NOT_FOUND (7.3)', async () => {
        await expectError(client.pauseQueue({ name: qNever }), CODE.NOT_FOUND, MSG.queueNotFound);
        await expectError(client.resumeQueue({ name: qNever }), CODE.NOT_FOUND, MSG.queueNotFound);
        await expectError(client.purgeQueue({ name: qNever }), CODE.NOT_FOUND, MSG.queueNotFound);
      });

      it('getIamPolicy / setIamPolicy / testIamPermissions (4.7)', async () => {
        const [empty] = await client.getIamPolicy({ resource: qA });
        assert.deepEqual(empty.bindings ?? [], [], 'no policy set yet: no bindings');

        const binding = { role: 'roles/cloudtasks.enqueuer', members: ['user:alice@example.com'] };
        const [set] = await client.setIamPolicy({ resource: qA, policy: { bindings: [binding] } });
        assert.equal(set.bindings.length, 1);
        assert.equal(set.bindings[0].role, binding.role);
        assert.deepEqual(set.bindings[0].members, binding.members);

        const [got] = await client.getIamPolicy({ resource: qA });
        assert.equal(got.bindings.length, 1);
        assert.equal(got.bindings[0].role, binding.role);
        assert.deepEqual(got.bindings[0].members, binding.members);

        const asked = ['cloudtasks.tasks.create', 'cloudtasks.queues.getIamPolicy'];
        const [perms] = await client.testIamPermissions({ resource: qA, permissions: asked });
        assert.ok(Array.isArray(perms.permissions));
        for (const p of perms.permissions) assert.ok(asked.includes(p), `unexpected permission ${p}`);

        // A missing queue gives an empty set, not NOT_FOUND.
        const [none] = await client.testIamPermissions({ resource: qNever, permissions: asked });
        assert.deepEqual(none.permissions ?? [], []);
      });

      it('deleteQueue removes the queue; its name is then blocked (4.7, 7.3)', async () => {
        const [empty] = await client.deleteQueue({ name: qC });
        assert.ok(empty !== null && typeof empty === 'object');
        assert.deepEqual(Object.keys(empty), [], 'google.protobuf.Empty');
        await expectError(client.getQueue({ name: qC }), CODE.NOT_FOUND, MSG.queueNotFound);
        await expectError(client.deleteQueue({ name: qC }), CODE.NOT_FOUND);
        await expectError(client.deleteQueue({ name: qNever }), CODE.NOT_FOUND, MSG.entityNotFound);
        await expectError(client.createQueue({ parent, queue: { name: qC } }),
          CODE.FAILED_PRECONDITION, MSG.queueTooRecent);
        const [left] = await client.listQueues({ parent });
        assert.ok(!left.some((q) => q.name === qC), 'deleted queue is not listed');
      });

      it('listLocations / getLocation (locations mixin)', async () => {
        const locations = [];
        for await (const loc of client.listLocationsAsync({ name: client.projectPath(PROJECT) })) {
          locations.push(loc);
        }
        assert.ok(locations.length > 0, 'ListLocations returns at least one location');
        for (const loc of locations) {
          assert.ok(loc.locationId, `location without locationId: ${JSON.stringify(loc)}`);
          assert.equal(loc.name, `projects/${PROJECT}/locations/${loc.locationId}`);
        }
        assert.ok(locations.some((l) => l.locationId === LOCATION),
          `ListLocations includes ${LOCATION}, which holds this run's queues (1.2)`);

        const [viaMixin] = await client.locationsClient.listLocations(
          { name: client.projectPath(PROJECT) }, { autoPaginate: false });
        assert.deepEqual(viaMixin.map((l) => l.name).sort(), locations.map((l) => l.name).sort());

        const [loc] = await client.getLocation({ name: parent });
        assert.equal(loc.name, parent);
        assert.equal(loc.locationId, LOCATION);
      });
    });

    // ------------------------------------------------------------ tasks

    describe('tasks', () => {
      // Every task is scheduled an hour ahead so that nothing is dispatched
      // during the test except through RunTask.
      const futureMs = Date.now() + 3600_000 + 123; // whole milliseconds
      const scheduleTime = timestampOf(futureMs);
      const explicitBody = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d]);
      let generatedName;
      let explicitName;
      let listNames;

      before(() => {
        explicitName = `${qTasks}/tasks/explicit-${RUN_ID}`;
        listNames = [0, 1, 2].map((i) => `${qTasks}/tasks/list_${i}-${RUN_ID}`);
      });

      it('createTask with a generated name and the defaults (1.3, 5.1, 5.2)', async () => {
        const before = Date.now();
        const [t] = await client.createTask({
          parent: qTasks,
          task: {
            httpRequest: {
              url: `${targetUrl}/generated?x=1`,
              headers: { 'X-Custom-Header': 'Value-1' },
              body: Buffer.from('hello generated'),
            },
            scheduleTime,
          },
        });
        generatedName = t.name;
        assert.match(t.name, new RegExp(`^${qTasks}/tasks/[A-Za-z0-9_-]{1,500}$`));
        assert.equal(t.httpRequest.url, `${targetUrl}/generated?x=1`);
        assert.equal(enumName(t.httpRequest.httpMethod, HTTP_METHOD), 'POST');
        assert.equal(headerValue(t.httpRequest.headers, 'X-Custom-Header'), 'Value-1');
        assert.ok(Object.keys(t.httpRequest.headers).includes('X-Custom-Header'), 'header key case is kept');
        assert.equal(headerValue(t.httpRequest.headers, 'User-Agent'), 'Google-Cloud-Tasks');
        assert.equal(bodyBytes(t.httpRequest.body).length, 0, 'BASIC view leaves the body out');
        assert.equal(enumName(t.view, TASK_VIEW), 'BASIC');
        assertSeconds(t.dispatchDeadline, 600, 'dispatchDeadline');
        assert.equal(num(t.scheduleTime.seconds), scheduleTime.seconds);
        assert.equal(num(t.scheduleTime.nanos), scheduleTime.nanos);
        assert.ok(t.createTime, 'createTime is set');
        assert.equal(num(t.createTime.nanos), 0, 'createTime is truncated to whole seconds');
        const created = secs(t.createTime) * 1000;
        assert.ok(created >= before - 5000 && created <= Date.now() + 5000, 'createTime is now');
        assert.equal(num(t.dispatchCount), 0);
        assert.equal(num(t.responseCount), 0);
        assert.ok(!t.firstAttempt && !t.lastAttempt);
      });

      it('createTask with an explicit name, PUT, bytes body and responseView FULL (5.1, 5.2)', async () => {
        const [t] = await client.createTask({
          parent: qTasks,
          task: {
            name: explicitName,
            httpRequest: {
              url: `${targetUrl}/explicit`,
              httpMethod: 'PUT',
              headers: { 'Content-Type': 'application/octet-stream', 'x-lower': 'v' },
              body: explicitBody,
            },
            scheduleTime,
          },
          responseView: 'FULL',
        });
        assert.equal(t.name, explicitName);
        assert.equal(enumName(t.view, TASK_VIEW), 'FULL');
        assert.equal(enumName(t.httpRequest.httpMethod, HTTP_METHOD), 'PUT');
        assert.equal(t.httpRequest.url, `${targetUrl}/explicit`);
        assert.deepEqual(bodyBytes(t.httpRequest.body), explicitBody);
        assert.equal(headerValue(t.httpRequest.headers, 'Content-Type'), 'application/octet-stream');
        assert.equal(t.httpRequest.headers['x-lower'], 'v');
        assertSeconds(t.dispatchDeadline, 600, 'dispatchDeadline');
        assert.equal(num(t.scheduleTime.seconds), scheduleTime.seconds);
        assert.equal(num(t.scheduleTime.nanos), scheduleTime.nanos);
      });

      it('getTask defaults to BASIC (no body); FULL returns the body (5.2)', async () => {
        const [basic] = await client.getTask({ name: explicitName });
        assert.equal(basic.name, explicitName);
        assert.equal(enumName(basic.view, TASK_VIEW), 'BASIC');
        assert.equal(bodyBytes(basic.httpRequest.body).length, 0);
        assert.equal(enumName(basic.httpRequest.httpMethod, HTTP_METHOD), 'PUT');
        assert.equal(basic.httpRequest.url, `${targetUrl}/explicit`);
        assert.equal(headerValue(basic.httpRequest.headers, 'Content-Type'), 'application/octet-stream');
        assert.equal(num(basic.scheduleTime.seconds), scheduleTime.seconds);

        const [full] = await client.getTask({ name: explicitName, responseView: 'FULL' });
        assert.equal(enumName(full.view, TASK_VIEW), 'FULL');
        assert.deepEqual(bodyBytes(full.httpRequest.body), explicitBody);

        const [gen] = await client.getTask({ name: generatedName, responseView: 'FULL' });
        assert.equal(gen.name, generatedName);
        assert.equal(bodyBytes(gen.httpRequest.body).toString(), 'hello generated');
        assert.equal(enumName(gen.httpRequest.httpMethod, HTTP_METHOD), 'POST');
      });

      it('createTask with a reused explicit name fails with ALREADY_EXISTS (5.6)', async () => {
        await expectError(
          client.createTask({
            parent: qTasks,
            task: { name: explicitName, httpRequest: { url: `${targetUrl}/dup` }, scheduleTime },
          }),
          CODE.ALREADY_EXISTS, MSG.entityExists);
      });

      it('createTask on a missing queue fails with NOT_FOUND (5.1)', async () => {
        await expectError(
          client.createTask({ parent: qNever, task: { httpRequest: { url: `${targetUrl}/x` } } }),
          CODE.NOT_FOUND, MSG.queueNotFound);
      });

      it('createTask with a non-http(s) URL fails with INVALID_ARGUMENT (5.1)', async () => {
        await expectError(
          client.createTask({
            parent: qTasks,
            task: { httpRequest: { url: 'ftp://example.com/file' }, scheduleTime },
          }),
          CODE.INVALID_ARGUMENT, MSG.badScheme);
      });

      it('getTask on a name that never existed fails with NOT_FOUND (5.4)', async () => {
        await expectError(client.getTask({ name: `${qTasks}/tasks/never-${RUN_ID}` }),
          CODE.NOT_FOUND, MSG.entityNotFound);
      });

      it('listTasks pages with pageSize / nextPageToken; BASIC by default (5.4)', async () => {
        for (const name of listNames) {
          await client.createTask({
            parent: qTasks,
            task: { name, httpRequest: { url: `${targetUrl}/list`, body: Buffer.from(name) }, scheduleTime },
          });
        }
        const expected = [generatedName, explicitName, ...listNames].sort();
        const seen = [];
        let pageToken;
        let pages = 0;
        do {
          const [tasks, , raw] = await client.listTasks(
            { parent: qTasks, pageSize: 2, pageToken }, { autoPaginate: false });
          pages += 1;
          assert.ok(tasks.length <= 2, `page of ${tasks.length} > pageSize 2`);
          for (const t of tasks) {
            assert.equal(enumName(t.view, TASK_VIEW), 'BASIC');
            assert.equal(bodyBytes(t.httpRequest.body).length, 0);
          }
          seen.push(...tasks.map((t) => t.name));
          pageToken = raw?.nextPageToken || undefined;
          assert.ok(pages <= 20, 'too many pages; nextPageToken never ends');
        } while (pageToken);
        assert.ok(pages >= 3, `5 tasks at pageSize 2 need at least 3 pages, got ${pages}`);
        assert.equal(new Set(seen).size, seen.length, 'no task listed twice');
        assert.deepEqual([...seen].sort(), expected);

        const [full] = await client.listTasks({ parent: qTasks, responseView: 'FULL' });
        assert.deepEqual(full.map((t) => t.name).sort(), expected);
        const byName = new Map(full.map((t) => [t.name, t]));
        assert.equal(enumName(byName.get(explicitName).view, TASK_VIEW), 'FULL');
        assert.deepEqual(bodyBytes(byName.get(explicitName).httpRequest.body), explicitBody);
        assert.equal(bodyBytes(byName.get(listNames[1]).httpRequest.body).toString(), listNames[1]);

        const viaIterator = [];
        for await (const t of client.listTasksAsync({ parent: qTasks, pageSize: 3 })) viaIterator.push(t.name);
        assert.deepEqual(viaIterator.sort(), expected);
      });

      it('deleteTask; then getTask, deleteTask and a re-create fail (5.4, 5.6)', async () => {
        const name = listNames[0];
        const [empty] = await client.deleteTask({ name });
        assert.deepEqual(Object.keys(empty ?? {}), [], 'google.protobuf.Empty');
        await expectError(client.getTask({ name }), CODE.NOT_FOUND, MSG.taskGone);
        await expectError(client.deleteTask({ name }), CODE.NOT_FOUND, MSG.entityNotFound);
        await expectError(
          client.createTask({ parent: qTasks, task: { name, httpRequest: { url: `${targetUrl}/again` }, scheduleTime } }),
          CODE.ALREADY_EXISTS, MSG.entityExists);
        const [tasks] = await client.listTasks({ parent: qTasks });
        assert.ok(!tasks.some((t) => t.name === name), 'deleted task is not listed');
      });

      it('runTask dispatches now and answers before the worker does (5.5)', async () => {
        const [before] = await client.getTask({ name: explicitName });
        const [t] = await client.runTask({ name: explicitName });
        assert.equal(t.name, explicitName);
        assert.equal(num(t.dispatchCount), num(before.dispatchCount) + 1);
        assert.ok(t.lastAttempt && secs(t.lastAttempt.dispatchTime) > 0, 'lastAttempt.dispatchTime is set');
        assert.ok(!t.lastAttempt.responseTime, 'no response yet');
        assert.equal(enumName(t.view, TASK_VIEW), 'BASIC');
      });

      it('the worker receives the run task with its body and X-CloudTasks-* headers (6.1)', async () => {
        const taskId = explicitName.slice(explicitName.lastIndexOf('/') + 1);
        const deadline = Date.now() + 10_000;
        let hit;
        while (!(hit = targetHits.find((h) => h.headers['x-cloudtasks-taskname'] === taskId))) {
          assert.ok(Date.now() < deadline, `the worker got no request for ${taskId} within 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(hit.method, 'PUT');
        assert.equal(hit.url, '/explicit');
        assert.deepEqual(hit.body, explicitBody);
        assert.equal(hit.headers['x-cloudtasks-queuename'], 'q-tasks');
        assert.equal(hit.headers['x-cloudtasks-taskretrycount'], '0');
        assert.equal(hit.headers['x-cloudtasks-taskexecutioncount'], '0');
        assert.ok(Number(hit.headers['x-cloudtasks-tasketa']) > 0, 'X-CloudTasks-TaskETA is set');
        assert.equal(hit.headers['user-agent'], 'Google-Cloud-Tasks');
      });

      it('purgeQueue sets purgeTime and removes the existing tasks (4.7)', async () => {
        const [q] = await client.purgeQueue({ name: qTasks });
        assert.equal(q.name, qTasks);
        assert.ok(q.purgeTime && secs(q.purgeTime) > 0, `purgeTime is set, got ${JSON.stringify(q.purgeTime)}`);
        assert.ok(Math.abs(secs(q.purgeTime) * 1000 - Date.now()) < 60_000, 'purgeTime is now');
        assert.equal(enumName(q.state, QUEUE_STATE), 'RUNNING');
        const [tasks] = await client.listTasks({ parent: qTasks });
        assert.deepEqual(tasks.map((t) => t.name), []);
      });
    });
  });
}
}
