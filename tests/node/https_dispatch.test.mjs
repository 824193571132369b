// Dispatch to an https:// worker with a self-signed certificate: refused by default (the
// certificate is checked), delivered with --tls-skip-verify.
//
//   CTE_EMULATOR_BIN=build/bin/cloud-tasks-emulator node --test https_dispatch.test.mjs
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.CTE_EMULATOR_BIN;
const children = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

function startEmulator(extra) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['--port', '0', '--db', ':memory:', '--log-level', 'off', ...extra]);
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)\n/);
      if (m) resolve(m[1]);
    });
    child.on('error', reject);  // E.g. a wrong CTE_EMULATOR_BIN.
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

async function api(base, method, p, body) {
  const r = await fetch(base + p, { method, body: body && JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

test('https workers: certificates are checked unless --tls-skip-verify', async () => {
  assert.ok(BIN, 'CTE_EMULATOR_BIN must name the emulator binary');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cte-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  let received = 0;
  const server = https.createServer({
    key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')),
  }, (req, res) => { received += 1; res.writeHead(200).end(); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${server.address().port}/api/v1/images/worker`;
  const L = '/v2/projects/p/locations/l';
  try {
    for (const [flags, expectDelivery] of [[[], false], [['--tls-skip-verify'], true]]) {
      const base = await startEmulator(flags);
      assert.equal((await api(base, 'POST', `${L}/queues`, { name: 'projects/p/locations/l/queues/q' })).status, 200);
      const before = received;
      const created = await api(base, 'POST', `${L}/queues/q/tasks`,
        { task: { name: 'projects/p/locations/l/queues/q/tasks/t', httpRequest: { url } } });
      assert.equal(created.status, 200);
      const deadline = Date.now() + 10_000;
      let task;
      for (;;) {
        task = await api(base, 'GET', `${L}/queues/q/tasks/t`);
        if (expectDelivery ? task.status === 404 : task.json.lastAttempt?.responseStatus) break;
        assert.ok(Date.now() < deadline, `no outcome: ${JSON.stringify(task.json)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (expectDelivery) {
        assert.equal(received, before + 1);
      } else {
        assert.equal(received, before);
        assert.equal(task.json.lastAttempt.responseStatus.code, 14);  // UNAVAILABLE: refused.
      }
    }
  } finally {
    server.close();
  }
});
