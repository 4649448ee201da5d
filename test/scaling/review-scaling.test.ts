/**
 * Every review costs time linear in the size of the request. For each input dimension (the
 * length of every string field, the number of paths, rules, annotations, steps and list
 * entries, the size and nesting of JSON held in annotations) a review of size n and one of
 * size 8n are timed in the same run (test/support/scaling.ts). Plus one absolute check: objects as
 * large as the apiserver accepts (3 MiB) are reviewed well inside the hook's 3 s timeout.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/routing/model.js';
import { BASE_REVIEWS, at, loadState, pathsOf, reviewInProcess, type Path } from '../fuzz/fuzz-support.js';
import { threadCpuMs } from '../support/cpu-time.js';
import { expectLinear, measureScaling } from '../support/scaling.js';

const state = await loadState();

function withValue(root: JsonObject, path: Path, value: unknown): JsonObject {
  const copy = structuredClone(root);
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
  return copy;
}

function review(uid: string): JsonObject {
  const found = BASE_REVIEWS.find((r) => (r['request'] as JsonObject)['uid'] === uid);
  if (!found) throw new Error(`no base review ${uid}`);
  return structuredClone(found);
}

/** Both hooks, as the apiserver would call them for an Ingress; a Rollout only meets validate. */
function reviewBoth(body: JsonObject): void {
  const mutate = reviewInProcess(state, 'mutate', body);
  const validate = reviewInProcess(state, 'validate', body);
  // A 500 would mean a crash inside a hook: the scaling inputs must still be answered.
  expect([mutate.status, validate.status]).not.toContain(500);
}

const INGRESS_UPDATE = 'uid-ingress-update';
const ROLLOUT_UPDATE = 'uid-rollout-update';
const ARGOCD_UPDATE = '2f9c1a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const objectOf = (body: JsonObject) => (body['request'] as JsonObject)['object'] as JsonObject;
const oldObjectOf = (body: JsonObject) => (body['request'] as JsonObject)['oldObject'] as JsonObject;
const rolloutSpecOf = (body: JsonObject) => objectOf(body)['spec'] as JsonObject;
const canaryOf = (body: JsonObject) =>
  (rolloutSpecOf(body)['strategy'] as JsonObject)['canary'] as JsonObject;
const annotationsOf = (object: JsonObject) =>
  ((object['metadata'] as JsonObject)['annotations'] ??= {}) as JsonObject;
const pathsListOf = (body: JsonObject) =>
  (((objectOf(body)['spec'] as JsonObject)['rules'] as JsonObject[])[0]!['http'] as JsonObject)[
    'paths'
  ] as JsonObject[];

describe('string length: every string field of the reviewed objects', () => {
  const bases = [INGRESS_UPDATE, ARGOCD_UPDATE, ROLLOUT_UPDATE].map(review);
  // The live Ingress (oldObject) carries the weight action as JSON text: its fields are parsed.
  const stringLeaves = bases.flatMap((body) =>
    pathsOf(body)
      .filter((path) => path[1] === 'object' || path[1] === 'oldObject')
      .filter((path) => typeof at(body, path) === 'string')
      .map((path) => ({ body, path })),
  );

  it('finds the fields to grow', () => {
    expect(stringLeaves.length).toBeGreaterThan(60);
  });

  // Digits reach the number and duration parsers; letters the name and key parsers.
  for (const filler of ['1', 'a']) {
    it(
      `reviews each string field filled with ${JSON.stringify(filler)} in linear time`,
      { timeout: 120_000 },
      () => {
        for (const { body, path } of stringLeaves) {
          const scaling = measureScaling((n) => withValue(body, path, filler.repeat(n)), reviewBoth, 2_000);
          expectLinear(scaling, path.join('.'));
        }
      },
    );
  }
});

describe('counts: paths, rules, annotations, steps and list entries', () => {
  const path = (i: number) => ({
    path: `/p${i}`,
    pathType: 'Prefix',
    backend: { service: { name: `svc-${i}`, port: { number: 80 } } },
  });

  const cases: { what: string; build: (n: number) => JsonObject }[] = [
    {
      // The case that took 5-14 s with 12,000 paths: the patch differ compared paths pairwise.
      what: 'Ingress paths beside the use-annotation path',
      build: (n) => {
        const body = review(ARGOCD_UPDATE);
        pathsListOf(body).push(...Array.from({ length: n }, (_, i) => path(i)));
        return body;
      },
    },
    {
      what: 'Ingress paths the mutating hook moves (live order reversed)',
      build: (n) => {
        const body = review(ARGOCD_UPDATE);
        const paths = Array.from({ length: n }, (_, i) => path(i));
        pathsListOf(body).push(...paths);
        const old = oldObjectOf(body);
        if (old)
          (((old['spec'] as JsonObject)['rules'] as JsonObject[])[0]!['http'] as JsonObject)['paths'] = [
            ...paths,
          ].reverse();
        return body;
      },
    },
    {
      what: 'Ingress rules',
      build: (n) => {
        const body = review(ARGOCD_UPDATE);
        const rules = (objectOf(body)['spec'] as JsonObject)['rules'] as JsonObject[];
        for (let i = 0; i < n; i++) rules.push({ host: `h${i}.example.com`, http: { paths: [path(i)] } });
        return body;
      },
    },
    {
      what: 'Ingress annotations',
      build: (n) => {
        const body = review(INGRESS_UPDATE);
        const annotations = annotationsOf(objectOf(body));
        for (let i = 0; i < n; i++)
          annotations[`alb.ingress.kubernetes.io/actions.svc-${i}`] = '{"type":"fixed-response"}';
        return body;
      },
    },
    {
      what: 'Rollout steps',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const steps = canaryOf(body)['steps'] as JsonObject[];
        for (let i = 0; i < n; i++) steps.push({ setWeight: i % 100 }, { pause: { duration: `${i}s` } });
        return body;
      },
    },
    {
      what: 'Rollout annotations, pod labels and trafficRouting keys (one bad value each, so every entry is checked)',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const annotations = annotationsOf(objectOf(body));
        const labels: JsonObject = { bad: 1 };
        for (let i = 0; i < n; i++) {
          annotations[`note-${i}`] = `v${i}`;
          labels[`label-${i}`] = `v${i}`;
        }
        annotations['bad'] = 1;
        rolloutSpecOf(body)['template'] = { metadata: { labels } };
        const routing = canaryOf(body)['trafficRouting'] as JsonObject;
        for (let i = 0; i < n; i++) routing[`router-${i}`] = {};
        return body;
      },
    },
    {
      what: 'Rollout alb.ingresses entries',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const alb = (canaryOf(body)['trafficRouting'] as JsonObject)['alb'] as JsonObject;
        delete alb['ingress'];
        alb['ingresses'] = ['shop', ...Array.from({ length: n }, (_, i) => `ing-${i}`)];
        return body;
      },
    },
    {
      what: 'Rollout nginx stableIngresses entries and additionalIngressAnnotations keys',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const routing = canaryOf(body)['trafficRouting'] as JsonObject;
        delete routing['alb'];
        routing['nginx'] = {
          stableIngresses: ['shop', ...Array.from({ length: n }, (_, i) => `ing-${i}`)],
          additionalIngressAnnotations: Object.fromEntries(
            Array.from({ length: n }, (_, i) => [`key-${i}`, `v${i}`]),
          ),
        };
        return body;
      },
    },
    {
      what: 'Rollout header-route matches and managed routes',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const canary = canaryOf(body);
        const routing = canary['trafficRouting'] as JsonObject;
        routing['managedRoutes'] = Array.from({ length: n }, (_, i) => ({ name: `route-${i}` }));
        (canary['steps'] as JsonObject[]).unshift({
          setHeaderRoute: {
            name: 'route-0',
            match: Array.from({ length: n }, (_, i) => ({
              headerName: `x-h${i}`,
              headerValue: { exact: 'y' },
            })),
          },
        });
        return body;
      },
    },
    {
      what: 'Rollout header-route steps, each against many managed routes',
      build: (n) => {
        const body = review(ROLLOUT_UPDATE);
        const canary = canaryOf(body);
        const routing = canary['trafficRouting'] as JsonObject;
        routing['managedRoutes'] = Array.from({ length: n }, (_, i) => ({ name: `route-${i}` }));
        // Every step names the last route, and one names none of them: a scan would be n × n.
        const steps = canary['steps'] as JsonObject[];
        for (let i = 0; i < n; i++) steps.push({ setHeaderRoute: { name: `route-${n - 1}` } });
        steps.push({ setHeaderRoute: { name: 'route-unknown' } });
        return body;
      },
    },
    {
      what: 'target groups in the live weight action (JSON in an annotation)',
      build: (n) => {
        const body = review(INGRESS_UPDATE);
        const groups = Array.from({ length: n }, (_, i) => ({
          ServiceName: `s${i}`,
          ServicePort: '80',
          Weight: 0,
        }));
        annotationsOf(oldObjectOf(body))['alb.ingress.kubernetes.io/actions.shop-stable'] = JSON.stringify({
          Type: 'forward',
          ForwardConfig: { TargetGroups: groups },
        });
        return body;
      },
    },
    {
      what: 'conditions in a conditions annotation',
      build: (n) => {
        const body = review(INGRESS_UPDATE);
        const conditions = Array.from({ length: n }, (_, i) => ({
          field: 'http-header',
          httpHeaderConfig: { httpHeaderName: `x-${i}`, values: ['a'] },
        }));
        annotationsOf(objectOf(body))['alb.ingress.kubernetes.io/conditions.shop-stable'] =
          JSON.stringify(conditions);
        return body;
      },
    },
  ];

  for (const { what, build } of cases) {
    it(`${what}: linear`, { timeout: 60_000 }, () => {
      expectLinear(measureScaling(build, reviewBoth, 500), what);
    });
  }
});

describe('nesting inside annotation JSON', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const withLiveAction = (text: string) => {
    const body = review(INGRESS_UPDATE);
    annotationsOf(oldObjectOf(body))['alb.ingress.kubernetes.io/actions.shop-stable'] = text;
    annotationsOf(objectOf(body))['alb.ingress.kubernetes.io/actions.shop-stable'] = text;
    return body;
  };

  it('JSON nested n and 8n levels deep (within the limit): linear', () => {
    expectLinear(
      measureScaling((n) => withLiveAction(nested(n)), reviewBoth, 100),
      'nesting',
    );
  });

  it('a live annotation nested 100,000 levels deep is answered (200), not a 500 from recursion', () => {
    const body = withLiveAction(`{"Type":"forward","ForwardConfig":${nested(100_000)}}`);
    expect(reviewInProcess(state, 'mutate', body).status).toBe(200);
    expect(reviewInProcess(state, 'validate', body).status).toBe(200);
  });
});

describe('the largest objects the apiserver accepts', () => {
  const MiB = 1024 * 1024;

  it('an Ingress UPDATE with 3 MiB objects (new and live) is reviewed well inside the 3 s timeout', () => {
    const body = review(ARGOCD_UPDATE);
    const paths = pathsListOf(body);
    // Size counted as paths are added: re-serialising the whole object each time was quadratic.
    for (let i = 0, size = JSON.stringify(objectOf(body)).length; size < 3 * MiB; i++, size += 90)
      paths.push({
        path: `/p${i}`,
        pathType: 'Prefix',
        backend: { service: { name: `svc-${i}`, port: { number: 80 } } },
      });
    const old = oldObjectOf(body);
    (((old['spec'] as JsonObject)['rules'] as JsonObject[])[0]!['http'] as JsonObject)['paths'] = [
      ...paths,
    ].reverse();
    const started = threadCpuMs();
    reviewBoth(body);
    const ms = threadCpuMs() - started;
    // About 1 s on a quiet 2-core machine (every path reordered: the differ's worst case). CPU
    // time, which other processes do not inflate; the bound leaves a third of the hook's 3 s
    // timeout for the apiserver's own work.
    expect(ms, `${ms.toFixed(0)} ms of CPU for both hooks`).toBeLessThan(2_000);
  });

  it('a 3 MiB Rollout is validated well inside the timeout', () => {
    const body = review(ROLLOUT_UPDATE);
    const steps = canaryOf(body)['steps'] as JsonObject[];
    // Size counted as paths are added: re-serialising the whole object each time was quadratic.
    for (let i = 0, size = JSON.stringify(objectOf(body)).length; size < 3 * MiB; i++, size += 90)
      steps.push({ setWeight: i % 100 }, { pause: { duration: `${i % 60}m${i % 60}s` } });
    const started = threadCpuMs();
    expect(reviewInProcess(state, 'validate', body).status).toBe(200);
    const ms = threadCpuMs() - started;
    expect(ms, `${ms.toFixed(0)} ms of CPU`).toBeLessThan(1_000);
  });
});
