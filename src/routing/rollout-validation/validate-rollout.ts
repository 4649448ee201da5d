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
import {
  DuplicatedPingPongServicesMessage,
  DuplicatedServicesCanaryMessage,
  InvalidCanaryDynamicStableScale,
  InvalidCanaryDynamicStableScaleWithScaleDownDelay,
  InvalidCanaryMaxWeightOnlySupportInNginxAndPlugins,
  InvalidCanaryScaleDownDelay,
  InvalidMaxSurgeMaxUnavailable,
  InvalidPingPongProvidedMessage,
  InvalidTrafficRoutingMessage,
  MissedAlbRootServiceMessage,
  PingPongWithAlbOnlyMessage,
} from './argo-messages.js';
import { argoInvalid, CanaryField, istio, plugins, requiresCanaryStableServices } from './argo-finding.js';
import type { CanaryStrategy, ClusterView, Finding, Rollout } from '../model.js';
import { dedupeFindings } from '../findings/index.js';
import { intOrPercentValue } from '../go/index.js';
import { beyondArgoRules } from './beyond-argo.js';
import type { ReferenceOptions } from './references.js';
import { validateRolloutReferences } from './references.js';
import { stepRules } from './steps.js';

// ---------------------------------------------------------------------------------------
// Strategy-level rules (argo validation.go)
// ---------------------------------------------------------------------------------------

function serviceRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  if (canary.canaryService && canary.canaryService === canary.stableService) {
    out.push(
      argoInvalid(
        'canary-same-service',
        CanaryField.ROOT.child('stableService'),
        canary.stableService,
        DuplicatedServicesCanaryMessage,
        'Point canaryService and stableService at two different Services.',
      ),
    );
  }
  if (canary.pingPong) out.push(...pingPongRules(canary));
  if (tr && requiresCanaryStableServices(canary, tr)) {
    for (const key of ['stableService', 'canaryService'] as const) {
      if (canary[key]) continue;
      const at = CanaryField.ROOT.child(key);
      out.push(
        argoInvalid(
          'traffic-routing-services-required',
          at,
          '',
          InvalidTrafficRoutingMessage,
          `Set ${at.real} to the Service that selects the ${key === 'stableService' ? 'stable' : 'canary'} pods.`,
        ),
      );
    }
  }
  return out;
}

function pingPongRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  // Equivalent mutants (mutation testing, README): validateRolloutSpec calls this only when
  // pingPong is set.
  // Stryker disable next-line OptionalChaining: equivalent, pingPong is set here
  const ping = canary.pingPong?.pingService ?? '';
  // Stryker disable next-line OptionalChaining: equivalent, pingPong is set here
  const pong = canary.pingPong?.pongService ?? '';
  if (tr && !tr.alb && !istio(tr) && !plugins(tr)) {
    out.push(
      argoInvalid(
        'ping-pong-router-unsupported',
        CanaryField.ROOT.child('trafficRouting', 'alb'),
        null,
        PingPongWithAlbOnlyMessage,
        'Use trafficRouting.alb with pingPong, or replace pingPong by stableService and canaryService.',
      ),
    );
  }
  for (const [key, value] of [
    ['pingService', ping],
    ['pongService', pong],
  ] as const) {
    if (value !== '') continue;
    const at = CanaryField.ROOT.child('pingPong', key);
    out.push(
      argoInvalid(
        'ping-pong-service-missing',
        at,
        '',
        InvalidPingPongProvidedMessage,
        `Set ${at.real} to a Service name.`,
      ),
    );
  }
  if (ping === pong) {
    out.push(
      argoInvalid(
        'ping-pong-same-service',
        CanaryField.ROOT.child('pingPong', 'pingService'),
        ping,
        DuplicatedPingPongServicesMessage,
        'Give pingService and pongService two different Services.',
      ),
    );
  }
  if (tr?.alb && !tr.alb.rootService) {
    out.push(
      argoInvalid(
        'ping-pong-alb-root-service-missing',
        CanaryField.ROOT.child('trafficRouting', 'alb', 'rootService'),
        '',
        MissedAlbRootServiceMessage,
        'Set alb.rootService to the backend name your Ingress paths use with port name use-annotation.',
      ),
    );
  }
  return out;
}

/** Argo's `invalidMaxSurgeMaxUnavailable` (argo validation.go). */
function surgeRule(canary: CanaryStrategy): Finding[] {
  if (intOrPercentValue(canary.maxSurge) !== 0 || intOrPercentValue(canary.maxUnavailable) !== 0) return [];
  return [
    argoInvalid(
      'max-surge-max-unavailable-zero',
      CanaryField.ROOT.child('maxSurge'),
      canary.maxSurge,
      InvalidMaxSurgeMaxUnavailable,
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
          CanaryField.ROOT.child('scaleDownDelaySeconds'),
          canary.scaleDownDelaySeconds,
          InvalidCanaryScaleDownDelay,
          'Remove scaleDownDelaySeconds or configure trafficRouting.',
        ),
      );
    }
    if (canary.dynamicStableScale) {
      out.push(
        argoInvalid(
          'dynamic-stable-scale-without-traffic-routing',
          CanaryField.ROOT.child('dynamicStableScale'),
          true,
          InvalidCanaryDynamicStableScale,
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
        CanaryField.ROOT.child('dynamicStableScale'),
        true,
        InvalidCanaryDynamicStableScaleWithScaleDownDelay,
        'Remove one of dynamicStableScale and scaleDownDelaySeconds.',
      ),
    );
  }
  if (tr.maxTrafficWeight !== undefined && !tr.nginx && !plugins(tr)) {
    out.push(
      argoInvalid(
        'max-traffic-weight-unsupported',
        CanaryField.ROOT.child('trafficRouting', 'maxTrafficWeight'),
        tr.maxTrafficWeight,
        InvalidCanaryMaxWeightOnlySupportInNginxAndPlugins,
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
  const findings = surgeRule(canary).concat(
    serviceRules(canary),
    scalingRules(canary),
    stepRules(canary),
    beyondArgoRules(canary),
  );
  return dedupeFindings(findings);
}

/** Spec and reference findings of a Rollout, errors first (order otherwise kept). */
export function validateRollout(
  rollout: Rollout,
  cluster: ClusterView,
  options?: ReferenceOptions,
): Finding[] {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  for (const list of [
    validateRolloutSpec(rollout),
    gatewayApiSpecFindings(rollout),
    validateRolloutReferences(rollout, cluster, options),
    gatewayApiReferenceFindings(rollout, cluster),
  ]) {
    for (const finding of list) (finding.severity === 'error' ? errors : warnings).push(finding);
  }
  // Equivalent survivor: warnings.length === 0 → false: cost only: the errors and no warnings, concatenated
  return warnings.length === 0 ? errors : errors.concat(warnings);
}
