import { ApiError } from '../../src/cluster/kube-api.js';
import type { JsonObject } from '../../src/routing/model.js';

/**
 * The policy reports of a fake apiserver, keyed `group/namespace` (one report per namespace
 * and format, as the audit writes them): GET (404 when absent), POST/PUT (stored with a new
 * resourceVersion), DELETE.
 */
export class FakeReportStore {
  readonly reports = new Map<string, JsonObject>();
  private rv = 1;

  send(method: string, path: string, body: unknown): unknown {
    const parts = path.split('/');
    const namespace = parts[parts.indexOf('namespaces') + 1]!;
    const key = `${parts[2]}/${namespace}`;
    if (method === 'GET') {
      const report = this.reports.get(key);
      if (!report) throw new ApiError(`policy report ${key} not found`, 404);
      return structuredClone(report);
    }
    if (method === 'DELETE') {
      this.reports.delete(key);
      return {};
    }
    const object = structuredClone(body) as JsonObject;
    (object['metadata'] as JsonObject)['resourceVersion'] = String(++this.rv);
    this.reports.set(key, object);
    return object;
  }
}
