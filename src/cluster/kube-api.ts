/**
 * What the cache needs from the apiserver: list (one page) and watch (a stream of events),
 * with the error type both report. `HttpKubeApi` (http-kube-api.ts) implements it over
 * node:http/node:https; the tests also drive it against a local fake apiserver.
 */
import type { ApiCallCounts } from './cluster-state.js';

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
  /**
   * Milliseconds the page's JSON.parse held the event loop, when the client measures it:
   * the background audit counts it against its CPU share (src/audit/cpu-share.ts).
   */
  parseMs?: number;
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

export interface KubeApi {
  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage>;
  /** Resolves when the server ends the stream; rejects with ApiError or the abort reason. */
  watch(path: string, query: QueryParams, handlers: WatchHandlers, signal: AbortSignal): Promise<void>;
  readonly calls: Readonly<ApiCallCounts>;
  /** Releases open connections once the cache has stopped. */
  close?(): void;
}
