/**
 * What the bench changes in the fake apiserver's cluster while a serve watches it: the Rollouts
 * of one namespace in ten get a label bumped, upserted one by one, so that each goes out as a
 * MODIFIED watch event, as a GitOps sync touching a tenth of the teams would. The incremental
 * audit-under-load row (bench/cache.ts) needs changed namespaces: with none, an incremental
 * audit has nothing to judge and the row would measure an idle audit.
 */
import type { JsonObject } from '../src/routing/model.js';
import type { ListWatchApiServer } from '../test/cluster/list-watch-apiserver.js';

/** The label bumped on every touched Rollout: "1" on the first touch, "2" on the next, ... */
export const TOUCHED_LABEL = 'rtw-bench/touched';
/** One namespace in this many is touched. */
export const TOUCH_EVERY = 10;

/** What one touch changed, printed by bench/fake-cluster.ts as `{"touched": ...}`. */
export interface Touched {
  /** The namespaces whose Rollouts were upserted, in the order they were chosen. */
  namespaces: string[];
  /** Rollouts upserted: one MODIFIED watch event each. */
  rollouts: number;
  /** Ingresses in those namespaces (left as they are): with the Rollouts, what an audit of them lists. */
  ingresses: number;
  /** The fake's resourceVersion after the last upsert. */
  resourceVersion: number;
}

/** team-2 before team-10, so that "every tenth" reads team-0, team-10, team-20, ... */
const numericOrder = new Intl.Collator('en', { numeric: true });

/**
 * Touches the Rollouts of every TOUCH_EVERY-th namespace that holds Rollouts (in numeric name
 * order, starting with the first): the label TOUCHED_LABEL goes up by one on each.
 */
export function touchEveryTenthNamespace(server: ListWatchApiServer): Touched {
  const rollouts = server.truth('rollouts');
  const names = [...new Set(rollouts.map(namespaceOf))].sort(numericOrder.compare);
  const chosen = names.filter((_, i) => i % TOUCH_EVERY === 0);
  const touched = new Set(chosen);
  let count = 0;
  for (const rollout of rollouts) {
    if (!touched.has(namespaceOf(rollout))) continue;
    server.upsert('rollouts', withTouchBumped(rollout));
    count++;
  }
  const ingresses = server.truth('ingresses').filter((i) => touched.has(namespaceOf(i))).length;
  return { namespaces: chosen, rollouts: count, ingresses, resourceVersion: server.resourceVersion };
}

function metadataOf(obj: JsonObject): JsonObject {
  return obj['metadata'] as JsonObject;
}

function namespaceOf(obj: JsonObject): string {
  return metadataOf(obj)['namespace'] as string;
}

function withTouchBumped(obj: JsonObject): JsonObject {
  const metadata = metadataOf(obj);
  const labels = (metadata['labels'] ?? {}) as JsonObject;
  const touches = Number(labels[TOUCHED_LABEL] ?? 0) + 1;
  return { ...obj, metadata: { ...metadata, labels: { ...labels, [TOUCHED_LABEL]: String(touches) } } };
}
