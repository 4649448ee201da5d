/**
 * Validation of a Rollout's canary traffic routing, on its own (`validateRolloutSpec`) and
 * against the objects it references (`validateRolloutReferences`, see references.ts).
 *
 * The spec rules follow Argo Rollouts' `ValidateRolloutStrategyCanary` (current release) in
 * its order and with its words, so a message here can be found in the controller's
 * InvalidSpec condition and vice versa; each message then says how to fix the problem.
 * The rules after Argo's catch what Argo accepts but the load balancer cannot do.
 */
import { gatewayApiReferenceFindings, gatewayApiSpecFindings } from '../gateway-api/index.js';
import { argoInvalid, istio, plugins, requiresCanaryStableServices, CANARY } from './argo-finding.js';
import type { CanaryStrategy, ClusterView, Finding, Rollout } from '../model.js';
import { intOrPercentValue } from '../go/index.js';
import { beyondArgoRules } from './beyond-argo.js';
import type { ReferenceOptions } from './references.js';
import { validateRolloutReferences } from './references.js';
import { stepRules } from './steps.js';

// ---------------------------------------------------------------------------------------
// Strategy-level rules (reference §4.2 rules 2–6)
// ---------------------------------------------------------------------------------------

function serviceRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  if (canary.canaryService && canary.stableService && canary.canaryService === canary.stableService) {
    out.push(
      argoInvalid(
        'canary-same-service',
        'stableService',
        canary.stableService,
        'This rollout uses the same service for the stable and canary services, but two different services are required.',
        'Point canaryService and stableService at two different Services.',
      ),
    );
  }
  if (canary.pingPong) out.push(...pingPongRules(canary));
  if (tr && requiresCanaryStableServices(canary, tr)) {
    for (const key of ['stableService', 'canaryService'] as const) {
      if (canary[key]) continue;
      out.push(
        argoInvalid(
          'traffic-routing-services-required',
          key,
          '',
          'Canary service and Stable service must to be set to use Traffic Routing',
          `Set ${CANARY}.${key} to the Service that selects the ${key === 'stableService' ? 'stable' : 'canary'} pods.`,
        ),
      );
    }
  }
  return out;
}

function pingPongRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  const ping = canary.pingPong?.pingService ?? '';
  const pong = canary.pingPong?.pongService ?? '';
  if (tr && !tr.alb && !istio(tr) && !plugins(tr)) {
    out.push(
      argoInvalid(
        'ping-pong-router-unsupported',
        'trafficRouting.alb',
        null,
        'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only',
        'Use trafficRouting.alb with pingPong, or replace pingPong by stableService and canaryService.',
      ),
    );
  }
  for (const [key, value] of [
    ['pingService', ping],
    ['pongService', pong],
  ] as const) {
    if (value !== '') continue;
    out.push(
      argoInvalid(
        'ping-pong-service-missing',
        `pingPong.${key}`,
        '',
        'Ping service and Pong service must to be set to use Ping-Pong feature',
        `Set ${CANARY}.pingPong.${key} to a Service name.`,
      ),
    );
  }
  if (ping === pong) {
    out.push(
      argoInvalid(
        'ping-pong-same-service',
        'pingPong.pingService',
        ping,
        'This rollout uses the same service for the ping and pong services, but two different services are required.',
        'Give pingService and pongService two different Services.',
      ),
    );
  }
  if (tr?.alb && !tr.alb.rootService) {
    out.push(
      argoInvalid(
        'ping-pong-alb-root-service-missing',
        'trafficRouting.alb.rootService',
        '',
        'Root service field is required for the configuration with ALB and ping-pong feature enabled',
        'Set alb.rootService to the backend name your Ingress paths use with port name use-annotation.',
      ),
    );
  }
  return out;
}

/** Reference §4.2 rule 1 (Argo's `invalidMaxSurgeMaxUnavailable`). */
function surgeRule(canary: CanaryStrategy): Finding[] {
  if (intOrPercentValue(canary.maxSurge) !== 0 || intOrPercentValue(canary.maxUnavailable) !== 0) return [];
  return [
    argoInvalid(
      'max-surge-max-unavailable-zero',
      'maxSurge',
      canary.maxSurge,
      'MaxSurge and MaxUnavailable both can not be zero',
      'Let maxSurge or maxUnavailable be above zero, or the Rollout cannot replace any pod.',
    ),
  ];
}

function scalingRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  if (!tr) {
    if (canary.scaleDownDelaySeconds !== undefined) {
      out.push(
        argoInvalid(
          'scale-down-delay-without-traffic-routing',
          'scaleDownDelaySeconds',
          canary.scaleDownDelaySeconds,
          'Canary scaleDownDelaySeconds can only be used with traffic routing',
          'Remove scaleDownDelaySeconds or configure trafficRouting.',
        ),
      );
    }
    if (canary.dynamicStableScale) {
      out.push(
        argoInvalid(
          'dynamic-stable-scale-without-traffic-routing',
          'dynamicStableScale',
          true,
          'Canary dynamicStableScale can only be used with traffic routing',
          'Remove dynamicStableScale or configure trafficRouting.',
        ),
      );
    }
    return out;
  }
  if (canary.scaleDownDelaySeconds !== undefined && canary.dynamicStableScale) {
    out.push(
      argoInvalid(
        'dynamic-stable-scale-with-scale-down-delay',
        'dynamicStableScale',
        true,
        'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds',
        'Remove one of dynamicStableScale and scaleDownDelaySeconds.',
      ),
    );
  }
  if (tr.maxTrafficWeight !== undefined && !tr.nginx && !plugins(tr)) {
    out.push(
      argoInvalid(
        'max-traffic-weight-unsupported',
        'trafficRouting.maxTrafficWeight',
        tr.maxTrafficWeight,
        'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins',
        'Remove maxTrafficWeight: ALB weights are always out of 100.',
      ),
    );
  }
  return out;
}
// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

export function validateRolloutSpec(rollout: Rollout): Finding[] {
  const canary = rollout.canary;
  if (!canary) return [];
  const findings = [
    ...surgeRule(canary),
    ...serviceRules(canary),
    ...scalingRules(canary),
    ...stepRules(canary),
    ...beyondArgoRules(canary),
  ];
  return dedupe(findings);
}

/** Spec and reference findings of a Rollout, errors first (order otherwise kept). */
export function validateRollout(
  rollout: Rollout,
  cluster: ClusterView,
  options?: ReferenceOptions,
): Finding[] {
  const all = [
    ...validateRolloutSpec(rollout),
    ...gatewayApiSpecFindings(rollout),
    ...validateRolloutReferences(rollout, cluster, options),
    ...gatewayApiReferenceFindings(rollout, cluster),
  ];
  return [...all.filter((f) => f.severity === 'error'), ...all.filter((f) => f.severity === 'warning')];
}

/** Argo reports some rules once per step (managedRoutes); a user needs each finding once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.field}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
