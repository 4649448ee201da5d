/**
 * Parser cases the routing renderers rely on but parse.test.ts does not reach: every step
 * kind, Istio, mirror routes, and wrong types in each reader.
 */
import { describe, expect, it } from 'vitest';
import { parseIngressClass, parseRollout, parseService } from '../../../src/routing/wire/index.js';

describe('parseRollout: every step kind and provider (argo types.go)', () => {
  const parsed = parseRollout({
    metadata: { name: 'r' },
    spec: {
      strategy: {
        canary: {
          trafficRouting: {
            istio: { destinationRule: { name: 'dr' } },
            smi: {},
            plugins: null,
            managedRoutes: [{ name: 'm' }, { name: 3 }],
          },
          steps: [
            { analysis: { templates: [] } },
            { setCanaryScale: { replicas: 2, weight: 10, matchTrafficWeight: true } },
            { setCanaryScale: {} },
            {
              setMirrorRoute: {
                name: 'mirror',
                percentage: 50,
                match: [
                  { method: { exact: 'GET' }, path: { regex: '/a.*' }, headers: { 'x-a': { prefix: 'p' } } },
                  'junk',
                  {},
                ],
              },
            },
            { setMirrorRoute: { name: 'gone' } },
            { plugin: { name: 'p' } },
            { setHeaderRoute: { name: 'h', match: [7, { headerName: 'x', headerValue: { regex: 'r' } }] } },
          ],
        },
      },
    },
    status: { canary: { weights: { canary: { weight: 5 }, stable: 'junk' } } },
  });
  const canary = parsed.value!.canary!;

  it('reads Istio (destinationRule) and lists other providers, skipping null ones', () => {
    expect(canary.trafficRouting?.otherProviders).toEqual(['istio', 'smi']);
    expect(canary.trafficRouting?.istioDestinationRule).toBe(true);
    expect(canary.trafficRouting?.managedRoutes).toEqual(['m']);
  });

  it('reads analysis, setCanaryScale, setMirrorRoute, plugin and regex header values', () => {
    expect(canary.steps[0]).toEqual({ analysis: { templates: [] } });
    expect(canary.steps[1]).toEqual({
      setCanaryScale: { replicas: 2, weight: 10, matchTrafficWeight: true },
    });
    expect(canary.steps[2]).toEqual({ setCanaryScale: {} });
    expect(canary.steps[3]).toEqual({
      setMirrorRoute: {
        name: 'mirror',
        percentage: 50,
        match: [
          { method: { exact: 'GET' }, path: { regex: '/a.*' }, headers: { 'x-a': { prefix: 'p' } } },
          {},
        ],
      },
    });
    expect(canary.steps[4]).toEqual({ setMirrorRoute: { name: 'gone', match: null } });
    expect(canary.steps[5]).toEqual({ plugin: { name: 'p' } });
    expect(canary.steps[6]?.setHeaderRoute?.match).toEqual([
      { headerName: 'x', headerValue: { regex: 'r' } },
    ]);
  });

  it('drops status weights when a destination is malformed, and reports each wrong type', () => {
    expect(parsed.value!.status.weights).toBeUndefined();
    expect(parsed.findings.map((f) => f.field)).toEqual([
      'spec.strategy.canary.trafficRouting.managedRoutes[1].name',
      'spec.strategy.canary.steps[3].setMirrorRoute.match[1]',
      'spec.strategy.canary.steps[6].setHeaderRoute.match[0]',
      'status.canary.weights.stable',
    ]);
  });

  it('reports wrong array, boolean and int-or-string types', () => {
    const { findings } = parseRollout({
      metadata: { name: 'r' },
      spec: { strategy: { canary: { steps: {}, dynamicStableScale: 'yes', maxSurge: 1.5 } } },
    });
    expect(findings.map((f) => f.message)).toEqual([
      'spec.strategy.canary.dynamicStableScale must be a boolean, got "yes"',
      'spec.strategy.canary.maxSurge must be an integer or a string, got 1.5',
      'spec.strategy.canary.steps must be an array, got an object',
    ]);
  });
});

describe('parseService / parseIngressClass without identity', () => {
  it('yields no value without a name', () => {
    expect(parseService({ metadata: {} }).value).toBeUndefined();
    expect(parseIngressClass({ metadata: {} }).value).toBeUndefined();
  });

  it('skips Service ports without a port number', () => {
    expect(
      parseService({ metadata: { name: 's' }, spec: { ports: [{ name: 'http' }, { port: 80 }] } }).value
        ?.ports,
    ).toEqual([{ port: 80 }]);
  });
});
