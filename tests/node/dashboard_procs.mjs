// Processes for the dashboard's browser test: the real emulator and cloud-tasks-worker binaries
// on free ports, each stopped by its own PID when the test ends; and a small REST client.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

// Starts `bin` with `args` and resolves with {url, proc} once it prints "<name> listening on URL".
export async function start(bin, args) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${err}`)), 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`${bin} exited ${code}: ${err}`)));
  });
  return { url, proc };
}

export async function stop(p) {
  if (!p || p.proc.exitCode !== null) return;
  p.proc.kill('SIGTERM');
  await once(p.proc, 'exit');
}

// A REST client of the emulator at `base`: JSON in, {status, body} out.
export function rest(base) {
  return async (method, path, body, headers = {}) => {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(base + path, init);
    const text = await r.text();
    let json = {};
    try { json = text ? JSON.parse(text) : {}; } catch { json = { text }; }
    return { status: r.status, body: json, type: r.headers.get('content-type') };
  };
}

// Polls `f` until it returns a truthy value, or fails after `ms`.
export async function eventually(f, what, ms = 10_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await f();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}
