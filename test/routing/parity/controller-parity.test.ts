/**
 * Where the webhook must judge exactly as the Argo Rollouts controller does. Each case names
 * the upstream source or test it is translated from: argoproj/argo-rollouts at master 9f8d111
 * (after v1.10.0-rc1) unless another ref is given. Expected values are written out here, not
 * computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { validateRollout, validateRolloutSpec } from '../../../src/routing/rollout-validation/index.js';
import type { ClusterView, Finding, Ingress, Rollout, Service } from '../../../src/routing/model.js';
import { parseRollout, parseService } from '../../../src/routing/wire/index.js';
import { albCanary, nginxCanary, rolloutOf } from '../rollout-validation/fixtures.js';
import { parsedValue } from '../builders.js';

type Obj = Record<string, unknown>;

const rules = (findings: Finding[]) => findings.map((f) => f.rule);

describe('an empty plugins map is no router (validation.go: len(Plugins) == 0)', () => {
  const withEmptyPlugins = (canary: Obj): Obj => ({
    ...canary,
    trafficRouting: { ...(canary.trafficRouting as Obj), plugins: {} },
  });

  it('ping-pong with NGINX and plugins: {} is refused as with NGINX alone (ValidateRolloutStrategyCanary)', () => {
    const canary = withEmptyPlugins(nginxCanary({ pingPong: { pingService: 'ping', pongService: 'pong' } }));
    expect(validateRolloutSpec(rolloutOf(canary))).toContainEqual({
      severity: 'error',
      rule: 'ping-pong-router-unsupported',
      field: 'spec.strategy.canary.trafficRouting.alb',
      message:
        'spec.strategy.trafficRouting.alb: Invalid value: null: Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only. Use trafficRouting.alb with pingPong, or replace pingPong by stableService and canaryService.',
    });
  });

  it('a header route with NGINX and plugins: {} is refused (setHeaderRoute router check)', () => {
    const canary = withEmptyPlugins(
      nginxCanary({
        trafficRouting: { nginx: { stableIngress: 'web' }, managedRoutes: [{ name: 'hdr' }] },
        steps: [{ setWeight: 10 }, { setHeaderRoute: { name: 'hdr' } }],
      }),
    );
    expect(rules(validateRolloutSpec(rolloutOf(canary)))).toContain('header-route-router-unsupported');
  });

  it('an experiment weight with NGINX and plugins: {} is refused (experiment weight router check)', () => {
    const canary = withEmptyPlugins(
      nginxCanary({ steps: [{ setWeight: 5 }, { experiment: { templates: [{ name: 'a', weight: 5 }] } }] }),
    );
    expect(rules(validateRolloutSpec(rolloutOf(canary)))).toContain('experiment-weight-router-unsupported');
  });

  it('maxTrafficWeight with ALB and plugins: {} is refused (maxTrafficWeight router check)', () => {
    const canary = withEmptyPlugins(
      albCanary({ trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, maxTrafficWeight: 1000 } }),
    );
    expect(rules(validateRolloutSpec(rolloutOf(canary)))).toContain('max-traffic-weight-unsupported');
  });

  it('a plugin that is configured does count (control)', () => {
    const canary = {
      ...nginxCanary({ pingPong: { pingService: 'ping', pongService: 'pong' } }),
      trafficRouting: { nginx: { stableIngress: 'web' }, plugins: { 'argoproj-labs/gatewayAPI': {} } },
    };
    expect(rules(validateRolloutSpec(rolloutOf(canary)))).not.toContain('ping-pong-router-unsupported');
  });
});

describe('mirror steps are judged by the routers the Rollout uses (validation.go setMirrorRoute check)', () => {
  const mirrorSteps = [{ setWeight: 10 }, { setMirrorRoute: { name: 'mirror', percentage: 50 } }];

  it('ALB and Istio together: the controller accepts the step and Istio mirrors, so nothing is reported', () => {
    const canary = albCanary({
      trafficRouting: {
        alb: { ingress: 'web', servicePort: 80 },
        istio: { virtualService: { name: 'vs' } },
        managedRoutes: [{ name: 'mirror' }],
      },
      steps: mirrorSteps,
    });
    expect(validateRolloutSpec(rolloutOf(canary))).toEqual([]);
  });

  it('ALB alone: refused with the controller text', () => {
    const canary = albCanary({
      trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: [{ name: 'mirror' }] },
      steps: mirrorSteps,
    });
    expect(validateRolloutSpec(rolloutOf(canary))).toContainEqual({
      severity: 'error',
      rule: 'mirror-route-router-unsupported',
      field: 'spec.strategy.canary.steps[1].setMirrorRoute',
      message:
        'spec.strategy.steps[1].setMirrorRoute: Invalid value: {"name":"mirror","percentage":50}: SetMirrorRoute requires TrafficRouting, supports Istio and Plugins. ALB and NGINX cannot mirror through Argo Rollouts: remove the step.',
    });
  });
});

/** A cluster holding the given Services and nothing else. */
function clusterWith(services: Service[], ingresses: Ingress[] = []): ClusterView {
  return {
    getIngress: (ns, name) => ingresses.find((i) => i.namespace === ns && i.name === name),
    getService: (ns, name) => services.find((s) => s.namespace === ns && s.name === name),
    getRollout: () => undefined,
    ingressClasses: () => [],
    rolloutsReferencingIngress: () => [],
    getRoute: () => undefined,
    rolloutsReferencingRoute: () => [],
  };
}

function service(name: string, selector: Record<string, string>, annotations: Obj = {}): Service {
  return parsedValue(
    parseService({
      metadata: { name, namespace: 'shop', annotations },
      spec: { selector, ports: [{ name: 'http', port: 80 }] },
    }),
  );
}

function istioRollout(spec: Obj, name = 'web'): Rollout {
  return parsedValue(
    parseRollout({
      metadata: { name, namespace: 'shop' },
      spec: {
        ...spec,
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            trafficRouting: { istio: { virtualService: { name: 'vs' } } },
            steps: [{ setWeight: 10 }],
          },
        },
      },
    }),
  );
}

const podTemplate = { template: { metadata: { labels: { app: 'web', tier: 'front' } } } };

describe('referenced Services (validation_references.go ValidateService; TestValidateService)', () => {
  it('"validate service with unmatch label - failure": a selector label the pods lack', () => {
    const cluster = clusterWith([
      service('web-stable', { app: 'unmatch-rollout-label' }),
      service('web-canary', { app: 'web' }),
    ]);
    expect(validateRollout(istioRollout(podTemplate), cluster)).toEqual([
      {
        severity: 'error',
        rule: 'service-selector-mismatch',
        field: 'spec.strategy.canary.stableService',
        message:
          'spec.strategy.canary.stableService: Invalid value: "web-stable": Service "web-stable" has unmatch label "app" in rollout. It selects app="unmatch-rollout-label" but the pods have app="web" (spec.template.metadata.labels), so its target group would be empty. Make the Service\'s spec.selector match the Rollout\'s pod labels.',
      },
    ]);
  });

  it('a selector label missing from the pods is named as missing', () => {
    const cluster = clusterWith([
      service('web-stable', { app: 'web', zone: 'a' }),
      service('web-canary', {}),
    ]);
    const [finding] = validateRollout(istioRollout(podTemplate), cluster);
    expect(finding?.message).toContain('It selects zone="a" but the pods have no label zone');
  });

  it('"validate service with Rollout label - success": the pod-template-hash label is the controller\'s', () => {
    const cluster = clusterWith([
      service('web-stable', { app: 'web', 'rollouts-pod-template-hash': '123-456' }),
      service('web-canary', { app: 'web', tier: 'front' }),
    ]);
    expect(validateRollout(istioRollout(podTemplate), cluster)).toEqual([]);
  });

  it('"validate service - failure": a Service managed by another Rollout', () => {
    const cluster = clusterWith([
      service(
        'web-stable',
        { app: 'web' },
        { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'not-rollout-name' },
      ),
      service('web-canary', { app: 'web' }, { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' }),
    ]);
    expect(validateRollout(istioRollout(podTemplate), cluster)).toEqual([
      {
        severity: 'error',
        rule: 'service-managed-by-other-rollout',
        field: 'spec.strategy.canary.stableService',
        message:
          'spec.strategy.canary.stableService: Invalid value: "web-stable": Service "web-stable" is managed by another Rollout. Its annotation argo-rollouts.argoproj.io/managed-by-rollouts names Rollout "not-rollout-name". Give each Rollout its own Services.',
      },
    ]);
  });

  it('a Rollout whose pods come from workloadRef is not judged on labels it cannot see', () => {
    const cluster = clusterWith([
      service('web-stable', { app: 'other' }),
      service('web-canary', { app: 'other' }),
    ]);
    const rollout = istioRollout({ workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } });
    expect(validateRollout(rollout, cluster)).toEqual([]);
  });

  it('with ALB, a mismatch is reported for the ping and pong Services too', () => {
    const rollout = parsedValue(
      parseRollout({
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          ...podTemplate,
          strategy: {
            canary: {
              pingPong: { pingService: 'ping', pongService: 'pong' },
              trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'root' } },
              steps: [{ setWeight: 10 }],
            },
          },
        },
      }),
    );
    const cluster = clusterWith([service('ping', { app: 'web' }), service('pong', { app: 'nope' })]);
    const fields = validateRollout(rollout, cluster)
      .filter((f) => f.rule === 'service-selector-mismatch')
      .map((f) => f.field);
    expect(fields).toEqual(['spec.strategy.canary.pingPong.pongService']);
  });
});

describe('dynamicStableScale traps the controller accepts (warnings)', () => {
  const warningsOf = (canary: Obj) =>
    validateRolloutSpec(rolloutOf(canary))
      .filter((f) => f.severity === 'warning')
      .map((f) => [f.rule, f.field]);

  it('ALB without ping-pong (argo-rollouts issues 3926, 4595, 3617)', () => {
    expect(warningsOf(albCanary({ dynamicStableScale: true }))).toEqual([
      ['alb-dynamic-stable-scale-unverified', 'spec.strategy.canary.dynamicStableScale'],
    ]);
  });

  it('ALB with ping-pong is left alone', () => {
    const canary = {
      pingPong: { pingService: 'ping', pongService: 'pong' },
      dynamicStableScale: true,
      trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'root' } },
      steps: [{ setWeight: 5 }],
    };
    expect(warningsOf(canary)).toEqual([]);
  });

  it('NGINX (argo-rollouts issue 1820)', () => {
    expect(warningsOf(nginxCanary({ dynamicStableScale: true }))).toEqual([
      ['nginx-dynamic-stable-scale', 'spec.strategy.canary.dynamicStableScale'],
    ]);
  });

  it('abortScaleDownDelaySeconds with dynamicStableScale (argo-rollouts issue 4898)', () => {
    const canary = {
      stableService: 's',
      canaryService: 'c',
      dynamicStableScale: true,
      abortScaleDownDelaySeconds: 30,
      trafficRouting: { istio: { virtualService: { name: 'vs' } } },
      steps: [{ setWeight: 5 }],
    };
    expect(warningsOf(canary)).toEqual([
      ['dynamic-stable-scale-abort-delay', 'spec.strategy.canary.abortScaleDownDelaySeconds'],
    ]);
  });

  it('without dynamicStableScale none of them fire', () => {
    expect(warningsOf(albCanary({ abortScaleDownDelaySeconds: 30 }))).toEqual([]);
    expect(warningsOf(nginxCanary())).toEqual([]);
  });

  it("each warning leads with its fix, so the apiserver's 120-character cut keeps it", () => {
    for (const canary of [
      albCanary({ dynamicStableScale: true }),
      nginxCanary({ dynamicStableScale: true }),
    ]) {
      for (const f of validateRolloutSpec(rolloutOf(canary)))
        expect(f.message.slice(0, 120)).toMatch(/^Fix: /);
    }
  });
});
