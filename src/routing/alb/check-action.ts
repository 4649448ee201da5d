/**
 * Checks of one decoded `actions.<name>` value: the Load Balancer Controller's own validation
 * (LBC config_types.go, exact messages), the limits only AWS enforces, and the Services' ports.
 */
import type { RuleId } from '../findings/index.js';
import { AWS_REJECTS, BUILD_FAILS } from './verdicts.js';
import type { FindingList } from '../findings/index.js';
import { annotationField } from '../findings/index.js';
import {
  MAX_STICKINESS_SECONDS,
  type AlbAction,
  type AlbForwardConfig,
  type AlbTargetGroup,
} from './schema.js';
import type { Service } from '../model.js';

const ACTION_TYPES = ['forward', 'fixed-response', 'redirect'];
export const MAX_TARGET_GROUPS = 5;
export const MAX_WEIGHT = 999;

/** Where the action comes from and how to look up the Services it names. */
export interface ActionContext {
  out: FindingList;
  /** The full annotation key. */
  key: string;
  /** Namespace of the Ingress (and of the Services it forwards to). */
  namespace: string;
  lookupService: (name: string) => Service | undefined;
}

interface LbcError {
  rule: RuleId;
  message: string;
  fix: string;
}

function tupleError(tg: AlbTargetGroup): string | undefined {
  const external = tg.targetGroupARN !== undefined || tg.targetGroupName !== undefined;
  if (!external && tg.serviceName === undefined)
    return 'missing serviceName or targetGroupARN/targetGroupName';
  if (external && tg.serviceName !== undefined) {
    return 'either serviceName or targetGroupARN/targetGroupName can be specified';
  }
  if (tg.serviceName !== undefined && tg.servicePort === undefined) return 'missing servicePort';
  return undefined;
}

function forwardConfigError(config: AlbForwardConfig): LbcError | undefined {
  const groups = config.targetGroups;
  for (const tg of groups) {
    const problem = tupleError(tg);
    if (problem) {
      return {
        rule: 'alb-target-group',
        message: `invalid ForwardConfig: invalid TargetGroupTuple: ${problem}`,
        fix: 'give every target group either serviceName with servicePort, or targetGroupARN/targetGroupName',
      };
    }
  }
  if (groups.length > 1 && groups.some((tg) => tg.weight === undefined)) {
    return {
      rule: 'alb-weight-missing',
      message: 'invalid ForwardConfig: weight must be set when route to multiple target groups',
      fix: 'set an integer weight (0-999) on every target group',
    };
  }
  return undefined;
}

/** The controller's `Action.validate`, which stops at the first problem. */
function lbcActionError(action: AlbAction): LbcError | undefined {
  const config = (message: string, fix: string): LbcError => ({ rule: 'alb-action-config', message, fix });
  switch (action.type) {
    case 'fixed-response':
      if (!action.fixedResponseConfig)
        return config('missing FixedResponseConfig', 'add fixedResponseConfig');
      if (!action.fixedResponseConfig.statusCode) {
        return config(
          'invalid FixedResponseConfig: statusCode is required',
          'set fixedResponseConfig.statusCode',
        );
      }
      return undefined;
    case 'redirect':
      if (!action.redirectConfig) return config('missing RedirectConfig', 'add redirectConfig');
      if (!action.redirectConfig.statusCode) {
        return config('invalid RedirectConfig: statusCode is required', 'set redirectConfig.statusCode');
      }
      return undefined;
    case 'forward': {
      const simple = action.targetGroupARN !== undefined || action.targetGroupName !== undefined;
      if (!simple && !action.forwardConfig) {
        return config(
          'missing ForwardConfig or TargetGroupARN/TargetGroupName',
          'add forwardConfig.targetGroups',
        );
      }
      if (simple && action.forwardConfig) {
        return config(
          'either ForwardConfig or TargetGroupARN/TargetGroupName can be specified',
          'keep either forwardConfig or targetGroupARN/targetGroupName',
        );
      }
      return action.forwardConfig && forwardConfigError(action.forwardConfig);
    }
    default: {
      const near = ACTION_TYPES.find((t) => t === action.type.toLowerCase());
      return {
        rule: 'alb-action-type',
        message: `unknown action type: ${action.type}`,
        fix: near
          ? `type is case-sensitive: write "${near}"`
          : `set type to one of ${ACTION_TYPES.map((t) => `"${t}"`).join(', ')}`,
      };
    }
  }
}

function checkAwsLimits(out: FindingList, key: string, action: AlbAction): void {
  const field = annotationField(key);
  if (action.type === 'fixed-response' && action.fixedResponseConfig?.statusCode) {
    const code = action.fixedResponseConfig.statusCode;
    if (!/^[245]\d\d$/.test(code)) {
      out.add(
        'error',
        'alb-status-code',
        field,
        `fixedResponseConfig.statusCode ${JSON.stringify(code)} is not a 2XX, 4XX or 5XX code. ${AWS_REJECTS} Fix: use a code such as "503".`,
      );
    }
  }
  if (action.type === 'redirect' && action.redirectConfig?.statusCode) {
    const code = action.redirectConfig.statusCode;
    if (code !== 'HTTP_301' && code !== 'HTTP_302') {
      out.add(
        'error',
        'alb-status-code',
        field,
        `redirectConfig.statusCode ${JSON.stringify(code)} is neither "HTTP_301" nor "HTTP_302". ${AWS_REJECTS} Fix: use "HTTP_301" or "HTTP_302".`,
      );
    }
  }
  const forward = action.type === 'forward' ? action.forwardConfig : undefined;
  if (!forward) return;
  const groups = forward.targetGroups;
  if (groups.length === 0) {
    out.add(
      'error',
      'alb-target-group-count',
      field,
      `forwardConfig.targetGroups is empty. ${AWS_REJECTS} Fix: list at least one target group.`,
    );
  }
  if (groups.length > MAX_TARGET_GROUPS) {
    out.add(
      'error',
      'alb-target-group-count',
      field,
      `forwardConfig.targetGroups has ${groups.length} target groups; an ALB forward action takes at most ${MAX_TARGET_GROUPS}. ${AWS_REJECTS} Fix: route to at most ${MAX_TARGET_GROUPS} target groups (fewer experiment services).`,
    );
  }
  groups.forEach((tg, i) => {
    // Equivalent survivor: tg.weight !== undefined → true: both comparisons are false for undefined (the check only narrows the type)
    if (tg.weight !== undefined && (tg.weight < 0 || tg.weight > MAX_WEIGHT)) {
      out.add(
        'error',
        'alb-weight-range',
        field,
        `forwardConfig.targetGroups[${i}].weight is ${tg.weight}; target group weights must be between 0 and ${MAX_WEIGHT}. ${AWS_REJECTS} Fix: use weights from 0 to ${MAX_WEIGHT} (they are relative and need not sum to 100).`,
      );
    }
  });
  const sticky = forward.targetGroupStickinessConfig;
  const seconds = sticky?.durationSeconds;
  // Equivalent survivor: seconds !== undefined → true: both comparisons are false for undefined (the check only narrows the type)
  if (seconds !== undefined && (seconds < 1 || seconds > MAX_STICKINESS_SECONDS)) {
    // Stryker disable next-line OptionalChaining: equivalent, seconds was read from sticky, so sticky is defined here
    const enabled = sticky?.enabled === true;
    out.add(
      enabled ? 'error' : 'warning',
      'alb-stickiness-duration',
      field,
      `forwardConfig.targetGroupStickinessConfig.durationSeconds is ${seconds}; it must be between 1 and ${MAX_STICKINESS_SECONDS} seconds (7 days). ${enabled ? AWS_REJECTS : 'Stickiness is not enabled, so AWS may ignore it, but the value is still invalid.'} Fix: use a duration from 1 to ${MAX_STICKINESS_SECONDS}.`,
    );
  }
}

function portList(service: Service): string {
  if (service.ports.length === 0) return 'none';
  return service.ports.map((p) => (p.name ? `${p.port}/${p.name}` : `${p.port}`)).join(', ');
}

/** LBC `LookupServicePort`: a number matches `port` (never targetPort), a string matches `name`. */
function checkServicePorts({ out, key, namespace, lookupService }: ActionContext, action: AlbAction): void {
  if (action.type !== 'forward') return;
  // Stryker disable next-line ArrayDeclaration: equivalent, a made-up element is no object with a serviceName, so the first check below skips it
  (action.forwardConfig?.targetGroups ?? []).forEach((tg, i) => {
    if (tg.serviceName === undefined || tg.servicePort === undefined) return;
    const service = lookupService(tg.serviceName);
    if (!service) return;
    const port = tg.servicePort;
    const found = service.ports.some((p) =>
      typeof port === 'number' ? p.port === port : (p.name ?? '') === port,
    );
    if (found) return;
    out.add(
      'error',
      'alb-service-port',
      annotationField(key),
      `unable to find port ${port} on service ${namespace}/${tg.serviceName} (forwardConfig.targetGroups[${i}]). ${BUILD_FAILS} Fix: use a port number or port name that the Service declares (${portList(service)}).`,
    );
  });
}

/** All findings for one successfully decoded action. */
export function checkAlbAction(context: ActionContext, action: AlbAction): void {
  const { out, key } = context;
  const error = lbcActionError(action);
  if (error)
    out.add('error', error.rule, annotationField(key), `${error.message}. ${BUILD_FAILS} Fix: ${error.fix}.`);
  checkAwsLimits(out, key, action);
  checkServicePorts(context, action);
}
