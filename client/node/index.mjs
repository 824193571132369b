// The Cloud Tasks emulator for Node tests (node:test, Jest, Vitest): start it, hand out
// @google-cloud/tasks clients configured for it over gRPC or REST, drive the /emulator/v1
// harness (docs/harness.md), stop it.
//
//   import { startEmulator } from 'cloud-tasks-emulator-testing';
//   const emulator = await startEmulator({ args: ['--clock', 'manual'] });
//   const client = emulator.client();            // gRPC; emulator.client({ transport: 'rest' })
//   ...
//   await emulator.waitIdle({ includeScheduled: true });
//   await emulator.stop();
//
// With $CLOUD_TASKS_EMULATOR_HOST set, startEmulator() starts nothing and uses that emulator.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudTasksClient } from '@google-cloud/tasks';
import gax from 'google-gax';
import { EmulatorAuthClient } from './auth.mjs';

export { EmulatorAuthClient };

const READY = ' listening on ';
const DEFAULT_HOST = '127.0.0.1:8123';

// google.rpc.Code by name: harness errors carry the same `code` as the client's errors.
const RPC_CODES = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** A failed /emulator/v1 call: `code` is the google.rpc code (5 for NOT_FOUND), `status` its name. */
export class EmulatorError extends Error {
  constructor(message, { code, status, httpStatus }) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
    this.status = status;
    this.httpStatus = httpStatus;
  }
}

// "127.0.0.1:8123", "http://127.0.0.1:8123/" or "[::1]:8123" -> { hostname, port, host }.
function parseHost(value) {
  const host = String(value).replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const i = host.lastIndexOf(':');
  const port = Number(host.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`the emulator's address must look like 127.0.0.1:8123, got "${value}"`);
  }
  return { hostname: host.slice(0, i).replace(/^\[|\]$/g, ''), port, host };
}

// A duration for the harness: text in the flags' forms ("90s", "30m", "1h30m", "250ms") goes as
// it is; a number is milliseconds.
function formatDuration(d) {
  if (typeof d === 'string') return d;
  if (typeof d === 'number' && Number.isFinite(d) && d >= 0) return `${Math.round(d)}ms`;
  throw new TypeError(`a duration is text such as "30s" or a number of milliseconds, got ${d}`);
}

// Milliseconds in a duration given as formatDuration takes it; NaN when the text is not simple.
function durationMs(d) {
  if (typeof d === 'number') return d;
  const units = { h: 3600e3, m: 60e3, s: 1e3, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  const rest = d.replace(/(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)/g, (_, n, u) => {
    total += Number(n) * units[u];
    return '';
  });
  return rest === '' && d !== '' ? total : NaN;
}

/**
 * A @google-cloud/tasks CloudTasksClient configured for the emulator at `host`
 * (default $CLOUD_TASKS_EMULATOR_HOST, else 127.0.0.1:8123): `transport: 'grpc'` (the default;
 * an insecure channel) or `'rest'` (`fallback: true` also means REST); no credentials looked up
 * or sent. Other options go to the client as they are.
 */
export function cloudTasksClient(options = {}) {
  const { host = process.env.CLOUD_TASKS_EMULATOR_HOST || DEFAULT_HOST, transport, ...rest } = options;
  const { hostname, port } = parseHost(host);
  const rpc = transport ?? (rest.fallback ? 'rest' : 'grpc');
  const common = { apiEndpoint: hostname, port, authClient: new EmulatorAuthClient() };
  if (rpc === 'grpc') {
    // The credentials and the client share one google-gax (and so one grpc-js, which checks
    // `instanceof ChannelCredentials`), whichever copy @google-cloud/tasks would have found.
    return new CloudTasksClient(
      { ...common, sslCreds: gax.grpc.credentials.createInsecure(), ...rest, fallback: false }, gax);
  }
  if (rpc === 'rest') {
    return new CloudTasksClient({ ...common, protocol: 'http', ...rest, fallback: true }, gax);
  }
  throw new TypeError(`transport must be 'grpc' or 'rest', got ${JSON.stringify(transport)}`);
}

// Children still running when this process exits are killed and their logs removed, so none
// outlives a test run that forgot stop().
const live = new Map(); // child -> its log folder
let exitHookInstalled = false;
function track(child, logDir) {
  live.set(child, logDir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const [c, dir] of live) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

/**
 * An emulator: its address, clients for it, the /emulator/v1 harness and, when this process
 * started it, stop(). Made by startEmulator() or connectEmulator().
 */
export class Emulator {
  #child;
  #exited;
  #logDir;
  #clients = new Set();

  constructor(host, { child = null, exited = null, logDir = null } = {}) {
    const { hostname, port, host: hostPort } = parseHost(host);
    /** "127.0.0.1:PORT": what CLOUD_TASKS_EMULATOR_HOST takes. */
    this.host = hostPort;
    this.hostname = hostname;
    this.port = port;
    /** "http://127.0.0.1:PORT": the REST base URL. */
    this.url = `http://${hostPort}`;
    this.#child = child;
    this.#exited = exited;
    this.#logDir = logDir;
  }

  /** The emulator process this object started, or null (an emulator found by its address). */
  get process() {
    return this.#child;
  }

  /** The emulator's log (its stderr) so far; '' when this object did not start it. */
  log() {
    if (!this.#logDir) return '';
    try {
      return fs.readFileSync(path.join(this.#logDir, 'emulator.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * A CloudTasksClient for this emulator: `{transport: 'grpc'}` (the default) or
   * `{transport: 'rest'}` (or `{fallback: true}`). stop() closes it.
   */
  client(options = {}) {
    const c = cloudTasksClient({ ...options, host: this.host });
    this.#clients.add(c);
    return c;
  }

  async #call(method, route, body, timeoutMs = 30_000) {
    let res;
    try {
      res = await fetch(`${this.url}/emulator/v1${route}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = err?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms`
        : (err?.cause?.message ?? err?.message);
      throw new EmulatorError(`${method} ${this.url}/emulator/v1${route}: ${why}`,
        { code: RPC_CODES.UNAVAILABLE, status: 'UNAVAILABLE' });
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = json?.error ?? {};
      const status = e.status ?? 'UNKNOWN';
      throw new EmulatorError(`${status}: ${e.message ?? text}`,
        { code: RPC_CODES[status] ?? RPC_CODES.UNKNOWN, status, httpStatus: res.status });
    }
    if (json === undefined) {
      throw new EmulatorError(`${method} ${route}: the answer is not JSON: ${text.slice(0, 200)}`,
        { code: RPC_CODES.UNKNOWN, status: 'UNKNOWN', httpStatus: res.status });
    }
    return json;
  }

  /** Forgets every queue, task, tombstone and attempt, or with `queue` (a full name) that queue's tasks and attempts. */
  async reset(queue) {
    await this.#call('POST', ':reset', queue ? { queue } : {});
  }

  /**
   * Resolves when no task of `queue`/`queues` (full names; all queues by default) is due or in
   * flight; with `includeScheduled`, when future tasks and retries have run too (under
   * `--clock manual` the emulator fast-forwards). `timeout`: "30s" or milliseconds (default
   * 30 s); past it, rejects with DEADLINE_EXCEEDED naming what is left.
   */
  async waitIdle({ queue, queues, includeScheduled = false, timeout = '30s' } = {}) {
    const names = [...(queues ?? []), ...(queue ? [queue] : [])];
    const body = { timeout: formatDuration(timeout), includeScheduled: Boolean(includeScheduled) };
    if (names.length) body.queues = names;
    const ms = durationMs(timeout);
    await this.#call('POST', ':waitIdle', body, (Number.isFinite(ms) ? ms : 3600e3) + 30_000);
  }

  /** Moves the manual clock (`--clock manual`) forward: "1h", "90s", or milliseconds. Returns the new time (RFC 3339). */
  async advance(duration) {
    return (await this.#call('POST', '/clock:advance', { duration: formatDuration(duration) })).time;
  }

  /** Sets the manual clock (forward only) to `time` (a Date or RFC 3339 text). Returns the new time. */
  async setClock(time) {
    const t = time instanceof Date ? time.toISOString() : String(time);
    return (await this.#call('POST', '/clock:set', { time: t })).time;
  }

  /** `{time, mode}`: the emulator's clock and its mode ("system", "manual" or "scaled"). */
  async clock() {
    return this.#call('GET', '/clock');
  }

  /**
   * Every attempt logged (oldest first) as the emulator gives them (`queue`, `task`, `attempt`,
   * `outcome`, `httpStatus`, `headers`, ...), of one `queue` or `task` (full names) if given.
   */
  async attempts({ queue, task } = {}) {
    const out = [];
    let pageToken;
    do {
      const q = new URLSearchParams();
      if (queue) q.set('queue', queue);
      if (task) q.set('task', task);
      if (pageToken) q.set('pageToken', pageToken);
      const qs = q.toString();
      const page = await this.#call('GET', `/attempts${qs ? `?${qs}` : ''}`);
      out.push(...(page.attempts ?? []));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** `{time, queues: [{name, tasksWaiting, inFlight, dispatched, succeeded, retried, givenUp, ...}]}`. */
  async stats() {
    return this.#call('GET', '/stats');
  }

  /**
   * Closes the clients handed out, then, when this object started the emulator, stops it:
   * SIGTERM, SIGKILL after `timeoutMs` (default 10 s); resolves once it has exited.
   */
  async stop({ timeoutMs = 10_000 } = {}) {
    const clients = [...this.#clients];
    this.#clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
    const child = this.#child;
    if (!child) return;
    child.ref(); // Keep this process alive until the emulator is gone.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
      live.delete(child);
      if (this.#logDir) fs.rmSync(this.#logDir, { recursive: true, force: true });
      this.#logDir = null;
    }
  }

  async [Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]() {
    await this.stop();
  }
}

/** An Emulator for one already running at `host` (default $CLOUD_TASKS_EMULATOR_HOST, else 127.0.0.1:8123). */
export function connectEmulator(host = process.env.CLOUD_TASKS_EMULATOR_HOST || DEFAULT_HOST) {
  return new Emulator(host);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findBinary(binary) {
  const given = binary ?? process.env.CLOUD_TASKS_EMULATOR_BIN;
  if (given) {
    if (!isExecutable(given)) {
      const from = binary ? 'the binary option' : '$CLOUD_TASKS_EMULATOR_BIN';
      throw new Error(`cloud-tasks-emulator: ${given} (from ${from}) does not exist or is not an executable file`);
    }
    return given;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', 'cloud-tasks-emulator');
    if (dir && isExecutable(candidate)) return candidate;
  }
  throw new Error('no cloud-tasks-emulator to start: pass {binary: PATH}, set CLOUD_TASKS_EMULATOR_BIN, ' +
    'put cloud-tasks-emulator on the PATH, or set CLOUD_TASKS_EMULATOR_HOST to a running emulator');
}

function tail(text, chars = 2000) {
  const t = text.trimEnd();
  return t.length > chars ? `...${t.slice(-chars)}` : t;
}

/**
 * Starts an emulator for a test run and resolves to its Emulator once it serves.
 *
 * With $CLOUD_TASKS_EMULATOR_HOST set, starts nothing: that emulator is used (and stop() leaves
 * it running). Otherwise starts `binary` (default $CLOUD_TASKS_EMULATOR_BIN, else
 * cloud-tasks-emulator on the PATH) as `--host 127.0.0.1 --port 0 --db :memory:` followed by
 * `args` (e.g. ['--clock', 'manual']), with `env` added to this process's environment, and
 * waits up to `timeoutMs` (default 15 s) for its ready line. Its log goes to a temporary file
 * (emulator.log()); a start that fails rejects with the end of that log.
 */
export async function startEmulator({ binary, args = [], env = {}, timeoutMs = 15_000 } = {}) {
  const given = process.env.CLOUD_TASKS_EMULATOR_HOST;
  if (given) return new Emulator(given);

  const file = findBinary(binary);
  const argv = ['--host', '127.0.0.1', '--port', '0', '--db', ':memory:', ...args];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-tasks-emulator-'));
  const logFile = path.join(logDir, 'emulator.log');
  // The log goes to a file: a pipe nobody reads would fill up and stop the emulator.
  const logFd = fs.openSync(logFile, 'w');
  let child;
  try {
    child = spawn(file, argv, { stdio: ['ignore', 'pipe', logFd], env: { ...process.env, ...env } });
  } finally {
    fs.closeSync(logFd);
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const failed = (why) => {
    let log = '';
    try { log = fs.readFileSync(logFile, 'utf8'); } catch { /* none */ }
    fs.rmSync(logDir, { recursive: true, force: true });
    const shown = tail(log);
    return new Error(`${file} ${argv.join(' ')} did not start: ${why}` +
      (shown ? `\n--- its log (end) ---\n${shown}` : ' (it logged nothing)'));
  };

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
      const done = (fn, value) => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        fn(value);
      };
      const onData = (chunk) => {
        out += chunk;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        const line = out.slice(0, nl).trim();
        const at = line.indexOf(READY);
        if (at < 0) done(reject, new Error(`unexpected first line ${JSON.stringify(line)}`));
        else done(resolve, line.slice(at + READY.length).trim());
      };
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', onData);
      child.once('error', (err) => done(reject, err));
      exited.then(({ code, signal }) =>
        done(reject, new Error(`it exited (${signal ?? `code ${code}`}) before it was ready`)));
    });
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    throw failed(err.message);
  }

  // From here on nothing needs this process to stay up for the emulator: a run that never calls
  // stop() still ends, and the exit hook kills the emulator then.
  child.stdout.resume(); // Nothing more is expected there; whatever comes is dropped.
  child.stdout.unref?.();
  child.unref();
  track(child, logDir);
  return new Emulator(url, { child, exited, logDir });
}
