/**
 * IngressGroup annotations (LBC group_loader.go): `group.name` and `group.order`, with the Load
 * Balancer Controller's messages.
 */
import type { FindingList } from '../findings/index.js';
import { annotationField } from '../findings/index.js';
import { DEFAULT_ALB_PREFIX } from '../keys.js';
import { parseGoInt32 } from '../go/index.js';

export const GROUP_NAME_KEY = `${DEFAULT_ALB_PREFIX}/group.name`;
export const GROUP_ORDER_KEY = `${DEFAULT_ALB_PREFIX}/group.order`;
const GROUP_NAME = /^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$/;
const MAX_GROUP_NAME = 63;
const MIN_ORDER = -1000;
const MAX_ORDER = 1000;

export function checkGroupAnnotations(
  out: FindingList,
  ingressName: string,
  annotations: Record<string, string>,
): void {
  const name = annotations[GROUP_NAME_KEY];
  if (name !== undefined) {
    const problem = !GROUP_NAME.test(name)
      ? "groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
      : name.length > MAX_GROUP_NAME
        ? `groupName must be no more than ${MAX_GROUP_NAME} characters`
        : undefined;
    if (problem) {
      out.add(
        'error',
        'alb-group-name',
        annotationField(GROUP_NAME_KEY),
        `invalid ingress group: ${problem}. The AWS Load Balancer Controller would take this Ingress out of (or never add it to) the IngressGroup, and its only signal is a Warning event FailedLoadGroupID. Fix: use a lower-case name of at most ${MAX_GROUP_NAME} characters made of letters, digits, '-' and '.', starting and ending with a letter or digit.`,
      );
    }
  }
  const order = annotations[GROUP_ORDER_KEY];
  if (order === undefined) return;
  const parsed = parseGoInt32(order);
  if ('error' in parsed) {
    out.add(
      'error',
      'alb-group-order',
      annotationField(GROUP_ORDER_KEY),
      `failed to load Ingress group order for ingress: ${ingressName}: failed to parse int32 annotation, ${GROUP_ORDER_KEY}: ${order}: ${parsed.error}. The AWS Load Balancer Controller would fail to reconcile the whole IngressGroup. Fix: write a plain integer from ${MIN_ORDER} to ${MAX_ORDER}.`,
    );
  } else if (parsed.value < MIN_ORDER || parsed.value > MAX_ORDER) {
    out.add(
      'error',
      'alb-group-order',
      annotationField(GROUP_ORDER_KEY),
      `explicit Ingress group order must be within [${MIN_ORDER}:${MAX_ORDER}], Ingress: ${ingressName}, order: ${parsed.value}. The AWS Load Balancer Controller would fail to reconcile the whole IngressGroup. Fix: use an order from ${MIN_ORDER} to ${MAX_ORDER}.`,
    );
  }
}
