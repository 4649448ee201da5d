import { describe, expect, it } from 'vitest';
import { canaryIngressName, desiredCanaryAnnotations } from '../../../src/routing/nginx/index.js';
import { desiredCanaryIngress } from '../../../src/routing/nginx/render.js';
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { midRollout, rollout, v1Path, type Loose } from '../builders.js';

const P = 'nginx.ingress.kubernetes.io';

function nginxRollout(nginx: Loose = {}, extra: Loose = {}, status: Loose = midRollout(10)): Rollout {
  return rollout({
    name: 'web',
    canary: { trafficRouting: { nginx: { stableIngress: 'web-ingress', ...nginx }, ...extra } },
    status,
  });
}

const stateOf = (r: Rollout) => trafficStateOf(r, 'nginx')!;

/** Rollouts the nginx functions are never given by the guard, which they still must not fail on. */
function withoutNginx(): Rollout[] {
  const albOnly = rollout({ name: 'web' });
  return [
    albOnly,
    rollout({ name: 'web', canary: { trafficRouting: undefined } }),
    { ...albOnly, canary: undefined },
  ];
}

function stableIngress(rules: JsonObject[], extra: Loose = {}): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-ingress',
      namespace: 'default',
      labels: { app: 'web' },
      annotations: { 'kubernetes.io/ingress.class': 'nginx', [`${P}/rewrite-target`]: '/' },
    },
    spec: { rules, defaultBackend: { service: { name: 'stable-svc', port: { number: 80 } } } },
    ...extra,
  } as JsonObject;
}

describe('canaryIngressName (argo nginx.go)', () => {
  it('argo nginx.go is <rollout>-<stableIngress>-canary', () => {
    expect(canaryIngressName('web', 'web-ingress')).toBe('web-web-ingress-canary');
  });

  it('argo nginx.go cuts <rollout>-<stableIngress> to 246 characters, so the name is at most 253', () => {
    const name = canaryIngressName('r'.repeat(200), 's'.repeat(100));
    expect(name).toBe(`${'r'.repeat(200)}-${'s'.repeat(45)}-canary`);
    expect(name).toHaveLength(253);
    expect(canaryIngressName('r'.repeat(100), 's'.repeat(145))).toHaveLength(253);
    expect(canaryIngressName('r'.repeat(100), 's'.repeat(144))).toBe(
      `${'r'.repeat(100)}-${'s'.repeat(144)}-canary`,
    );
  });
});

describe('desiredCanaryAnnotations (argo nginx.go)', () => {
  it('argo nginx.go always sets canary "true" and canary-weight as a decimal string', () => {
    expect(desiredCanaryAnnotations(nginxRollout(), stateOf(nginxRollout()))).toEqual({
      [`${P}/canary`]: 'true',
      [`${P}/canary-weight`]: '10',
    });
  });

  it('argo nginx.go additional annotations get the prefix unless they already start with it; order is additional, canary, weight', () => {
    const r = nginxRollout({
      additionalIngressAnnotations: { 'canary-by-header': 'X-Canary', [`${P}/canary-by-cookie`]: 'c' },
    });
    const annotations = desiredCanaryAnnotations(r, stateOf(r));
    expect(Object.entries(annotations)).toEqual([
      [`${P}/canary-by-header`, 'X-Canary'],
      [`${P}/canary-by-cookie`, 'c'],
      [`${P}/canary`, 'true'],
      [`${P}/canary-weight`, '10'],
    ]);
  });

  it('argo nginx.go the prefix test is a plain string prefix (no slash required)', () => {
    const r = nginxRollout({ additionalIngressAnnotations: { [`${P}-odd`]: 'v' } });
    expect(desiredCanaryAnnotations(r, stateOf(r))[`${P}-odd`]).toBe('v');
  });

  it('argo nginx.go a bare and a prefixed key that collide: the prefixed spelling wins, whatever the spec order', () => {
    for (const additional of [
      { 'canary-by-header': 'bare', [`${P}/canary-by-header`]: 'prefixed' },
      { [`${P}/canary-by-header`]: 'prefixed', 'canary-by-header': 'bare' },
    ]) {
      const r = nginxRollout({ additionalIngressAnnotations: additional });
      expect(desiredCanaryAnnotations(r, stateOf(r))[`${P}/canary-by-header`]).toBe('prefixed');
    }
  });

  it('argo nginx.go canaryIngressAnnotations are verbatim and override additional ones; canary/weight override both', () => {
    const r = nginxRollout({
      additionalIngressAnnotations: { 'canary-by-header': 'additional' },
      canaryIngressAnnotations: {
        [`${P}/canary-by-header`]: 'canary',
        'other.io/x': 'y',
        [`${P}/canary-weight`]: '99',
        [`${P}/canary`]: 'false',
      },
    });
    expect(desiredCanaryAnnotations(r, stateOf(r))).toEqual({
      [`${P}/canary-by-header`]: 'canary',
      'other.io/x': 'y',
      [`${P}/canary-weight`]: '10',
      [`${P}/canary`]: 'true',
    });
  });

  it('argo nginx.go canary-weight-total only when maxTrafficWeight is set (HEAD)', () => {
    const r = nginxRollout({}, { maxTrafficWeight: 1000 }, midRollout(250));
    expect(desiredCanaryAnnotations(r, stateOf(r))).toEqual({
      [`${P}/canary`]: 'true',
      [`${P}/canary-weight`]: '250',
      [`${P}/canary-weight-total`]: '1000',
    });
  });

  it('argo types.go annotationPrefix changes every generated key', () => {
    const r = nginxRollout({ annotationPrefix: 'custom.io', additionalIngressAnnotations: { a: 'b' } });
    expect(Object.keys(desiredCanaryAnnotations(r, stateOf(r)))).toEqual([
      'custom.io/a',
      'custom.io/canary',
      'custom.io/canary-weight',
    ]);
  });

  it('a Rollout without an nginx block, without trafficRouting or without a canary strategy: default prefix, no total', () => {
    const state = stateOf(nginxRollout());
    const expected = { [`${P}/canary`]: 'true', [`${P}/canary-weight`]: '10' };
    for (const r of withoutNginx()) expect(desiredCanaryAnnotations(r, state)).toEqual(expected);
  });

  it('argo trafficrouting.go weight 0 when promoted: the canary Ingress stays with canary-weight "0"', () => {
    const r = nginxRollout({}, {}, { ...midRollout(100), currentPodHash: 'stable-hash' });
    expect(desiredCanaryAnnotations(r, stateOf(r))[`${P}/canary-weight`]).toBe('0');
  });
});

describe('desiredCanaryIngress (argo nginx.go)', () => {
  const tls = [{ hosts: ['web.example.com'], secretName: 'web-tls' }];

  it('argo nginx.go builds the canary Ingress: name, owner, class annotation, rules renamed, TLS, no labels/defaultBackend', () => {
    const input = stableIngress(
      [
        {
          host: 'web.example.com',
          http: {
            paths: [v1Path('stable-svc', '/', { number: 80 }), v1Path('static', '/s', { number: 80 })],
          },
        },
        { host: 'other.example.com', http: { paths: [v1Path('other', '/', { number: 80 })] } },
      ],
      {},
    );
    (input.spec as Loose).tls = tls;
    (input.spec as Loose).ingressClassName = 'nginx';
    const r = nginxRollout();
    const result = desiredCanaryIngress(input, r, stateOf(r));
    expect(result.errors).toEqual([]);
    expect(result.ingress).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web-web-ingress-canary',
        namespace: 'default',
        annotations: {
          'kubernetes.io/ingress.class': 'nginx',
          [`${P}/canary`]: 'true',
          [`${P}/canary-weight`]: '10',
        },
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: 'web',
            uid: 'uid-1',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'web.example.com',
            http: {
              paths: [v1Path('canary-svc', '/', { number: 80 }), v1Path('static', '/s', { number: 80 })],
            },
          },
        ],
        tls,
      },
    });
    expect(JSON.stringify((input.spec as { rules: unknown[] }).rules[0])).toContain('stable-svc');
  });

  it('argo nginx.go the class annotation is copied only when present; no class name or TLS when absent', () => {
    const input = stableIngress([{ http: { paths: [v1Path('stable-svc')] } }]);
    (input.metadata as { annotations: Loose }).annotations = {};
    const r = nginxRollout();
    const ingress = desiredCanaryIngress(input, r, stateOf(r)).ingress!;
    expect((ingress.metadata as Loose).annotations).toEqual({
      [`${P}/canary`]: 'true',
      [`${P}/canary-weight`]: '10',
    });
    expect(ingress.spec).toEqual({ rules: [{ http: { paths: [v1Path('canary-svc')] } }] });
    // No key at all, not a key holding undefined (toEqual would not tell them apart).
    expect(Object.keys((ingress.metadata as Loose).annotations as Loose)).toEqual([
      `${P}/canary`,
      `${P}/canary-weight`,
    ]);
    expect(Object.keys(ingress.spec as Loose)).toEqual(['rules']);
  });

  it('a Rollout read from a manifest file has no uid: the owner reference carries an empty one', () => {
    const r = { ...nginxRollout() };
    delete r.uid;
    const ingress = desiredCanaryIngress(
      stableIngress([{ http: { paths: [v1Path('stable-svc')] } }]),
      r,
      stateOf(r),
    );
    expect((ingress.ingress!.metadata as { ownerReferences: Loose[] }).ownerReferences[0]!.uid).toBe('');
  });

  it('argo nginx.go legacy extensions/v1beta1 backends are renamed through serviceName', () => {
    const input = stableIngress(
      [{ http: { paths: [{ path: '/', backend: { serviceName: 'stable-svc', servicePort: 80 } }] } }],
      {
        apiVersion: 'extensions/v1beta1',
      },
    );
    const r = nginxRollout();
    const ingress = desiredCanaryIngress(input, r, stateOf(r)).ingress!;
    expect(ingress.apiVersion).toBe('extensions/v1beta1');
    expect(ingress.spec).toMatchObject({
      rules: [{ http: { paths: [{ backend: { serviceName: 'canary-svc', servicePort: 80 } }] } }],
    });
  });

  it('argo nginx.go no rule using the stable Service: the controller error, quoting stableIngress', () => {
    const input = stableIngress([{ http: { paths: [v1Path('other')] } }]);
    const r = nginxRollout();
    expect(desiredCanaryIngress(input, r, stateOf(r))).toEqual({
      errors: [
        {
          severity: 'error',
          rule: 'nginx-stable-service-not-in-rules',
          field: 'spec.rules',
          message:
            'ingress `web-ingress` has no rules using service stable-svc backend. Add a rule path whose ' +
            'backend is Service stable-svc to Ingress web-ingress, or point ' +
            'spec.strategy.canary.stableService at the Service it routes to.',
          ingress: 'web-ingress',
        },
      ],
    });
  });

  it('argo nginx.go HEAD with stableIngresses the message quotes the empty stableIngress field', () => {
    const r = rollout({
      name: 'web',
      canary: { trafficRouting: { nginx: { stableIngresses: ['web-ingress'] } } },
    });
    const result = desiredCanaryIngress(stableIngress([]), r, stateOf(r));
    expect(result.errors[0]?.message).toMatch(/^ingress `` has no rules using service stable-svc backend\. /);
  });

  it('a Rollout without an nginx block, trafficRouting or canary strategy: the message quotes an empty stableIngress too', () => {
    const state = stateOf(nginxRollout());
    for (const r of withoutNginx()) {
      const result = desiredCanaryIngress(stableIngress([]), r, state);
      expect(result.errors[0]?.message).toMatch(
        /^ingress `` has no rules using service stable-svc backend\. /,
      );
    }
  });

  it('malformed rules are skipped; a missing apiVersion defaults to networking.k8s.io/v1', () => {
    const input = stableIngress([
      'junk' as unknown as JsonObject,
      { http: { paths: [v1Path('stable-svc')] } },
    ]);
    delete input.apiVersion;
    (input.metadata as Loose).annotations = 'junk';
    const r = nginxRollout();
    const ingress = desiredCanaryIngress(input, r, stateOf(r)).ingress!;
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect((ingress.spec as { rules: unknown[] }).rules).toHaveLength(1);
  });
});
