// Auth client for talking to the local Cloud Tasks emulator with the official
// Node client (@google-cloud/tasks): in REST ("fallback") mode it carries the
// requests; over gRPC it keeps the library from looking for credentials (and
// probing for the GCE metadata server).  index.mjs hands it to every client;
// tests/node imports it from here.
//
// Why not google-auth-library's PassThroughClient?  In REST mode google-gax
// calls `auth.fetch(url, init)` and then decodes the JSON body itself: for a
// non-2xx answer it turns Google's `{"error":{code,message,status,details}}`
// body into a GoogleError whose `code` is the gRPC code (5, 6, 3, ...).
// PassThroughClient.fetch goes through gaxios, which rejects every non-2xx
// answer with a GaxiosError before gax ever sees the body, so callers would get
// an HTTP-flavoured error without the gRPC code.  This client instead hands
// the request to Node's global fetch unchanged and returns the standard
// Response, whatever its status, and sends no credentials at all.
import { AuthClient } from 'google-auth-library';

export class EmulatorAuthClient extends AuthClient {
  constructor(opts = {}) {
    // Do not install the default gaxios interceptors; nothing here uses gaxios
    // for the API calls.
    super({ ...opts, useAuthRequestParameters: false });
  }

  // What google-gax's REST stub calls (fallbackServiceStub.js):
  //   auth.fetch(url, {headers, body, method, signal, responseType, agent})
  // and then reads `response.ok`, `response.status`, `response.arrayBuffer()`.
  async fetch(input, init = {}) {
    const headers = new Headers(init.headers);
    const extra = await this.getRequestHeaders();
    for (const [k, v] of extra) headers.set(k, v);
    const req = { method: init.method ?? 'GET', headers, signal: init.signal };
    if (init.body !== undefined && init.body !== null) req.body = init.body;
    return globalThis.fetch(input instanceof URL ? input.href : input, req);
  }

  // The classic gaxios-style entry point (not used by gax's REST stub, kept for
  // completeness).  Unlike gaxios it never throws on a non-2xx status.
  async request(opts) {
    const res = await this.fetch(opts.url, {
      method: opts.method,
      headers: opts.headers,
      body: opts.data === undefined ? opts.body
        : typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data),
      signal: opts.signal,
    });
    const text = await res.text();
    let data = text;
    try { data = text ? JSON.parse(text) : undefined; } catch { /* keep text */ }
    return Object.assign(res, { config: opts, data });
  }

  async getRequestHeaders() {
    return new Headers();
  }

  async getAccessToken() {
    return { token: null };
  }
}
