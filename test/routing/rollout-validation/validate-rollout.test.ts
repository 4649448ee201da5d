import { describe, expect, it } from 'vitest';
import { validateRolloutSpec } from '../../../src/routing/rollout-validation/validate-rollout.js';
import { albCanary, nginxCanary, rolloutOf } from './fixtures.js';

type Obj = Record<string, unknown>;

interface Case {
  name: string;
  canary: Obj;
  rule: string;
  field: string;
  message: string;
  severity?: 'error' | 'warning';
}

const hdr = (match: unknown, name = 'hdr') => ({ setHeaderRoute: { name, match } });
const managed = (names: string[]) => names.map((name) => ({ name }));
const albWithRoutes = (steps: unknown[], extra: Obj = {}) =>
  albCanary({
    steps,
    trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: managed(['hdr']), ...extra },
  });

const cases: Case[] = [
  {
    name: 'argo validation.go: maxSurge and maxUnavailable both zero',
    canary: albCanary({ maxSurge: 0, maxUnavailable: '0%' }),
    rule: 'max-surge-max-unavailable-zero',
    field: 'spec.strategy.canary.maxSurge',
    message:
      'spec.strategy.maxSurge: Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero. Let maxSurge or maxUnavailable be above zero, or the Rollout cannot replace any pod.',
  },
  {
    name: 'argo validation.go: a non-numeric maxSurge string counts as zero (intstr.IntValue)',
    canary: albCanary({ maxSurge: 'abc', maxUnavailable: 0 }),
    rule: 'max-surge-max-unavailable-zero',
    field: 'spec.strategy.canary.maxSurge',
    message:
      'spec.strategy.maxSurge: Invalid value: "abc": MaxSurge and MaxUnavailable both can not be zero. Let maxSurge or maxUnavailable be above zero, or the Rollout cannot replace any pod.',
  },
  {
    name: 'argo validation.go: stable and canary must be different services',
    canary: albCanary({ canaryService: 'web-stable' }),
    rule: 'canary-same-service',
    field: 'spec.strategy.canary.stableService',
    message:
      'spec.strategy.stableService: Invalid value: "web-stable": This rollout uses the same service for the stable and canary services, but two different services are required. Point canaryService and stableService at two different Services.',
  },
  {
    name: 'argo validation.go: ping-pong needs ALB, Istio or a plugin (HEAD text)',
    canary: nginxCanary({ pingPong: { pingService: 'ping', pongService: 'pong' } }),
    rule: 'ping-pong-router-unsupported',
    field: 'spec.strategy.canary.trafficRouting.alb',
    message:
      'spec.strategy.trafficRouting.alb: Invalid value: null: Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only. Use trafficRouting.alb with pingPong, or replace pingPong by stableService and canaryService.',
  },
  {
    name: 'argo validation.go: ping service required',
    canary: albCanary({ pingPong: { pongService: 'pong' } }, { rootService: 'web-root' }),
    rule: 'ping-pong-service-missing',
    field: 'spec.strategy.canary.pingPong.pingService',
    message:
      'spec.strategy.pingPong.pingService: Invalid value: "": Ping service and Pong service must to be set to use Ping-Pong feature. Set spec.strategy.canary.pingPong.pingService to a Service name.',
  },
  {
    name: 'argo validation.go: pong service required',
    canary: albCanary({ pingPong: { pingService: 'ping' } }, { rootService: 'web-root' }),
    rule: 'ping-pong-service-missing',
    field: 'spec.strategy.canary.pingPong.pongService',
    message:
      'spec.strategy.pingPong.pongService: Invalid value: "": Ping service and Pong service must to be set to use Ping-Pong feature. Set spec.strategy.canary.pingPong.pongService to a Service name.',
  },
  {
    name: 'argo validation.go: ping and pong must differ',
    canary: albCanary({ pingPong: { pingService: 'pp', pongService: 'pp' } }, { rootService: 'web-root' }),
    rule: 'ping-pong-same-service',
    field: 'spec.strategy.canary.pingPong.pingService',
    message:
      'spec.strategy.pingPong.pingService: Invalid value: "pp": This rollout uses the same service for the ping and pong services, but two different services are required. Give pingService and pongService two different Services.',
  },
  {
    name: 'argo validation.go: ALB ping-pong needs rootService',
    canary: albCanary({ pingPong: { pingService: 'ping', pongService: 'pong' } }),
    rule: 'ping-pong-alb-root-service-missing',
    field: 'spec.strategy.canary.trafficRouting.alb.rootService',
    message:
      'spec.strategy.trafficRouting.alb.rootService: Invalid value: "": Root service field is required for the configuration with ALB and ping-pong feature enabled. Set alb.rootService to the backend name your Ingress paths use with port name use-annotation.',
  },
  {
    name: 'argo validation.go: stableService required with ALB',
    canary: albCanary({ stableService: undefined }),
    rule: 'traffic-routing-services-required',
    field: 'spec.strategy.canary.stableService',
    message:
      'spec.strategy.stableService: Invalid value: "": Canary service and Stable service must to be set to use Traffic Routing. Set spec.strategy.canary.stableService to the Service that selects the stable pods.',
  },
  {
    name: 'argo validation.go: canaryService required with NGINX',
    canary: nginxCanary({ canaryService: '' }),
    rule: 'traffic-routing-services-required',
    field: 'spec.strategy.canary.canaryService',
    message:
      'spec.strategy.canaryService: Invalid value: "": Canary service and Stable service must to be set to use Traffic Routing. Set spec.strategy.canary.canaryService to the Service that selects the canary pods.',
  },
  {
    name: 'argo validation.go: Istio without a DestinationRule needs both services',
    canary: { trafficRouting: { istio: { virtualService: { name: 'vs' } } }, steps: [{ setWeight: 5 }] },
    rule: 'traffic-routing-services-required',
    field: 'spec.strategy.canary.stableService',
    message:
      'spec.strategy.stableService: Invalid value: "": Canary service and Stable service must to be set to use Traffic Routing. Set spec.strategy.canary.stableService to the Service that selects the stable pods.',
  },
  {
    name: 'argo validation.go: scaleDownDelaySeconds needs traffic routing',
    canary: { scaleDownDelaySeconds: 30, steps: [{ setWeight: 5 }] },
    rule: 'scale-down-delay-without-traffic-routing',
    field: 'spec.strategy.canary.scaleDownDelaySeconds',
    message:
      'spec.strategy.scaleDownDelaySeconds: Invalid value: 30: Canary scaleDownDelaySeconds can only be used with traffic routing. Remove scaleDownDelaySeconds or configure trafficRouting.',
  },
  {
    name: 'argo validation.go: dynamicStableScale needs traffic routing',
    canary: { dynamicStableScale: true, steps: [{ setWeight: 5 }] },
    rule: 'dynamic-stable-scale-without-traffic-routing',
    field: 'spec.strategy.canary.dynamicStableScale',
    message:
      'spec.strategy.dynamicStableScale: Invalid value: true: Canary dynamicStableScale can only be used with traffic routing. Remove dynamicStableScale or configure trafficRouting.',
  },
  {
    name: 'argo validation.go: dynamicStableScale excludes scaleDownDelaySeconds',
    canary: albCanary({ dynamicStableScale: true, scaleDownDelaySeconds: 30 }),
    rule: 'dynamic-stable-scale-with-scale-down-delay',
    field: 'spec.strategy.canary.dynamicStableScale',
    message:
      'spec.strategy.dynamicStableScale: Invalid value: true: Canary dynamicStableScale cannot be used with scaleDownDelaySeconds. Remove one of dynamicStableScale and scaleDownDelaySeconds.',
  },
  {
    name: 'argo validation.go (HEAD): maxTrafficWeight only with NGINX or plugins',
    canary: albCanary({
      trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, maxTrafficWeight: 1000 },
    }),
    rule: 'max-traffic-weight-unsupported',
    field: 'spec.strategy.canary.trafficRouting.maxTrafficWeight',
    message:
      'spec.strategy.trafficRouting.maxTrafficWeight: Invalid value: 1000: Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins. Remove maxTrafficWeight: ALB weights are always out of 100.',
  },
  {
    name: 'argo validation.go.1: a step sets more than one of setWeight, pause, experiment, analysis',
    canary: albCanary({ steps: [{ setWeight: 10, pause: {} }] }),
    rule: 'step-multiple-types',
    field: 'spec.strategy.canary.steps[0]',
    message:
      'spec.strategy.steps[0]: Invalid value: "step.Experiment: false step.Pause: true step.SetWeight: true step.Analysis: false": Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause. Split this step: give each of setWeight, pause, experiment and analysis its own step.',
  },
  {
    name: 'argo validation.go.2: an empty step',
    canary: albCanary({ steps: [{ setWeight: 10 }, {}] }),
    rule: 'step-empty',
    field: 'spec.strategy.canary.steps[1]',
    message:
      'spec.strategy.steps[1]: Invalid value: "step.Experiment: true step.Pause: true step.SetWeight: true step.Analysis: true step.SetCanaryScale: true step.SetHeaderRoute: true step.SetMirrorRoute: true step.Plugin: true": Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause. Add an action or delete the step.',
  },
  {
    name: 'argo validation.go.3: setWeight above 100',
    canary: albCanary({ steps: [{ setWeight: 101 }] }),
    rule: 'step-set-weight-range',
    field: 'spec.strategy.canary.steps[0].setWeight',
    message:
      'spec.strategy.steps[0].setWeight: Invalid value: 101: SetWeight needs to be between 0 and 100. Use a weight from 0 to 100.',
  },
  {
    name: 'argo validation.go.3: setWeight below 0',
    canary: albCanary({ steps: [{ setWeight: 10 }, { setWeight: -1 }] }),
    rule: 'step-set-weight-range',
    field: 'spec.strategy.canary.steps[1].setWeight',
    message:
      'spec.strategy.steps[1].setWeight: Invalid value: -1: SetWeight needs to be between 0 and 100. Use a weight from 0 to 100.',
  },
  {
    name: 'argo validation.go.3 (HEAD): setWeight bounded by maxTrafficWeight',
    canary: nginxCanary({
      trafficRouting: { nginx: { stableIngress: 'web' }, maxTrafficWeight: 200 },
      steps: [{ setWeight: 250 }],
    }),
    rule: 'step-set-weight-range',
    field: 'spec.strategy.canary.steps[0].setWeight',
    message:
      'spec.strategy.steps[0].setWeight: Invalid value: 250: SetWeight needs to be between 0 and 200. Use a weight from 0 to 200.',
  },
  {
    name: 'argo validation.go.4: a negative pause duration',
    canary: albCanary({ steps: [{ setWeight: 10 }, { pause: { duration: -5 } }] }),
    rule: 'step-pause-duration-negative',
    field: 'spec.strategy.canary.steps[1].pause.duration',
    message:
      'spec.strategy.steps[1].pause.duration: Invalid value: -5: Duration needs to be greater than 0. Use a number of seconds or a Go duration such as "30s" or "1h".',
  },
  {
    name: 'argo validation.go.4: an unparsable pause duration is -1 to Argo',
    canary: albCanary({ steps: [{ setWeight: 10 }, { pause: { duration: '5 minutes' } }] }),
    rule: 'step-pause-duration-negative',
    field: 'spec.strategy.canary.steps[1].pause.duration',
    message:
      'spec.strategy.steps[1].pause.duration: Invalid value: -1: Duration needs to be greater than 0. Use a number of seconds or a Go duration such as "30s" or "1h".',
  },
  {
    name: 'argo validation.go.5: setCanaryScale requires traffic routing',
    canary: { steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 10 }] },
    rule: 'set-canary-scale-without-traffic-routing',
    field: 'spec.strategy.canary.trafficRouting',
    message:
      'spec.strategy.trafficRouting: Required value: SetCanaryScale requires TrafficRouting to be set. Remove setCanaryScale steps or configure trafficRouting.',
  },
  {
    name: 'argo validation.go.6 (HEAD): setHeaderRoute is not supported by NGINX',
    canary: nginxCanary({
      trafficRouting: { nginx: { stableIngress: 'web' }, managedRoutes: managed(['hdr']) },
      steps: [{ setWeight: 10 }, hdr([{ headerName: 'x-canary', headerValue: { exact: 'yes' } }])],
    }),
    rule: 'header-route-router-unsupported',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute',
    message:
      'spec.strategy.steps[1].setHeaderRoute: Invalid value: {"name":"hdr","match":[{"headerName":"x-canary","headerValue":{"exact":"yes"}}]}: SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix. NGINX has no header routes here: remove the step (use canary-by-header in canaryIngressAnnotations).',
  },
  {
    name: 'argo validation.go.6: setHeaderRoute without traffic routing',
    canary: { steps: [{ setWeight: 10 }, hdr(null)] },
    rule: 'header-route-router-unsupported',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute',
    message:
      'spec.strategy.steps[1].setHeaderRoute: Invalid value: {"name":"hdr"}: SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix. Remove the step, or route with ALB, Istio, Apisix or a plugin.',
  },
  {
    name: 'argo validation.go.6: ALB header match without a value',
    canary: albWithRoutes([{ setWeight: 10 }, hdr([{ headerName: 'x-canary' }])]),
    rule: 'header-route-match-value-missing',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute.match[0]',
    message:
      'spec.strategy.steps[1].setHeaderRoute.match[0]: Invalid value: null: StringMatch value missed, match value must have one of the following: exact, regex, prefix. Set headerValue.exact.',
  },
  {
    name: 'argo validation.go.6: ALB supports exact header values only (prefix)',
    canary: albWithRoutes([hdr([{ headerName: 'user-agent', headerValue: { prefix: 'chrome' } }])]),
    rule: 'header-route-match-alb-exact-only',
    field: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0]',
    message:
      'spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {"prefix":"chrome"}: SetHeaderRoute match value invalid. ALB supports \'exact\' value only. Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.',
  },
  {
    name: 'argo validation.go.6: ALB supports exact header values only (empty exact)',
    canary: albWithRoutes([hdr([{ headerName: 'x', headerValue: { exact: '' } }])]),
    rule: 'header-route-match-alb-exact-only',
    field: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0]',
    message:
      "spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {}: SetHeaderRoute match value invalid. ALB supports 'exact' value only. Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.",
  },
  {
    name: 'argo validation.go.6: ALB rejects exact plus regex',
    canary: albWithRoutes([hdr([{ headerName: 'x', headerValue: { exact: 'a', regex: 'a.*' } }])]),
    rule: 'header-route-match-alb-exact-only',
    field: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0]',
    message:
      'spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {"exact":"a","regex":"a.*"}: SetHeaderRoute match value invalid. ALB supports \'exact\' value only. Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.',
  },
  {
    name: 'argo validation.go.6: Istio header match needs exactly one value',
    canary: {
      stableService: 's',
      canaryService: 'c',
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['hdr']) },
      steps: [hdr([{ headerName: 'x', headerValue: { exact: 'a', prefix: 'b' } }])],
    },
    rule: 'string-match-multiple-values',
    field: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0]',
    message:
      'spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {"exact":"a","prefix":"b"}: StringMatch match value must have exactly one of the following: exact, regex, prefix. Keep only one of exact, regex and prefix.',
  },
  {
    name: 'argo validation.go.6: Istio header match with no value',
    canary: {
      stableService: 's',
      canaryService: 'c',
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['hdr']) },
      steps: [hdr([{ headerName: 'x', headerValue: {} }])],
    },
    rule: 'string-match-value-missing',
    field: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0]',
    message:
      'spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {}: StringMatch value missed, match value must have one of the following: exact, regex, prefix. Set one of exact, regex and prefix.',
  },
  {
    name: 'argo validation.go.7 (HEAD) + argo alb.go: setMirrorRoute with ALB',
    canary: albCanary({
      trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: managed(['mirror']) },
      steps: [{ setWeight: 10 }, { setMirrorRoute: { name: 'mirror', percentage: 50 } }],
    }),
    rule: 'mirror-route-router-unsupported',
    field: 'spec.strategy.canary.steps[1].setMirrorRoute',
    message:
      'spec.strategy.steps[1].setMirrorRoute: Invalid value: {"name":"mirror","percentage":50}: SetMirrorRoute requires TrafficRouting, supports Istio and Plugins. ALB and NGINX cannot mirror through Argo Rollouts: remove the step.',
  },
  {
    name: 'argo validation.go.7: setMirrorRoute without traffic routing',
    canary: { steps: [{ setMirrorRoute: { name: 'm', match: [{ method: { exact: 'GET' } }] } }] },
    rule: 'mirror-route-router-unsupported',
    field: 'spec.strategy.canary.steps[0].setMirrorRoute',
    message:
      'spec.strategy.steps[0].setMirrorRoute: Invalid value: {"name":"m","match":[{"method":{"exact":"GET"}}]}: SetMirrorRoute requires TrafficRouting, supports Istio and Plugins. Remove the step, or route with Istio or a plugin.',
  },
  {
    name: 'argo validation.go.7: mirror match path must have exactly one value',
    canary: {
      stableService: 's',
      canaryService: 'c',
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['m']) },
      steps: [{ setMirrorRoute: { name: 'm', match: [{ path: { prefix: '/a', regex: '/b' } }] } }],
    },
    rule: 'string-match-multiple-values',
    field: 'spec.strategy.canary.steps[0].setMirrorRoute.match[0]',
    message:
      'spec.strategy.steps[0].setMirrorRoute.match[0]: Invalid value: {"prefix":"/a","regex":"/b"}: StringMatch match value must have exactly one of the following: exact, regex, prefix. Keep only one of exact, regex and prefix.',
  },
  // StringMatch's fields are `omitempty` (argo-rollouts v1.10 pkg/apis/rollouts/v1alpha1
  // types.go), so an empty one is left out of the printed value, and does not count.
  {
    name: 'argo validation.go.7: an empty prefix is left out of the printed match',
    canary: {
      stableService: 's',
      canaryService: 'c',
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['m']) },
      steps: [{ setMirrorRoute: { name: 'm', match: [{ path: { exact: '/a', regex: '/b', prefix: '' } }] } }],
    },
    rule: 'string-match-multiple-values',
    field: 'spec.strategy.canary.steps[0].setMirrorRoute.match[0]',
    message:
      'spec.strategy.steps[0].setMirrorRoute.match[0]: Invalid value: {"exact":"/a","regex":"/b"}: StringMatch match value must have exactly one of the following: exact, regex, prefix. Keep only one of exact, regex and prefix.',
  },
  {
    name: 'argo validation.go.7: an empty regex is left out of the printed match',
    canary: {
      stableService: 's',
      canaryService: 'c',
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['m']) },
      steps: [{ setMirrorRoute: { name: 'm', match: [{ path: { exact: '/a', prefix: '/b', regex: '' } }] } }],
    },
    rule: 'string-match-multiple-values',
    field: 'spec.strategy.canary.steps[0].setMirrorRoute.match[0]',
    message:
      'spec.strategy.steps[0].setMirrorRoute.match[0]: Invalid value: {"exact":"/a","prefix":"/b"}: StringMatch match value must have exactly one of the following: exact, regex, prefix. Keep only one of exact, regex and prefix.',
  },
  {
    name: 'argo validation.go.8: header routes need managedRoutes',
    canary: albCanary({
      steps: [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }])],
    }),
    rule: 'managed-routes-required',
    field: 'spec.strategy.canary.trafficRouting.managedRoutes',
    message:
      "spec.strategy.trafficRouting.managedRoutes: Required value: Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'. List every setHeaderRoute/setMirrorRoute name under trafficRouting.managedRoutes.",
  },
  {
    name: 'argo validation.go.9: the route name must be listed in managedRoutes',
    canary: albCanary({
      trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: managed(['other']) },
      steps: [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }])],
    }),
    rule: 'managed-routes-missing-route',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute',
    message:
      'spec.strategy.steps[1].setHeaderRoute: Invalid value: "hdr": Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes. Add {name: hdr} to trafficRouting.managedRoutes.',
  },
  {
    name: 'argo validation.go.10: experiment weight needs traffic routing',
    canary: { steps: [{ experiment: { templates: [{ name: 'a', weight: 5 }] } }] },
    rule: 'experiment-weight-without-traffic-routing',
    field: 'spec.strategy.canary.steps[0].experiment.templates[0].weight',
    message:
      'spec.strategy.steps[0].experiment.templates[0].weight: Invalid value: 5: Experiment template weight cannot be set unless TrafficRouting is enabled. Remove the weight or configure trafficRouting.',
  },
  {
    name: 'argo validation.go.10 (HEAD): experiment weight is not available with NGINX',
    canary: nginxCanary({
      steps: [{ setWeight: 5 }, { experiment: { templates: [{ name: 'a' }, { name: 'b', weight: 5 }] } }],
    }),
    rule: 'experiment-weight-router-unsupported',
    field: 'spec.strategy.canary.steps[1].experiment.templates[1].weight',
    message:
      'spec.strategy.steps[1].experiment.templates[1].weight: Invalid value: 5: Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time. Remove the weight: NGINX cannot send traffic to experiment pods.',
  },
  {
    name: 'argo validation_references.go (HEAD): ALB ingress and ingresses both set',
    canary: albCanary({}, { ingresses: ['web2'] }),
    rule: 'alb-ingress-both',
    field: 'spec.strategy.canary.trafficRouting.alb',
    message:
      'spec.strategy.canary.trafficRouting.alb: Internal error: Either Ingress or Ingresses must be configured. Both are configured. Set exactly one of ingress or ingresses.',
  },
  {
    name: 'argo validation_references.go (HEAD): ALB ingress and ingresses both unset',
    canary: albCanary({}, { ingress: '' }),
    rule: 'alb-ingress-neither',
    field: 'spec.strategy.canary.trafficRouting.alb',
    message:
      'spec.strategy.canary.trafficRouting.alb: Internal error: Either Ingress or Ingresses must be configured. Neither are configured. Set exactly one of ingress or ingresses.',
  },
  {
    name: 'argo validation_references.go (HEAD): NGINX stableIngress and stableIngresses both set',
    canary: nginxCanary({}, { stableIngresses: ['a'] }),
    rule: 'nginx-ingress-both',
    field: 'spec.strategy.canary.trafficRouting.nginx',
    message:
      'spec.strategy.canary.trafficRouting.nginx: Internal error: Either StableIngress or StableIngresses must be configured. Both are configured. Set exactly one of stableIngress or stableIngresses.',
  },
  {
    name: 'argo validation_references.go (HEAD): NGINX stableIngress and stableIngresses both unset',
    canary: nginxCanary({}, { stableIngress: undefined }),
    rule: 'nginx-ingress-neither',
    field: 'spec.strategy.canary.trafficRouting.nginx',
    message:
      'spec.strategy.canary.trafficRouting.nginx: Internal error: Either StableIngress or StableIngresses must be configured. Neither are configured. Set exactly one of stableIngress or stableIngresses.',
  },
  {
    name: 'argo alb.go: stickiness duration 0 fails every weight change',
    canary: albCanary({}, { stickinessConfig: { enabled: true, durationSeconds: 0 } }),
    rule: 'alb-stickiness-duration-range',
    field: 'spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds',
    message:
      "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)! Argo Rollouts fails every weight change with this error; set durationSeconds from 1 to 604800 (it is 0).",
  },
  {
    name: 'argo alb.go: stickiness duration above 7 days',
    canary: albCanary({}, { stickinessConfig: { enabled: true, durationSeconds: 604801 } }),
    rule: 'alb-stickiness-duration-range',
    field: 'spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds',
    message:
      "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)! Argo Rollouts fails every weight change with this error; set durationSeconds from 1 to 604800 (it is 604801).",
  },
  {
    name: 'argo validation.go "not validated" + argo alb.go: an unset alb.servicePort is written as "0"',
    canary: albCanary({}, { servicePort: undefined }),
    rule: 'alb-service-port-invalid',
    field: 'spec.strategy.canary.trafficRouting.alb.servicePort',
    message:
      'spec.strategy.canary.trafficRouting.alb.servicePort is not set, so Argo Rollouts writes ServicePort "0" into the action and the ALB finds no such port. Set it to the port the stable and canary Services expose.',
  },
  {
    name: 'argo types.go: alb.servicePort above 65535',
    canary: albCanary({}, { servicePort: 70000 }),
    rule: 'alb-service-port-invalid',
    field: 'spec.strategy.canary.trafficRouting.alb.servicePort',
    message:
      'spec.strategy.canary.trafficRouting.alb.servicePort 70000 is not a port number (1 to 65535). Set it to the port the stable and canary Services expose.',
  },
  {
    name: 'LBC parser.go: actions.<name> key name at most 55 characters',
    canary: albCanary({ stableService: `s${'x'.repeat(55)}` }),
    rule: 'alb-action-name-too-long',
    field: 'spec.strategy.canary.stableService',
    message: `spec.strategy.canary.stableService: "s${'x'.repeat(55)}" has 56 characters, but the annotation key actions.s${'x'.repeat(55)} may have at most 63 after the "/", so the name may have at most 55. Use a shorter Service name.`,
  },
  {
    name: 'LBC parser.go: rootService names the action when set',
    canary: albCanary({}, { rootService: 'r'.repeat(56) }),
    rule: 'alb-action-name-too-long',
    field: 'spec.strategy.canary.trafficRouting.alb.rootService',
    message: `spec.strategy.canary.trafficRouting.alb.rootService: "${'r'.repeat(56)}" has 56 characters, but the annotation key actions.${'r'.repeat(56)} may have at most 63 after the "/", so the name may have at most 55. Use a shorter Service name.`,
  },
  {
    name: 'LBC parser.go: conditions.<name> key name at most 52 characters',
    canary: albWithRoutes(
      [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }], 'h'.repeat(53))],
      {
        managedRoutes: managed(['h'.repeat(53)]),
      },
    ),
    rule: 'alb-conditions-name-too-long',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute.name',
    message: `spec.strategy.canary.steps[1].setHeaderRoute.name: "${'h'.repeat(53)}" has 53 characters, but the annotation key conditions.${'h'.repeat(53)} may have at most 63 after the "/", so a header route name may have at most 52. Use a shorter name.`,
  },
  {
    name: 'argo alb.go: header route name becomes an Ingress backend service name',
    canary: albWithRoutes(
      [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }], 'Canary_Route')],
      {
        managedRoutes: managed(['Canary_Route']),
      },
    ),
    rule: 'alb-header-route-name-invalid',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute.name',
    message:
      'spec.strategy.canary.steps[1].setHeaderRoute.name: "Canary_Route" is not a valid Service name, but Argo Rollouts writes it as an Ingress backend service name. Use lowercase letters, digits and \'-\', starting with a letter.',
  },
  {
    name: 'argo alb.go: empty ALB header match list sends all traffic to the canary',
    canary: albWithRoutes([{ setWeight: 10 }, hdr([])]),
    rule: 'alb-header-route-empty-match',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute.match',
    message:
      'spec.strategy.canary.steps[1].setHeaderRoute.match: an empty list makes Argo Rollouts write conditions.hdr: null, so header route "hdr" matches every request and sends ALL traffic to the canary. Add a match, or omit match to remove the route.',
  },
  {
    name: 'LBC parser.go: a custom ALB annotationPrefix is ignored by LBC v2',
    canary: albCanary({}, { annotationPrefix: 'custom.example.com' }),
    rule: 'alb-annotation-prefix-ignored',
    field: 'spec.strategy.canary.trafficRouting.alb.annotationPrefix',
    severity: 'warning',
    message:
      'AWS Load Balancer Controller v2 reads only alb.ingress.kubernetes.io/ annotations, so actions written under "custom.example.com/" are ignored. Remove annotationPrefix unless you run the legacy v1 controller with that prefix.',
  },
  {
    name: 'argo alb.go (HEAD merge) + ALB AND: header names differing in case never match',
    canary: albWithRoutes([
      { setWeight: 10 },
      hdr([
        { headerName: 'X-Canary', headerValue: { exact: 'a' } },
        { headerName: 'x-canary', headerValue: { exact: 'b' } },
      ]),
    ]),
    rule: 'header-route-never-matches',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute',
    severity: 'warning',
    message:
      'Header route "hdr" never matches: "X-Canary" and "x-canary" become separate ALB conditions that must all hold, and no one value satisfies them. Spell the header name the same way in every match so Argo merges the values.',
  },
  {
    // No case-insensitive comparison short of full Unicode case folding makes "straße" and
    // "STRASSE" one value, so the two conditions still need two different values.
    name: 'ALB AND: case-variant header names whose values differ only beyond ASCII never match',
    canary: albWithRoutes([
      { setWeight: 10 },
      hdr([
        { headerName: 'X-Canary', headerValue: { exact: 'straße' } },
        { headerName: 'x-canary', headerValue: { exact: 'STRASSE' } },
      ]),
    ]),
    rule: 'header-route-never-matches',
    field: 'spec.strategy.canary.steps[1].setHeaderRoute',
    severity: 'warning',
    message:
      'Header route "hdr" never matches: "X-Canary" and "x-canary" become separate ALB conditions that must all hold, and no one value satisfies them. Spell the header name the same way in every match so Argo merges the values.',
  },
  {
    name: 'argo-rollouts issue 4898: dynamicStableScale with abortScaleDownDelaySeconds',
    canary: albCanary({ dynamicStableScale: true, abortScaleDownDelaySeconds: 30 }),
    rule: 'dynamic-stable-scale-abort-delay',
    field: 'spec.strategy.canary.abortScaleDownDelaySeconds',
    severity: 'warning',
    message:
      'Fix: remove abortScaleDownDelaySeconds, or run a controller with argo-rollouts pull request 4900. With dynamicStableScale, an abort then never scales the canary down and traffic never returns to stable (argo-rollouts issue 4898).',
  },
  {
    name: 'an experiment whose templates have no weight sends no traffic either',
    canary: albCanary({ steps: [{ experiment: { templates: [{ name: 'a' }] } }] }),
    rule: 'steps-never-shift-traffic',
    field: 'spec.strategy.canary.steps',
    severity: 'warning',
    message:
      'No step sends traffic to the canary (no setWeight above 0, experiment weight or header route), so it gets 0% until full promotion, then 100% at once. Add setWeight steps; setCanaryScale only scales pods.',
  },
  {
    name: 'steps that never send traffic to the canary',
    canary: albCanary({ steps: [{ setCanaryScale: { weight: 50 } }, { pause: {} }, { setWeight: 0 }] }),
    rule: 'steps-never-shift-traffic',
    field: 'spec.strategy.canary.steps',
    severity: 'warning',
    message:
      'No step sends traffic to the canary (no setWeight above 0, experiment weight or header route), so it gets 0% until full promotion, then 100% at once. Add setWeight steps; setCanaryScale only scales pods.',
  },
];

describe('validateRolloutSpec: Argo Rollouts rules (argo validation.go, HEAD texts) and ours', () => {
  it.each(cases)('$name', ({ canary, rule, field, message, severity }) => {
    const findings = validateRolloutSpec(rolloutOf(canary));
    expect(findings).toContainEqual({ severity: severity ?? 'error', rule, field, message });
  });

  it('every message stays within about 300 characters', () => {
    for (const c of cases) {
      for (const f of validateRolloutSpec(rolloutOf(c.canary))) {
        // Argo's own step-flags value alone is 170 characters; it is kept whole for grep.
        expect(f.message.length, f.message).toBeLessThanOrEqual(f.rule === 'step-empty' ? 350 : 320);
      }
    }
  });
});

describe('validateRolloutSpec: configurations Argo accepts', () => {
  const valid: [string, Obj][] = [
    ['argo alb_test.go plain ALB canary', albCanary()],
    [
      'argo alb_test.go ALB with stickiness 1 s and 604800 s',
      albCanary({}, { stickinessConfig: { enabled: true, durationSeconds: 604800 } }),
    ],
    [
      'argo alb.go disabled stickiness is not range-checked',
      albCanary({}, { stickinessConfig: { enabled: false, durationSeconds: 0 } }),
    ],
    ['argo types.go ALB ingresses list (HEAD)', albCanary({}, { ingress: undefined, ingresses: ['a', 'b'] })],
    [
      'argo types.go NGINX with maxTrafficWeight (HEAD)',
      nginxCanary({
        trafficRouting: { nginx: { stableIngress: 'web' }, maxTrafficWeight: 1000 },
        steps: [{ setWeight: 1000 }],
      }),
    ],
    [
      'argo validation.go ALB ping-pong with rootService and no stable/canary',
      {
        pingPong: { pingService: 'ping', pongService: 'pong' },
        trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'root' } },
        steps: [{ setWeight: 5 }],
      },
    ],
    [
      'argo alb.go ALB header route with exact values, same name merged (HEAD)',
      albWithRoutes([
        { setWeight: 10 },
        hdr([
          { headerName: 'x-canary', headerValue: { exact: 'a' } },
          { headerName: 'x-canary', headerValue: { exact: 'b' } },
        ]),
        hdr(null),
      ]),
    ],
    [
      'argo validation.go.10 ALB experiment weight',
      albCanary({ steps: [{ experiment: { templates: [{ name: 'a', weight: 5 }] } }] }),
    ],
    [
      'argo validation.go Istio with a DestinationRule needs no services',
      { trafficRouting: { istio: { destinationRule: { name: 'dr' } } }, steps: [{ setWeight: 5 }] },
    ],
    ['no steps: promotion is immediate, nothing to warn about', albCanary({ steps: [] })],
    [
      'argo validation.go.4: pause durations Argo accepts',
      albCanary({
        steps: [
          { setWeight: 10 },
          { pause: { duration: '1h30m' } },
          { pause: { duration: '10' } },
          { pause: { duration: 0 } },
        ],
      }),
    ],
    ['argo validation.go: maxSurge 0 with maxUnavailable 1', albCanary({ maxSurge: 0, maxUnavailable: 1 })],
    ['argo validation.go: maxSurge 1 with maxUnavailable 0', albCanary({ maxSurge: 1, maxUnavailable: 0 })],
    // The bounds of the ranges the rules beyond Argo check, each just inside.
    [
      'ALB stickiness of 1 s, the shortest ALB allows',
      albCanary({}, { stickinessConfig: { enabled: true, durationSeconds: 1 } }),
    ],
    ['ALB servicePort 1', albCanary({}, { servicePort: 1 })],
    ['ALB servicePort 65535', albCanary({}, { servicePort: 65535 })],
    // actions.<name> must fit 63 characters: 63 - "actions.".length = 55.
    ['a stable Service name of 55 characters', albCanary({ stableService: 's'.repeat(55) })],
    [
      'a mirror step with ALB and Istio: Istio mirrors, ALB passes the traffic on (argo-rollouts alb.go SetMirrorRoute is a no-op)',
      albCanary({
        trafficRouting: {
          alb: { ingress: 'web', servicePort: 80 },
          istio: { virtualService: { name: 'vs' } },
          managedRoutes: managed(['mirror']),
        },
        steps: [{ setWeight: 10 }, { setMirrorRoute: { name: 'mirror' } }],
      }),
    ],
    [
      'Istio mirror matches with one value each, on method in one match and path in the other',
      albCanary({
        trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['mirror']) },
        steps: [
          { setWeight: 10 },
          {
            setMirrorRoute: {
              name: 'mirror',
              match: [{ method: { exact: 'GET' } }, { path: { prefix: '/api' } }],
            },
          },
        ],
      }),
    ],
    ['setWeight 0 is in range', albCanary({ steps: [{ setWeight: 0 }, { setWeight: 20 }] })],
    [
      'experiment templates without a weight need no traffic router',
      { steps: [{ setWeight: 10 }, { experiment: { templates: [{ name: 'a' }] } }] },
    ],
    [
      'argo validation.go.10: SMI can send an experiment weight',
      {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { smi: { rootService: 'web' } },
        steps: [{ setWeight: 10 }, { experiment: { templates: [{ name: 'a', weight: 5 }] } }],
      },
    ],
    [
      'argo validation.go.6: Apisix supports setHeaderRoute',
      {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { apisix: { route: { name: 'web-route' } }, managedRoutes: managed(['hdr']) },
        steps: [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }])],
      },
    ],
    ['blue-green or no canary strategy', {}],
  ];
  it.each(valid)('%s', (_name, canary) => {
    expect(validateRolloutSpec(rolloutOf(canary))).toEqual([]);
  });

  it('ignores a Rollout without a canary strategy', () => {
    const rollout = rolloutOf({});
    delete rollout.canary;
    expect(validateRolloutSpec(rollout)).toEqual([]);
  });

  it('reports managedRoutes once even when several steps need it', () => {
    const canary = albCanary({
      steps: [hdr([{ headerName: 'x', headerValue: { exact: 'a' } }]), hdr(null)],
    });
    expect(
      validateRolloutSpec(rolloutOf(canary)).filter((f) => f.rule === 'managed-routes-required'),
    ).toHaveLength(1);
  });

  it('cuts a long bad value so the detail stays readable', () => {
    const match = Array.from({ length: 10 }, (_, i) => ({
      headerName: `x-${i}`,
      headerValue: { exact: 'v' },
    }));
    const canary = nginxCanary({
      trafficRouting: { nginx: { stableIngress: 'web' }, managedRoutes: managed(['hdr']) },
      steps: [{ setWeight: 5 }, hdr(match)],
    });
    const f = validateRolloutSpec(rolloutOf(canary)).find(
      (x) => x.rule === 'header-route-router-unsupported',
    );
    expect(f?.message).toMatch(
      /^spec\.strategy\.steps\[1\]\.setHeaderRoute: Invalid value: \{"name":"hdr","match":\[.{60,}\.\.\.: SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix\. /,
    );
  });

  it('does not flag case-variant header names when the values can coincide or use wildcards', () => {
    const both = (a: string, b: string) =>
      albWithRoutes([
        { setWeight: 10 },
        hdr([
          { headerName: 'X-Canary', headerValue: { exact: a } },
          { headerName: 'x-canary', headerValue: { exact: b } },
        ]),
      ]);
    expect(validateRolloutSpec(rolloutOf(both('yes', 'YES')))).toEqual([]);
    expect(validateRolloutSpec(rolloutOf(both('a*', 'b')))).toEqual([]);
    // A wildcard among several values of one spelling is enough to leave the header alone.
    const mixed = albWithRoutes([
      { setWeight: 10 },
      hdr([
        { headerName: 'X-Canary', headerValue: { exact: 'a*' } },
        { headerName: 'X-Canary', headerValue: { exact: 'b' } },
        { headerName: 'x-canary', headerValue: { exact: 'c' } },
      ]),
    ]);
    expect(validateRolloutSpec(rolloutOf(mixed))).toEqual([]);
  });

  it('a header route name of 52 characters fits conditions.<name> (63 - "conditions.".length)', () => {
    const name = 'h'.repeat(52);
    const canary = albWithRoutes(
      [{ setWeight: 10 }, hdr([{ headerName: 'x', headerValue: { exact: 'a' } }], name)],
      {
        managedRoutes: managed([name]),
      },
    );
    expect(validateRolloutSpec(rolloutOf(canary))).toEqual([]);
  });

  it('a header route with a match sends traffic: no "never shift traffic" warning without setWeight', () => {
    const canary = albWithRoutes([hdr([{ headerName: 'x', headerValue: { exact: 'a' } }])]);
    expect(validateRolloutSpec(rolloutOf(canary)).map((f) => f.rule)).not.toContain(
      'steps-never-shift-traffic',
    );
  });

  it('case-variant header names are an ALB matter only: not reported for NGINX', () => {
    const canary = nginxCanary({
      trafficRouting: { nginx: { stableIngress: 'web' }, managedRoutes: managed(['hdr']) },
      steps: [
        { setWeight: 10 },
        hdr([
          { headerName: 'X-Canary', headerValue: { exact: 'a' } },
          { headerName: 'x-canary', headerValue: { exact: 'b' } },
        ]),
      ],
    });
    expect(validateRolloutSpec(rolloutOf(canary)).map((f) => f.rule)).not.toContain(
      'header-route-never-matches',
    );
  });

  it('argo validation.go.1: a step with experiment or analysis next to another action says so in its flags', () => {
    const multiple = (step: Obj) =>
      validateRolloutSpec(rolloutOf(albCanary({ steps: [step] })))
        .filter((f) => f.rule === 'step-multiple-types')
        .map((f) => f.message.slice(0, f.message.indexOf(': Step must')));
    expect(multiple({ setWeight: 10, experiment: { templates: [{ name: 'a' }] } })).toEqual([
      'spec.strategy.steps[0]: Invalid value: "step.Experiment: true step.Pause: false step.SetWeight: true step.Analysis: false"',
    ]);
    expect(multiple({ pause: {}, analysis: { templates: [{ templateName: 't' }] } })).toEqual([
      'spec.strategy.steps[0]: Invalid value: "step.Experiment: false step.Pause: true step.SetWeight: false step.Analysis: true"',
    ]);
  });

  it('argo validation.go.7: an Istio mirror match checks method and path each', () => {
    const fields = (match: Obj[]) =>
      validateRolloutSpec(
        rolloutOf(
          albCanary({
            trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['m']) },
            steps: [{ setWeight: 10 }, { setMirrorRoute: { name: 'm', match } }],
          }),
        ),
      )
        .filter((f) => f.rule === 'string-match-multiple-values')
        .map((f) => f.field);
    expect(fields([{ method: { exact: 'GET', regex: 'P.*' } }])).toEqual([
      'spec.strategy.canary.steps[1].setMirrorRoute.match[0]',
    ]);
    expect(fields([{ method: { exact: 'GET' } }, { path: { exact: '/a', prefix: '/b' } }])).toEqual([
      'spec.strategy.canary.steps[1].setMirrorRoute.match[1]',
    ]);
  });

  it('argo validation.go.7: a mirror route name must be in managedRoutes', () => {
    const canary = albCanary({
      trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: managed(['other']) },
      steps: [{ setWeight: 10 }, { setMirrorRoute: { name: 'm' } }],
    });
    const missing = validateRolloutSpec(rolloutOf(canary)).filter(
      (f) => f.rule === 'managed-routes-missing-route',
    );
    expect(missing.map((f) => f.field)).toEqual(['spec.strategy.canary.steps[1].setMirrorRoute']);
  });

  it('the mirror route in a finding is its Go JSON: method, path and headers of each match', () => {
    const canary = {
      steps: [
        {
          setMirrorRoute: {
            name: 'm',
            match: [{ method: { exact: 'G' }, path: { prefix: '/' }, headers: { x: { exact: '1' } } }],
          },
        },
      ],
    };
    const [finding] = validateRolloutSpec(rolloutOf(canary)).filter(
      (f) => f.rule === 'mirror-route-router-unsupported',
    );
    expect(finding?.message).toContain(
      // 99 characters: just under the cut at 100.
      'Invalid value: {"name":"m","match":[{"method":{"exact":"G"},"path":{"prefix":"/"},"headers":{"x":{"exact":"1"}}}]}: ',
    );
  });

  // HEAD's requireCanaryStableServices lists the routers that need both Services
  // (argoproj/argo-rollouts master 9f8d111, pkg/apis/rollouts/validation/validation.go); a
  // traffic router plugin is not among them.
  it.each([
    ['smi', { rootService: 'web' }],
    ['apisix', { route: { name: 'web-route' } }],
    ['ambassador', { mappings: ['web-mapping'] }],
    ['appMesh', { virtualService: { name: 'web-vs' } }],
    ['traefik', { weightedTraefikServiceName: 'web-ts' }],
  ])('%s without stableService and canaryService: both are required', (router, config) => {
    const canary = { trafficRouting: { [router]: config }, steps: [{ setWeight: 5 }] };
    const required = validateRolloutSpec(rolloutOf(canary)).filter(
      (f) => f.rule === 'traffic-routing-services-required',
    );
    expect(required.map((f) => f.field)).toEqual([
      'spec.strategy.canary.stableService',
      'spec.strategy.canary.canaryService',
    ]);
  });

  it('a traffic router plugin alone does not require stableService and canaryService', () => {
    const canary = { trafficRouting: { plugins: { 'example.com/router': {} } }, steps: [{ setWeight: 5 }] };
    const rules = validateRolloutSpec(rolloutOf(canary)).map((f) => f.rule);
    expect(rules).not.toContain('traffic-routing-services-required');
  });
});
