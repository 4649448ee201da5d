/**
 * Parsing of the Load Balancer Controller's JSON annotations, with its error messages.
 */
import type { AlbAction, AlbTargetGroup, RuleCondition } from './schema.js';
import { ACTION_TYPE, CONDITIONS_TYPE, goToPlain, normaliseServicePort } from './schema.js';
import type { GoResult, GoType, UnknownKey } from '../go/index.js';
import { goUnmarshal } from '../go/index.js';

/** A decoded value, with the keys the controller would drop without a word (only when there are some). */
export type AnnotationResult<T> = GoResult<T> & { unknownKeys?: UnknownKey[] };

function withUnknownKeys<T>(value: T, unknownKeys: UnknownKey[] | undefined): AnnotationResult<T> {
  return unknownKeys && unknownKeys.length > 0 ? { value, unknownKeys } : { value };
}

function parseJsonAnnotation(key: string, raw: string, type: GoType): AnnotationResult<unknown> {
  const decoded = goUnmarshal(raw, type);
  if ('error' in decoded) {
    // LBC: errors.Wrapf(err, "failed to parse json annotation, %v: %v", matchedKey, raw)
    return { error: `failed to parse json annotation, ${key}: ${raw}: ${decoded.error}` };
  }
  return withUnknownKeys(goToPlain(decoded.value, type), decoded.unknownKeys);
}

/**
 * Decodes an `actions.<name>` value as LBC does. A `null` value decodes to an action with an
 * empty type (which validation then rejects as `unknown action type: `).
 */
export function parseAlbAction(key: string, raw: string): AnnotationResult<AlbAction> {
  const parsed = parseJsonAnnotation(key, raw, ACTION_TYPE);
  if ('error' in parsed) return parsed;
  const action = parsed.value as AlbAction;
  if (action.forwardConfig) {
    action.forwardConfig.targetGroups ??= [];
    action.forwardConfig.targetGroups.forEach((tg: AlbTargetGroup) => {
      if (tg.servicePort !== undefined) tg.servicePort = normaliseServicePort(tg.servicePort);
    });
  }
  return withUnknownKeys(action, parsed.unknownKeys);
}

/** Decodes a `conditions.<name>` value (a JSON array; `null` and `[]` are empty). */
export function parseAlbConditions(key: string, raw: string): AnnotationResult<RuleCondition[]> {
  const parsed = parseJsonAnnotation(key, raw, CONDITIONS_TYPE);
  if ('error' in parsed) return parsed;
  return withUnknownKeys((parsed.value as RuleCondition[] | undefined) ?? [], parsed.unknownKeys);
}
