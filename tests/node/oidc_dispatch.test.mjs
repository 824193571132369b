// Dispatch seen by a worker written with Node's own http module: the request Cloud Tasks sends,
// and OIDC tokens verified offline with a standard JWT library (jose) against the emulator's
// JWKS, as a Cloud Run service behind Cloud Tasks would verify them.
//
//   CTE_EMULATOR_HOST=127.0.0.1:8123 node --test oidc_dispatch.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { CloudTasksClient } from '@google-cloud/tasks';
import { EmulatorAuthClient } from '../../client/node/auth.mjs';

const HOST = process.env.CTE_EMULATOR_HOST;
const project = `oidc-${crypto.randomBytes(4).toString('hex')}`;
const parent = `projects/${project}/locations/europe-west1`;
const queue = `${parent}/queues/image-generation-queue`;
const SA = 'worker@api-ai-blog-writer.iam.gserviceaccount.com';

let client;
let worker;
let workerUrl;
const waiting = new Map();  // task ID -> resolve(request)

function nextRequest(taskId) {
  return new Promise((resolve) => waiting.set(taskId, resolve));
}

before(async () => {
  assert.ok(HOST, 'CTE_EMULATOR_HOST must be set (e.g. 127.0.0.1:8123)');
  const [host, port] = [HOST.slice(0, HOST.lastIndexOf(':')), Number(HOST.slice(HOST.lastIndexOf(':') + 1))];
  client = new CloudTasksClient({
    fallback: true, protocol: 'http', apiEndpoint: host, port, authClient: new EmulatorAuthClient(),
  });
  worker = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const taskId = req.headers['x-cloudtasks-taskname'];
      res.writeHead(200).end('ok');
      const resolve = waiting.get(taskId);
      if (resolve) {
        waiting.delete(taskId);
        resolve({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      }
    });
  });
  await new Promise((r) => worker.listen(0, '127.0.0.1', r));
  workerUrl = `http://127.0.0.1:${worker.address().port}/api/v1/images/worker`;
  await client.createQueue({ parent, queue: { name: queue } });
});

after(async () => {
  await client.deleteQueue({ name: queue }).catch(() => {});
  worker.close();
  await client.close();
});

async function createTask(id, httpRequest) {
  const received = nextRequest(id);
  await client.createTask({
    parent: queue,
    task: { name: `${queue}/tasks/${id}`, httpRequest: { url: workerUrl, ...httpRequest } },
  });
  return received;
}

test('the worker receives the request Cloud Tasks sends (spec 6.1)', async () => {
  const body = Buffer.from(JSON.stringify({ prompt: 'A beautiful sunset' }));
  const req = await createTask('plain', {
    httpMethod: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Trace': 'abc' },
  });
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/v1/images/worker');
  assert.deepEqual(req.body, body);
  assert.equal(req.headers['user-agent'], 'Google-Cloud-Tasks');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['x-trace'], 'abc');
  assert.equal(req.headers['x-cloudtasks-queuename'], 'image-generation-queue');
  assert.equal(req.headers['x-cloudtasks-taskname'], 'plain');
  assert.equal(req.headers['x-cloudtasks-taskretrycount'], '0');
  assert.equal(req.headers['x-cloudtasks-taskexecutioncount'], '0');
  assert.match(req.headers['x-cloudtasks-tasketa'], /^\d{10}(\.\d+)?$/);
  assert.equal(req.headers['x-cloudtasks-taskpreviousresponse'], undefined);
  assert.equal(req.headers.authorization, undefined);
});

test('an OIDC token verifies against the served JWKS; the audience defaults to the URL', async () => {
  const [host, port] = [HOST.slice(0, HOST.lastIndexOf(':')), HOST.slice(HOST.lastIndexOf(':') + 1)];
  const base = `http://${host}:${port}`;
  const discovery = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.jwks_uri, `${base}/oauth2/v3/certs`);
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));

  const req = await createTask('oidc', { oidcToken: { serviceAccountEmail: SA } });
  const auth = req.headers.authorization;
  assert.match(auth, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  const token = auth.slice('Bearer '.length);
  assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  const { payload } = await jwtVerify(token, jwks, {
    issuer: discovery.issuer, audience: workerUrl, algorithms: ['RS256'],
  });
  assert.equal(discovery.issuer, 'https://accounts.google.com');
  assert.equal(payload.email, SA);
  assert.equal(payload.email_verified, true);
  assert.match(payload.sub, /^\d+$/);
  assert.equal(payload.exp - payload.iat, 3600);

  const custom = await createTask('oidc-aud', {
    oidcToken: { serviceAccountEmail: SA, audience: 'https://blog-writer-api-dev.a.run.app' },
  });
  const verified = await jwtVerify(custom.headers.authorization.slice(7), jwks, {
    audience: 'https://blog-writer-api-dev.a.run.app',
  });
  assert.equal(verified.payload.email, SA);
  await assert.rejects(jwtVerify(custom.headers.authorization.slice(7), jwks, { audience: workerUrl }));
});

test('an OAuth task carries an opaque bearer token', async () => {
  const req = await createTask('oauth', { oauthToken: { serviceAccountEmail: SA } });
  assert.match(req.headers.authorization, /^Bearer \S+$/);
  assert.doesNotMatch(req.headers.authorization, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
});
