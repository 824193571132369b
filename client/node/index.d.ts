// Types of cloud-tasks-emulator-testing (index.mjs, auth.mjs).
import type { ChildProcess } from 'node:child_process';
import type { CloudTasksClient } from '@google-cloud/tasks';
import type { AuthClient } from 'google-auth-library';

/**
 * Sends no credentials; fetch() hands each request to the global fetch and resolves to its
 * Response whatever the status (so gax in REST mode decodes the error and its gRPC code).
 */
export class EmulatorAuthClient extends AuthClient {
  constructor(opts?: object);
  request<T>(options: Parameters<AuthClient['request']>[0]): Promise<any>;
  getRequestHeaders(): Promise<Headers>;
  getAccessToken(): Promise<{ token: null }>;
}

/** A failed /emulator/v1 call. */
export class EmulatorError extends Error {
  /** The google.rpc code: 3 INVALID_ARGUMENT, 5 NOT_FOUND, 9 FAILED_PRECONDITION, 14 UNAVAILABLE, ... */
  code: number;
  /** Its name, e.g. "NOT_FOUND". */
  status: string;
  httpStatus?: number;
}

/** Text in the flags' forms ("90s", "30m", "1h30m", "250ms") or a number of milliseconds. */
export type Duration = string | number;

export interface ClientOptions {
  /** 'grpc' (the default) or 'rest'. `fallback: true` also means REST. */
  transport?: 'grpc' | 'rest';
  fallback?: boolean;
  /** Any other option of CloudTasksClient. */
  [option: string]: unknown;
}

/** One entry of GET /emulator/v1/attempts (docs/harness.md). */
export interface AttemptRecord {
  queue: string;
  task: string;
  attempt: number;
  scheduleTime?: string;
  dispatchTime?: string;
  responseTime?: string;
  method?: string;
  url?: string;
  headers?: Array<{ name: string; value: string }>;
  outcome: 'RESPONSE' | 'DEADLINE_EXCEEDED' | 'CONNECTION_ERROR' | 'DISCARDED' | 'IN_FLIGHT';
  httpStatus?: number;
  error?: string;
  latency?: string;
  duplicate?: boolean;
  [field: string]: unknown;
}

export interface QueueStats {
  name: string;
  tasksWaiting: number;
  inFlight: number;
  dispatched: number;
  succeeded: number;
  retried: number;
  givenUp: number;
  tokenBucketLevel: number;
  dispatchRate10s: number;
}

export class Emulator {
  constructor(host: string);
  /** "127.0.0.1:PORT", what CLOUD_TASKS_EMULATOR_HOST takes. */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  /** The process startEmulator() started, or null. */
  readonly process: ChildProcess | null;
  /** Its log (stderr) so far; '' when not started here. */
  log(): string;
  /** A CloudTasksClient for this emulator; stop() closes it. */
  client(options?: ClientOptions): CloudTasksClient;
  reset(queue?: string): Promise<void>;
  waitIdle(options?: { queue?: string; queues?: string[]; includeScheduled?: boolean; timeout?: Duration }): Promise<void>;
  /** Moves the manual clock forward; resolves to the new time (RFC 3339). */
  advance(duration: Duration): Promise<string>;
  setClock(time: Date | string): Promise<string>;
  clock(): Promise<{ time: string; mode: 'system' | 'manual' | 'scaled' }>;
  attempts(filter?: { queue?: string; task?: string }): Promise<AttemptRecord[]>;
  stats(): Promise<{ time: string; queues: QueueStats[] }>;
  /** Closes the clients handed out; stops the process if this started it (SIGTERM, then SIGKILL after timeoutMs). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartOptions {
  /** Default: $CLOUD_TASKS_EMULATOR_BIN, else cloud-tasks-emulator on the PATH. */
  binary?: string;
  /** Flags after `--host 127.0.0.1 --port 0 --db :memory:`, e.g. ['--clock', 'manual']. */
  args?: string[];
  /** Added to this process's environment for the emulator. */
  env?: Record<string, string>;
  /** How long to wait for the ready line (default 15000). */
  timeoutMs?: number;
}

/** Starts an emulator (or, with $CLOUD_TASKS_EMULATOR_HOST set, uses that one). */
export function startEmulator(options?: StartOptions): Promise<Emulator>;
/** An Emulator for a running one (default $CLOUD_TASKS_EMULATOR_HOST, else 127.0.0.1:8123). */
export function connectEmulator(host?: string): Emulator;
/** A CloudTasksClient for the emulator at `host` (default $CLOUD_TASKS_EMULATOR_HOST, else 127.0.0.1:8123). */
export function cloudTasksClient(options?: ClientOptions & { host?: string }): CloudTasksClient;
