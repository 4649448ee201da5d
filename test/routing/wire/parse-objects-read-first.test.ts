/**
 * The object parsers look at a value before they build its field path, and read one
 * annotation without building the map of all of them. These cases pin what that must not
 * change: the good entries of a map or list that also holds bad ones, the problems of every
 * annotation although only one is read, and the order of problems across fields.
 */
import { describe, expect, it } from 'vitest';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
} from '../../../src/routing/wire/index.js';

function problems(parsed: { findings: { rule: string; field: string; message: string }[] }): string[] {
  return parsed.findings.map((f) => `${f.rule} ${f.message}`);
}

describe('annotations: one read, all checked', () => {
  it('reads the revision of a Rollout among other annotations, reporting the bad ones in key order', () => {
    const parsed = parseRollout({
      metadata: {
        name: 'web',
        annotations: { b: 3, 'rollout.argoproj.io/revision': '12', a: null, c: ['x'] },
      },
    });
    expect(parsed.value?.revision).toBe(12);
    expect(problems(parsed)).toEqual([
      'malformed-field metadata.annotations["b"] must be a string, got 3',
      'malformed-field metadata.annotations["c"] must be a string, got an array',
    ]);
  });

  it('reports annotations that are not an object once, and reads no revision', () => {
    const parsed = parseRollout({ metadata: { name: 'web', annotations: ['rollout.argoproj.io/revision'] } });
    expect(parsed.value?.revision).toBeUndefined();
    expect(problems(parsed)).toEqual([
      'malformed-field metadata.annotations must be an object, got an array',
    ]);
  });

  it('reads no revision from a revision annotation that is not a string', () => {
    const parsed = parseRollout({
      metadata: { name: 'web', annotations: { 'rollout.argoproj.io/revision': 4 } },
    });
    expect(parsed.value?.revision).toBeUndefined();
    expect(problems(parsed)).toEqual([
      'malformed-field metadata.annotations["rollout.argoproj.io/revision"] must be a string, got 4',
    ]);
  });

  it('reads the managing Rollout of a Service and the default mark of an IngressClass the same way', () => {
    const service = parseService({
      metadata: { name: 's', annotations: { x: 1, 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' } },
    });
    expect(service.value?.managedByRollout).toBe('web');
    expect(problems(service)).toEqual(['malformed-field metadata.annotations["x"] must be a string, got 1']);
    const ingressClass = parseIngressClass({
      metadata: {
        name: 'alb',
        annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true', y: false },
      },
      spec: { controller: 7 },
    });
    expect(ingressClass.value?.isDefault).toBe(true);
    // The annotations come before the spec, as they come before it in the object.
    expect(problems(ingressClass)).toEqual([
      'malformed-field metadata.annotations["y"] must be a string, got false',
      'malformed-field spec.controller must be a string, got 7',
    ]);
  });

  it('keeps the good annotations of an Ingress whose annotations also hold bad ones', () => {
    const parsed = parseIngress({ metadata: { name: 'i', annotations: { a: 'one', b: 2, c: 'three' } } });
    expect({ ...parsed.value?.annotations }).toEqual({ a: 'one', c: 'three' });
    expect(problems(parsed)).toEqual(['malformed-field metadata.annotations["b"] must be a string, got 2']);
  });
});

describe('maps and lists of strings with bad entries', () => {
  it('keeps the good pod labels and reports the bad one', () => {
    const parsed = parseRollout({
      metadata: { name: 'web' },
      spec: { template: { metadata: { labels: { app: 'web', tier: 1, team: 'shop', gone: null } } } },
    });
    expect({ ...parsed.value?.podLabels }).toEqual({ app: 'web', team: 'shop' });
    expect(problems(parsed)).toEqual([
      'malformed-field spec.template.metadata.labels["tier"] must be a string, got 1',
    ]);
  });

  it('reads pod labels of strings only as they are, and no labels as an empty map', () => {
    const labelled = parseRollout({
      metadata: { name: 'web' },
      spec: { template: { metadata: { labels: { a: 'b' } } } },
    });
    expect({ ...labelled.value?.podLabels }).toEqual({ a: 'b' });
    const bare = parseRollout({ metadata: { name: 'web' }, spec: { template: {} } });
    expect({ ...bare.value?.podLabels }).toEqual({});
    expect([...labelled.findings, ...bare.findings]).toEqual([]);
  });

  it('keeps the good names of alb.ingresses, reports the bad ones, and returns a copy', () => {
    const ingresses = ['a', 3, null, 'b'];
    const all = ['x', 'y'];
    const parsed = parseRollout({
      metadata: { name: 'web' },
      spec: {
        strategy: { canary: { trafficRouting: { alb: { ingresses }, nginx: { stableIngresses: all } } } },
      },
    });
    const tr = parsed.value?.canary?.trafficRouting;
    expect(tr?.alb?.ingresses).toEqual(['a', 'b']);
    expect(tr?.nginx?.stableIngresses).toEqual(['x', 'y']);
    // The model's list is its own: editing it leaves the request's object as it was.
    expect(tr?.nginx?.stableIngresses).not.toBe(all);
    expect(problems(parsed)).toEqual([
      'malformed-field spec.strategy.canary.trafficRouting.alb.ingresses[1] must be a string, got 3',
    ]);
  });

  it('keeps the good NGINX annotation maps and reports bad entries under their own keys', () => {
    const parsed = parseRollout({
      metadata: { name: 'web' },
      spec: {
        strategy: {
          canary: {
            trafficRouting: {
              nginx: {
                stableIngress: 'i',
                additionalIngressAnnotations: { 'canary-by-header': 'x', bad: {} },
                canaryIngressAnnotations: 'no',
              },
            },
          },
        },
      },
    });
    const nginx = parsed.value?.canary?.trafficRouting?.nginx;
    expect({ ...nginx?.additionalIngressAnnotations }).toEqual({ 'canary-by-header': 'x' });
    expect({ ...nginx?.canaryIngressAnnotations }).toEqual({});
    expect(problems(parsed)).toEqual([
      'malformed-field spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations["bad"] must be a string, got an object',
      'malformed-field spec.strategy.canary.trafficRouting.nginx.canaryIngressAnnotations must be an object, got "no"',
    ]);
  });
});

describe('the order of problems follows the order of reading', () => {
  it('reports metadata, then spec fields, then status, each at its own path', () => {
    const parsed = parseRollout({
      status: { abort: 'yes', canary: { weights: { canary: { weight: 'w' } } } },
      spec: {
        strategy: {
          canary: {
            steps: [
              { pause: { duration: true } },
              'junk',
              { setHeaderRoute: { name: 1, match: [{ headerValue: 2 }] } },
            ],
            stableService: 5,
            trafficRouting: { managedRoutes: [{ name: 4 }, 'r'], plugins: null },
          },
        },
      },
      metadata: { name: 'web', uid: 9 },
    });
    expect(parsed.findings.map((f) => f.field)).toEqual([
      'metadata.uid',
      'spec.strategy.canary.stableService',
      'spec.strategy.canary.trafficRouting.managedRoutes[0].name',
      'spec.strategy.canary.trafficRouting.managedRoutes[1]',
      'spec.strategy.canary.steps[0].pause.duration',
      'spec.strategy.canary.steps[1]',
      'spec.strategy.canary.steps[2].setHeaderRoute.name',
      'spec.strategy.canary.steps[2].setHeaderRoute.match[0].headerValue',
      'status.abort',
      'status.canary.weights.canary.weight',
    ]);
    expect(parsed.value?.canary?.trafficRouting?.managedRoutes).toEqual([]);
    expect(parsed.value?.canary?.trafficRouting?.gatewayApi).toBeUndefined();
  });
});

// Each parser skips a null field before it builds the field's path, so the reader, which
// also reads null as absent, never sees it: the null must still come out as absent, unreported.
describe('a null field reads as absent, unreported, wherever the parsers skip it', () => {
  it('Service: null namespace, annotations, ports and selector, and a null managed-by annotation', () => {
    const bare = parseService({
      metadata: { name: 's', namespace: null, annotations: null },
      spec: { ports: null, selector: null },
    });
    expect(bare).toStrictEqual({ value: { namespace: 'default', name: 's', ports: [] }, findings: [] });
    const annotated = parseService({
      metadata: { name: 's', annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': null } },
    });
    expect(annotated).toStrictEqual({ value: { namespace: 'default', name: 's', ports: [] }, findings: [] });
  });

  it('Ingress: null annotations, host and backend of a path', () => {
    const parsed = parseIngress({
      metadata: { name: 'i', annotations: null },
      spec: { rules: [{ host: null, http: { paths: [{ path: '/', backend: null }] } }] },
    });
    expect(parsed.findings).toEqual([]);
    expect({ ...parsed.value?.annotations }).toEqual({});
    expect(parsed.value?.backends).toEqual([]);
  });

  it('Rollout: null alb.ingresses, header value, pod labels and status weights', () => {
    const parsed = parseRollout({
      metadata: { name: 'web' },
      spec: {
        template: { metadata: { labels: null } },
        strategy: {
          canary: {
            trafficRouting: { alb: { ingress: 'i', ingresses: null } },
            steps: [{ setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: null }] } }],
          },
        },
      },
      status: { canary: { weights: { canary: null, stable: null } } },
    });
    expect(parsed.findings).toEqual([]);
    expect(parsed.value?.canary?.trafficRouting?.alb?.ingress).toBe('i');
    expect(parsed.value?.canary?.trafficRouting?.alb?.ingresses).toBeUndefined();
    expect(parsed.value?.canary?.steps).toEqual([
      { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: null }] } },
    ]);
    expect({ ...parsed.value?.podLabels }).toEqual({});
    expect(parsed.value?.status?.weights).toBeUndefined();
  });
});
