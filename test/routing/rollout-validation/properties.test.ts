import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingressControllers, argoRolloutsIngressClass } from '../../../src/routing/ingress-class.js';
import type { Ingress, Service } from '../../../src/routing/model.js';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
} from '../../../src/routing/wire/index.js';
import { validateRollout } from '../../../src/routing/rollout-validation/index.js';
import { validateRolloutSpec } from '../../../src/routing/rollout-validation/validate-rollout.js';
import { albCanary, clusterOf } from './fixtures.js';
import { expectWellFormedFindings } from '../finding-shape.js';
import { parsedValue } from '../builders.js';

/** Either arbitrary JSON or a value of the right shape, so that deep rules are reached too. */
const orJson = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: fc.jsonValue(), weight: 1 });
const name = fc.oneof(
  { arbitrary: fc.constantFrom('web', 'web-stable', 'web-canary', 'hdr', ''), weight: 4 },
  { arbitrary: fc.string({ maxLength: 70 }), weight: 1 },
);
const stringMatch = orJson(
  fc.record({ exact: fc.string(), prefix: fc.string(), regex: fc.string() }, { requiredKeys: [] }),
);
const step = fc.record(
  {
    setWeight: orJson(fc.integer({ min: -10, max: 1100 })),
    pause: orJson(fc.record({ duration: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] })),
    experiment: orJson(
      fc.record({
        templates: fc.array(
          fc.record({ name, weight: fc.integer({ min: -1, max: 100 }) }, { requiredKeys: ['name'] }),
          { maxLength: 3 },
        ),
      }),
    ),
    setCanaryScale: orJson(fc.record({ weight: fc.integer() }, { requiredKeys: [] })),
    setHeaderRoute: orJson(
      fc.record({
        name,
        match: fc.oneof(
          fc.constant(null),
          fc.array(
            fc.record({
              headerName: fc.constantFrom('X-Canary', 'x-canary', 'a'),
              headerValue: fc.oneof(fc.constant(null), stringMatch),
            }),
            { maxLength: 4 },
          ),
        ),
      }),
    ),
    setMirrorRoute: orJson(
      fc.record(
        {
          name,
          match: fc.array(
            fc.record(
              { method: stringMatch, path: stringMatch, headers: fc.dictionary(fc.string(), stringMatch) },
              { requiredKeys: [] },
            ),
            { maxLength: 2 },
          ),
          percentage: fc.integer(),
        },
        { requiredKeys: ['name'] },
      ),
    ),
    analysis: fc.jsonValue(),
    plugin: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const trafficRouting = orJson(
  fc.record(
    {
      alb: orJson(
        fc.record(
          {
            ingress: name,
            ingresses: fc.array(name, { maxLength: 3 }),
            servicePort: fc.integer({ min: 0, max: 90 }),
            rootService: name,
            annotationPrefix: fc.string(),
            stickinessConfig: fc.record({ enabled: fc.boolean(), durationSeconds: fc.integer() }),
          },
          { requiredKeys: [] },
        ),
      ),
      nginx: orJson(
        fc.record(
          { stableIngress: name, stableIngresses: fc.array(name, { maxLength: 3 }) },
          { requiredKeys: [] },
        ),
      ),
      istio: orJson(fc.record({ destinationRule: fc.jsonValue() }, { requiredKeys: [] })),
      plugins: fc.jsonValue(),
      smi: fc.jsonValue(),
      maxTrafficWeight: orJson(fc.integer({ min: 0, max: 1000 })),
      managedRoutes: orJson(fc.array(fc.record({ name }), { maxLength: 3 })),
    },
    { requiredKeys: [] },
  ),
);
const canary = fc.record(
  {
    stableService: orJson(name),
    canaryService: orJson(name),
    pingPong: orJson(fc.record({ pingService: name, pongService: name }, { requiredKeys: [] })),
    dynamicStableScale: orJson(fc.boolean()),
    scaleDownDelaySeconds: orJson(fc.integer()),
    trafficRouting,
    steps: orJson(fc.array(orJson(step), { maxLength: 5 })),
  },
  { requiredKeys: [] },
);
const shaped = fc.record({
  metadata: orJson(fc.constant({ name: 'web', namespace: 'shop' })),
  spec: orJson(fc.record({ strategy: orJson(fc.record({ canary: orJson(canary) })) })),
});

const port = fc.oneof(
  fc.record({ name: fc.constantFrom('use-annotation', 'use-annotations', 'http', 'Use-Annotation') }),
  fc.record({ number: fc.integer({ min: 1, max: 90 }) }),
  fc.jsonValue(),
);
const backend = fc.oneof(
  { arbitrary: fc.record({ service: fc.record({ name, port }) }), weight: 3 },
  fc.record({ serviceName: name, servicePort: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }),
  fc.jsonValue(),
) as fc.Arbitrary<unknown>;
const ingressJson = orJson(
  fc.record({
    metadata: fc.record({
      name: fc.constant('web'),
      annotations: fc.dictionary(
        fc.constantFrom('kubernetes.io/ingress.class', 'x'),
        fc.constantFrom('alb', 'nginx', ''),
      ),
    }),
    spec: fc.record(
      {
        ingressClassName: fc.constantFrom('alb', 'nginx', 'other', ''),
        defaultBackend: backend,
        rules: fc.array(
          fc.record(
            {
              host: fc.domain(),
              http: fc.record({
                paths: fc.array(fc.record({ path: fc.constantFrom('/', '/*'), backend }), { maxLength: 3 }),
              }),
            },
            { requiredKeys: ['http'] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
  }),
);
const classJson = orJson(
  fc.record({
    metadata: fc.record({
      name: fc.constantFrom('alb', 'nginx'),
      annotations: fc.constantFrom({}, { 'ingressclass.kubernetes.io/is-default-class': 'true' }),
    }),
    spec: fc.record({ controller: fc.constantFrom('ingress.k8s.aws/alb', 'k8s.io/ingress-nginx', 'x') }),
  }),
);

function clusterFrom(ingressJson: unknown, serviceJson: unknown, classJson: unknown) {
  const ingress = parseIngress(ingressJson).value;
  const service = parseService(serviceJson).value;
  const cls = parseIngressClass(classJson).value;
  const withNs = <T extends { namespace: string; name: string }>(o: T | undefined) =>
    o ? [{ ...o, namespace: 'shop', name: 'web' }] : [];
  return clusterOf({
    ingresses: withNs<Ingress>(ingress),
    services: [
      ...withNs<Service>(service),
      ...(service ? [{ ...service, namespace: 'shop', name: 'web-canary' }] : []),
    ],
    classes: cls ? [cls] : [],
  });
}

describe('validators never throw on arbitrary input (property)', () => {
  it('fc.jsonValue and fc.anything through parseRollout', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.anything(), shaped, shaped),
        fc.oneof(fc.anything(), ingressJson),
        fc.jsonValue(),
        classJson,
        (obj, ing, svc, cls) => {
          const rollout = parseRollout(obj).value;
          if (!rollout) return;
          expectWellFormedFindings(validateRollout(rollout, clusterFrom(ing, svc, cls)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('arbitrary Ingresses and IngressClasses against a valid Rollout', () => {
    const rollout = parsedValue(
      parseRollout({
        metadata: { name: 'web', namespace: 'shop' },
        spec: { strategy: { canary: albCanary() } },
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.anything(), ingressJson),
        fc.jsonValue(),
        classJson,
        (ing, svc, cls) => {
          const cluster = clusterFrom(ing, svc, cls);
          expectWellFormedFindings(validateRollout(rollout, cluster));
          const parsed = parseIngress(ing);
          expectWellFormedFindings(parsed.findings);
          const ingress = parsed.value;
          if (!ingress) return;
          const controllers = ingressControllers(ingress, cluster.ingressClasses());
          // One sentence per controller, the ALB one first, ending in a full stop.
          const albAt = controllers.reason.indexOf('AWS Load Balancer Controller');
          expect(albAt).toBeGreaterThanOrEqual(0);
          expect(controllers.reason.indexOf('ingress-nginx controller', albAt)).toBeGreaterThan(albAt);
          expect(controllers.reason).toMatch(/\.$/);
          expect(controllers.reason).not.toContain('[object Object]');
          // The class Argo Rollouts sees is a class the Ingress names, never an empty one.
          const cls_ = argoRolloutsIngressClass(ingress);
          if (cls_ !== undefined) {
            expect(cls_).not.toBe('');
            expect([ingress.annotations['kubernetes.io/ingress.class'], ingress.ingressClassName]).toContain(
              cls_,
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('findings are deterministic (property)', () => {
  it('validating the same objects twice gives the same findings', () => {
    fc.assert(
      fc.property(shaped, ingressJson, (obj, ing) => {
        const first = parseRollout(obj).value;
        const second = parseRollout(structuredClone(obj)).value;
        if (!first || !second) return;
        const cluster = clusterFrom(ing, undefined, undefined);
        expect(validateRollout(second, cluster)).toEqual(validateRollout(first, cluster));
        expect(validateRolloutSpec(second)).toEqual(validateRolloutSpec(first));
      }),
      { numRuns: 300 },
    );
  });
});
