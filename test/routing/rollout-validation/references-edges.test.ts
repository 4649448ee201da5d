/**
 * Edges of the reference checks that the main table leaves open. Argo Rollouts reads only
 * spec.rules when it looks for the stable Service (argoproj/argo-rollouts v1.10.2,
 * pkg/apis/rollouts/validation/validation_references.go, and utils/ingress/ingress.go
 * HasRuleWithService), so a default backend never satisfies it; the note about the default
 * backend must appear only when that backend is the Service Argo looked for.
 */
import { describe, expect, it } from 'vitest';
import { parseIngress } from '../../../src/routing/wire/index.js';
import { validateRolloutReferences } from '../../../src/routing/rollout-validation/index.js';
import { albCanary, healthyAlbCluster, rolloutOf } from './fixtures.js';

describe('no rule for the stable Service, with a default backend', () => {
  it('on another Service: no default-backend note, the rule paths are described instead', () => {
    const ingress = parseIngress({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'alb',
        defaultBackend: { service: { name: 'web-canary', port: { name: 'use-annotation' } } },
      },
    }).value!;
    const findings = validateRolloutReferences(
      rolloutOf(albCanary()),
      healthyAlbCluster({ ingresses: [ingress] }),
    );
    expect(findings.filter((f) => f.rule === 'ingress-no-rule-for-service')).toEqual([
      {
        severity: 'error',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'spec.strategy.canary.trafficRouting.alb.ingress: Invalid value: "web": ingress `web` has no rules using service web-stable backend. It has no rule paths with a Service backend. Route a path to backend.service.name web-stable with port.name use-annotation.',
        ingress: 'web',
      },
    ]);
  });
});
