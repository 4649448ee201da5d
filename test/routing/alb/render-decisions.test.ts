/**
 * Decisions of `desiredAlbIngress` that the byte-format tables do not reach: when paths are
 * sorted, where the header route's `/*` path goes, and which rule id a stickiness error has.
 * Expected values are written out (docs/routing.md, "desiredAlbIngress").
 */
import { describe, expect, it } from 'vitest';
import { desiredAlbIngress } from '../../../src/routing/alb/index.js';
import type { JsonObject } from '../../../src/routing/model.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { albIngress, albRollout, midRollout, rollout, v1Path } from '../builders.js';

const servicesOf = (ingress: JsonObject, rule = 0) =>
  (ingress.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }).rules[
    rule
  ]!.http.paths.map((p) => p.backend.service.name);

const headerRoute = {
  setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] },
};

/** The header route active from step 0, at step 1 with 20% recorded. */
const active = rollout({
  canary: {
    trafficRouting: { managedRoutes: [{ name: 'hdr' }], alb: { ingress: 'ingress', servicePort: 443 } },
    steps: [headerRoute, { setWeight: 20 }],
  },
  status: midRollout(20, { currentStepIndex: 1 }),
});

describe('desiredAlbIngress: path order', () => {
  it('keeps the user path order while no header route is active, even with a managed route path after others', () => {
    // The setHeaderRoute step is not reached yet: the route is neither active nor removed.
    const waiting = rollout({
      canary: {
        trafficRouting: { managedRoutes: [{ name: 'hdr' }], alb: { ingress: 'ingress', servicePort: 443 } },
        steps: [{ setWeight: 20 }, { pause: {} }, headerRoute],
      },
      status: midRollout(20, { currentStepIndex: 1 }),
    });
    const ingress = albIngress([v1Path('stable-svc'), v1Path('hdr', '/*')]);
    const result = desiredAlbIngress(ingress, waiting, trafficStateOf(waiting, 'alb')!);
    expect(result.errors).toEqual([]);
    expect(servicesOf(result.ingress)).toEqual(['stable-svc', 'hdr']);
  });

  it('puts managed route paths first while a header route is active', () => {
    const ingress = albIngress([v1Path('stable-svc'), v1Path('hdr', '/*')]);
    const result = desiredAlbIngress(ingress, active, trafficStateOf(active, 'alb')!);
    expect(servicesOf(result.ingress)).toEqual(['hdr', 'stable-svc']);
  });
});

describe('desiredAlbIngress: inserting the header route path', () => {
  it('adds /* to every rule with paths and leaves a rule with an empty path list alone', () => {
    const ingress = albIngress([v1Path('stable-svc')]);
    (ingress.spec as { rules: JsonObject[] }).rules.push({ host: 'empty.example.com', http: { paths: [] } });
    const result = desiredAlbIngress(ingress, active, trafficStateOf(active, 'alb')!);
    expect(result.errors).toEqual([]);
    expect(servicesOf(result.ingress, 0)).toEqual(['hdr', 'stable-svc']);
    expect((result.ingress.spec as { rules: JsonObject[] }).rules[1]).toEqual({
      host: 'empty.example.com',
      http: { paths: [] },
    });
  });
});

describe('desiredAlbIngress: stickiness out of range', () => {
  it('reports alb-stickiness-duration with the controller text and leaves the Ingress unchanged', () => {
    const sticky = albRollout(
      { stickinessConfig: { enabled: true, durationSeconds: 604801 } },
      { status: midRollout(20) },
    );
    const ingress = albIngress();
    const result = desiredAlbIngress(ingress, sticky, trafficStateOf(sticky, 'alb')!);
    expect(result.errors).toEqual([
      {
        severity: 'error',
        rule: 'alb-stickiness-duration',
        field: 'spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds',
        message:
          "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)! Set stickinessConfig.durationSeconds to a number of seconds from 1 to 604800, or set stickinessConfig.enabled to false.",
        ingress: 'ingress',
      },
    ]);
    expect(result.ingress).toEqual(ingress);
  });
});
