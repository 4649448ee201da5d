/**
 * The two apiserver calls the cache makes, list (one page) and watch (a stream of
 * events), done through @kubernetes/client-node: its KubeConfig supplies the server,
 * credentials, TLS and proxy (`applySecurityAuthentication`), and its fetch-based HTTP
 * library sends the request. Every call is counted, and calls made while serving an
 * admission request are counted separately (that number must stay 0).
 *
 * Why not client-node's `Watch`: it drops a line it cannot parse without telling anyone
 * (a lost event we could not relist for), it cannot be aborted while connecting, and it
 * tears down any watch quiet for 30 s. Reading the stream here is a few lines and lets
 * the cache decide all of that itself.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext } from '@kubernetes/client-node';
import type { KubeConfig, ResponseContext } from '@kubernetes/client-node';
import { isJsonObject } from '../routing/json-read.js';
import type { ApiCallCounts } from './cluster-state.js';
import { isOnRequestPath } from './request-path.js';

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or the `code` of a watch ERROR event; undefined for network errors. */
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  /** Continue token when more pages follow. */
  continueToken?: string;
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

export interface WatchHandlers {
  /** The server accepted the watch (HTTP 200); events follow. */
  onOpen(): void;
  /** One event; throwing ends the watch with that error. */
  onEvent(event: WatchEvent): void;
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** What the cache needs from the apiserver; the tests drive it through a local fake server. */
export interface KubeApi {
  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage>;
  /** Resolves when the server ends the stream; rejects with ApiError or the abort reason. */
  watch(path: string, query: QueryParams, handlers: WatchHandlers, signal: AbortSignal): Promise<void>;
  readonly calls: Readonly<ApiCallCounts>;
}

/** Longest error body kept for a message: Status objects are small; anything else is cut. */
const MAX_ERROR_BODY = 4096;

export class ClientNodeKubeApi implements KubeApi {
  private readonly http = new IsomorphicFetchHttpLibrary();
  readonly calls: ApiCallCounts = { list: 0, watch: 0, onRequestPath: 0 };

  constructor(private readonly kubeConfig: KubeConfig) {}

  async list(path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage> {
    this.count('list');
    const response = await this.send(path, query, signal);
    const text = await response.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(`GET ${path}: the response is not JSON`);
    }
    const metadata = isJsonObject(body) && isJsonObject(body['metadata']) ? body['metadata'] : {};
    const items = isJsonObject(body) ? body['items'] : undefined;
    const resourceVersion = metadata['resourceVersion'];
    if (!Array.isArray(items) || typeof resourceVersion !== 'string' || !resourceVersion) {
      throw new ApiError(`GET ${path}: the response is not a list with items and metadata.resourceVersion`);
    }
    const next = metadata['continue'];
    return typeof next === 'string' && next
      ? { items, resourceVersion, continueToken: next }
      : { items, resourceVersion };
  }

  async watch(path: string, query: QueryParams, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    this.count('watch');
    const response = await this.send(path, { ...query, watch: true }, signal);
    const stream = response.body.stream();
    if (!stream) throw new ApiError(`GET ${path} (watch): the response has no body`);
    handlers.onOpen();
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) handlers.onEvent(parseWatchLine(line, path));
      }
    }
    pending += decoder.decode();
    if (pending.trim()) handlers.onEvent(parseWatchLine(pending, path));
  }

  private count(verb: 'list' | 'watch'): void {
    this.calls[verb]++;
    if (isOnRequestPath()) this.calls.onRequestPath++;
  }

  private async send(path: string, query: QueryParams, signal: AbortSignal): Promise<ResponseContext> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new ApiError('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const request = new RequestContext(url.toString(), HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    await this.kubeConfig.applySecurityAuthentication(request);
    request.setSignal(signal);
    const response = await this.http.send(request).toPromise();
    if (response.httpStatusCode !== 200) throw await statusError(path, response);
    return response;
  }
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
async function statusError(path: string, response: ResponseContext): Promise<ApiError> {
  const code = response.httpStatusCode;
  const text = await response.body.text().catch(() => '');
  let detail = text.slice(0, MAX_ERROR_BODY).trim();
  try {
    const status: unknown = JSON.parse(text);
    if (isJsonObject(status) && typeof status['message'] === 'string') detail = status['message'];
  } catch {
    // not a Status object; keep the text
  }
  return new ApiError(`GET ${path}: HTTP ${code}${detail ? `: ${detail}` : ''}`, code);
}
