/**
 * Run by project.test.ts in a process of its own with the chart's young generation
 * (`node --max-semi-space-size=2 --import tsx`): keeps 20,000 Rollout and 20,000 Ingress
 * projections as the store does, then parses one more object of each kind as a hook or the
 * audit would, and prints how many of that parse's objects V8 allocated in the old generation
 * (`%InYoungGeneration`, a V8 test intrinsic). Zero means the parsers' allocation sites were
 * not pretenured by what the store keeps.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { parseAllDocuments } from 'yaml';
import { project } from '../../src/cluster/project.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import { parseIngress, parseRollout } from '../../src/routing/wire/index.js';

setFlagsFromString('--allow-natives-syntax');
const inYoungGeneration = new Function('o', 'return %InYoungGeneration(o)') as (o: object) => boolean;

const root = new URL('../..', import.meta.url).pathname;
const rollout: unknown = parseAllDocuments(readFileSync(`${root}examples/quickstart/app.yaml`, 'utf8'))
  .map((d) => d.toJS() as { kind?: string })
  .find((d) => d.kind === 'Rollout');
const review = JSON.parse(readFileSync(`${root}examples/reviews/argocd-reapply-mid-canary.json`, 'utf8')) as {
  request: { oldObject: unknown };
};
const templateText = {
  rollouts: JSON.stringify(rollout),
  ingresses: JSON.stringify(review.request.oldObject),
};

const objectOf = (kind: 'rollouts' | 'ingresses', i: number): unknown =>
  JSON.parse(templateText[kind].replaceAll('"name":"web"', `"name":"web-${i}"`));

/** Objects and arrays in a parse result, and how many of them are in the old generation. */
function generations(value: object): { objects: number; old: number } {
  let objects = 0;
  let old = 0;
  const pending: object[] = [value];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    objects++;
    if (!inYoungGeneration(node)) old++;
    for (const child of Object.values(node))
      if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return { objects, old };
}

const kept: unknown[] = [];
const result: Record<string, { objects: number; old: number }> = {};
for (const [kind, parse] of [
  ['rollouts', parseRollout],
  ['ingresses', parseIngress],
] as const) {
  for (let i = 0; i < 20_000; i++) kept.push(project(kind satisfies ResourceKind, objectOf(kind, i)));
  result[kind] = generations(parse(objectOf(kind, -1)).value!);
}
process.stdout.write(`${JSON.stringify({ kept: kept.length, ...result })}\n`);
