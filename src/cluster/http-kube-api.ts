/**
 * The apiserver calls of the cache, list (one page) and watch (a stream of events), plus
 * GET /version for the dev-mode probe, sent with node:http/node:https through an
 * `Endpoint` (server, keep-alive agent, headers). Every list and watch is counted, and
 * calls made while serving an admission request are counted separately (that number must
 * stay 0).
 *
 * Why not client-node's `Watch`: it drops a line it cannot parse without telling anyone
 * (a lost event we could not relist for), it cannot be aborted while connecting, and it
 * tears down any watch quiet for 30 s. Reading the stream here is a few lines and lets
 * the cache decide all of that itself.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { isJsonObject } from '../routing/wire/index.js';
import type { ApiCallCounts } from './cluster-state.js';
import type { Endpoint, RequestTarget } from './endpoint.js';
import { ApiError } from './kube-api.js';
import type { KubeApi, ListPage, QueryParams, WatchEvent, WatchHandlers } from './kube-api.js';
import { nodeHttp } from './node-http.js';
import { isOnRequestPath } from './request-path.js';

/** Longest error body kept for a message: Status objects are small; anything else is cut. */
const MAX_ERROR_BODY = 4096;
const USER_AGENT = 'rollouts-traffic-webhook';
const gunzipAsync = promisify(gunzip);

export class HttpKubeApi implements KubeApi {
  readonly calls: ApiCallCounts = { list: 0, watch: 0, onRequestPath: 0 };
  /** Requests sent with `send` (writes and one-off reads), for tests and diagnostics. */
  writes = 0;

  constructor(private readonly endpoint: Endpoint) {}

  get server(): string {
    return this.endpoint.server;
  }

  async list(path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage> {
    this.count('list');
    const { body, parseMs } = await this.getJson(path, query, signal);
    const metadata = isJsonObject(body) && isJsonObject(body['metadata']) ? body['metadata'] : {};
    const items = isJsonObject(body) ? body['items'] : undefined;
    const resourceVersion = metadata['resourceVersion'];
    if (!Array.isArray(items) || typeof resourceVersion !== 'string' || !resourceVersion) {
      throw new ApiError(`GET ${path}: the response is not a list with items and metadata.resourceVersion`);
    }
    const next = metadata['continue'];
    return typeof next === 'string' && next
      ? { items, resourceVersion, continueToken: next, parseMs }
      : { items, resourceVersion, parseMs };
  }

  async watch(path: string, query: QueryParams, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    this.count('watch');
    // No gzip: events are small and arrive one at a time; a decompressor per stream buys nothing.
    const response = await this.open(path, { ...query, watch: true }, signal, false);
    handlers.onOpen();
    try {
      for await (const line of linesOf(response, path, signal)) handlers.onEvent(parseWatchLine(line, path));
    } finally {
      response.destroy();
    }
  }

  /**
   * A write (Events, policy reports) or a one-off read: sends `body` as JSON (or as
   * `contentType`, e.g. a merge patch) and resolves with the parsed answer of a 2xx
   * response; anything else is an ApiError carrying the status. Never called while
   * answering a review: writes are queued and sent from background work, which the
   * request-path counter proves.
   */
  async send(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal,
    contentType = 'application/json',
  ): Promise<unknown> {
    this.writes++;
    if (isOnRequestPath()) this.calls.onRequestPath++;
    const target = await this.endpoint.target();
    signal.throwIfAborted();
    const url = new URL(target.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      ...target.headers,
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
      ...(payload ? { 'Content-Type': contentType, 'Content-Length': String(payload.length) } : {}),
    };
    const response = await sendOnce(url, method, target, headers, payload, signal).catch((err: unknown) => {
      throw failure(err, signal, `${method} ${path}`);
    });
    const code = response.statusCode ?? 0;
    if (code < 200 || code > 299) throw await statusError(path, response, method);
    const text = await readBody(response).catch((err: unknown) => {
      throw failure(err, signal, `${method} ${path}: the response broke off`);
    });
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(`${method} ${path}: the response is not JSON`);
    }
  }

  /** GET /version: the dev-mode probe that a cluster answers. Not counted: the cache never calls it. */
  async version(signal: AbortSignal): Promise<unknown> {
    return (await this.getJson('/version', {}, signal)).body;
  }

  close(): void {
    this.endpoint.close();
  }

  private count(verb: 'list' | 'watch'): void {
    this.calls[verb]++;
    if (isOnRequestPath()) this.calls.onRequestPath++;
  }

  /** The parsed body of a GET, and how long the parse took (one blocking step: a whole page). */
  private async getJson(
    path: string,
    query: QueryParams,
    signal: AbortSignal,
  ): Promise<{ body: unknown; parseMs: number }> {
    const response = await this.open(path, query, signal, true);
    const text = await readBody(response).catch((err: unknown) => {
      throw failure(err, signal, `GET ${path}: the response broke off`);
    });
    const started = performance.now();
    try {
      const body: unknown = JSON.parse(text);
      return { body, parseMs: performance.now() - started };
    } catch {
      throw new ApiError(`GET ${path}: the response is not JSON`);
    }
  }

  /** Sends a GET and resolves with a 200 response; anything else becomes an ApiError. */
  private async open(
    path: string,
    query: QueryParams,
    signal: AbortSignal,
    gzip: boolean,
  ): Promise<IncomingMessage> {
    const target = await this.endpoint.target();
    signal.throwIfAborted();
    const url = new URL(target.server + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      ...target.headers,
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    };
    if (gzip) headers['Accept-Encoding'] = 'gzip';
    const response = await get(url, target, headers, signal).catch((err: unknown) => {
      throw failure(err, signal, `GET ${path}`);
    });
    if (response.statusCode !== 200) throw await statusError(path, response);
    return response;
  }
}

/**
 * One GET. A keep-alive connection the server closed while it sat idle fails at once with
 * ECONNRESET; Node marks such a request `reusedSocket`, and a GET is safe to send again,
 * once, on a fresh connection.
 */
function get(
  url: URL,
  target: RequestTarget,
  headers: Record<string, string>,
  signal: AbortSignal,
  retried = false,
): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : nodeHttp.request;
  return new Promise((resolve, reject) => {
    let answered = false;
    // `signal` aborts the connect and TLS handshake as well as a response in progress.
    const req = send(url, { agent: target.agent, headers, signal }, (response) => {
      answered = true;
      resolve(response);
    });
    // Kept for the request's whole life: once answered, a broken connection also fails the
    // response stream, which is where the caller sees it; it must not be retried then.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      const stale = req.reusedSocket && err.code === 'ECONNRESET' && !retried && !signal.aborted;
      if (stale) resolve(get(url, target, headers, signal, true));
      else reject(err);
    });
    req.end();
  });
}

/** One request with a body. Not retried: a write may have reached the server. */
function sendOnce(
  url: URL,
  method: string,
  target: RequestTarget,
  headers: Record<string, string>,
  payload: Buffer | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : nodeHttp.request;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, agent: target.agent, headers, signal }, resolve);
    req.on('error', reject);
    req.end(payload);
  });
}

/** The abort reason when the caller aborted; otherwise the network error as an ApiError with context. */
function failure(err: unknown, signal: AbortSignal, context: string): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(`${context}: ${message}`);
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const gzipped = response.headers['content-encoding'] === 'gzip';
  return (gzipped ? await gunzipAsync(body) : body).toString('utf8');
}

/**
 * The non-blank lines of a watch stream. A broken stream becomes an ApiError (or the abort
 * reason); errors thrown by the consumer of a line pass through untouched.
 */
async function* linesOf(
  response: IncomingMessage,
  path: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  response.setEncoding('utf8');
  let pending = '';
  try {
    for await (const chunk of response as AsyncIterable<string>) {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) yield line;
      }
    }
  } catch (err) {
    throw failure(err, signal, `watch ${path}: the stream broke`);
  }
  if (pending.trim()) yield pending;
}

function parseWatchLine(line: string, path: string): WatchEvent {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    throw new ApiError(`watch ${path}: an event is not valid JSON`);
  }
  if (!isJsonObject(event) || typeof event['type'] !== 'string') {
    throw new ApiError(`watch ${path}: an event has no type`);
  }
  return { type: event['type'], object: event['object'] };
}

/** An ApiError from a non-200 response, with the apiserver's Status message when it sent one. */
async function statusError(path: string, response: IncomingMessage, method = 'GET'): Promise<ApiError> {
  const code = response.statusCode;
  const text = await readBody(response).catch(() => '');
  let detail = text.slice(0, MAX_ERROR_BODY).trim();
  try {
    const status: unknown = JSON.parse(text);
    if (isJsonObject(status) && typeof status['message'] === 'string') detail = status['message'];
  } catch {
    // not a Status object; keep the text
  }
  return new ApiError(`${method} ${path}: HTTP ${code}${detail ? `: ${detail}` : ''}`, code);
}
