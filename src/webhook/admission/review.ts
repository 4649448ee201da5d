/**
 * AdmissionReview (admission.k8s.io/v1) decoding. The apiserver is the only real client,
 * but anything can reach the port, so every field is checked before use and each problem
 * becomes a `BadReview` with a sentence that says what was wrong.
 */
import { isJsonObject, own } from '../../routing/wire/index.js';
import type { JsonObject } from '../../routing/model.js';
import { echo } from '../echo.js';
import { MAX_NESTING_DEPTH, nestsDeeperThan } from './nesting.js';

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';
export const REVIEW_KIND = 'AdmissionReview';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The parts of `request` the webhook uses. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  /** `request.resource.resource`, e.g. `ingresses`; empty when absent. */
  resource: string;
  subResource?: string;
  namespace?: string;
  name?: string;
  operation: Operation;
  username: string;
  groups: string[];
  object?: JsonObject;
  oldObject?: JsonObject;
  dryRun: boolean;
}

export class BadReview extends Error {
  override readonly name = 'BadReview';
}

function requireString(obj: JsonObject, key: string, where: string): string {
  const value = own(obj, key);
  if (typeof value !== 'string' || value === '')
    throw new BadReview(`${where}.${key} must be a non-empty string`);
  return value;
}

function optionalString(obj: JsonObject, key: string, where: string): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadReview(`${where}.${key} must be a string`);
  return value;
}

function optionalObject(obj: JsonObject, key: string, where: string): JsonObject | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw new BadReview(`${where}.${key} must be an object`);
  return value;
}

function readKind(request: JsonObject): GroupVersionKind {
  const kind = optionalObject(request, 'kind', 'request');
  if (!kind) throw new BadReview('request.kind is required');
  return {
    group: optionalString(kind, 'group', 'request.kind') ?? '',
    version: requireString(kind, 'version', 'request.kind'),
    kind: requireString(kind, 'kind', 'request.kind'),
  };
}

function readUser(request: JsonObject): { username: string; groups: string[] } {
  const userInfo = optionalObject(request, 'userInfo', 'request') ?? {};
  const username = optionalString(userInfo, 'username', 'request.userInfo') ?? '';
  const groupsValue = own(userInfo, 'groups');
  const groups = Array.isArray(groupsValue)
    ? groupsValue.filter((g): g is string => typeof g === 'string')
    : [];
  return { username, groups };
}

/** Where a body came from, as far as decoding it is concerned. */
export interface BodyOrigin {
  /**
   * The server measured the nesting of the body's bytes before parsing them and refused
   * anything deeper than MAX_NESTING_DEPTH (server.ts, `decodeBody`), so the decoded value
   * is not walked again. Callers that start from a value (the `review` command) leave it out.
   */
  depthMeasuredOnBytes?: boolean;
}

/** Decodes the envelope and the request; throws BadReview with a precise reason otherwise. */
export function decodeAdmissionReview(body: unknown, origin: BodyOrigin = {}): AdmissionRequest {
  if (!isJsonObject(body)) throw new BadReview('the body must be a JSON object (an AdmissionReview)');
  if (!origin.depthMeasuredOnBytes && nestsDeeperThan(body, MAX_NESTING_DEPTH))
    throw new BadReview(`the body nests arrays and objects more than ${MAX_NESTING_DEPTH} levels deep`);
  const apiVersion = own(body, 'apiVersion');
  const kind = own(body, 'kind');
  if (kind !== REVIEW_KIND) throw new BadReview(`kind must be "${REVIEW_KIND}", got ${echo(kind)}`);
  if (apiVersion !== REVIEW_API_VERSION) {
    throw new BadReview(
      `apiVersion must be "${REVIEW_API_VERSION}", got ${echo(apiVersion)}; ` +
        'register the webhook with admissionReviewVersions: [v1]',
    );
  }
  const request = optionalObject(body, 'request', 'AdmissionReview');
  if (!request) throw new BadReview('AdmissionReview.request is required');
  const operation = requireString(request, 'operation', 'request');
  if (!OPERATIONS.has(operation))
    throw new BadReview(`request.operation ${echo(operation)} is not one of ${[...OPERATIONS].join(', ')}`);
  const resource = optionalObject(request, 'resource', 'request');
  const dryRun = own(request, 'dryRun');
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean')
    throw new BadReview('request.dryRun must be a boolean');
  return {
    uid: requireString(request, 'uid', 'request'),
    kind: readKind(request),
    resource: (resource && optionalString(resource, 'resource', 'request.resource')) ?? '',
    subResource: optionalString(request, 'subResource', 'request'),
    namespace: optionalString(request, 'namespace', 'request'),
    name: optionalString(request, 'name', 'request'),
    operation: operation as Operation,
    ...readUser(request),
    object: optionalObject(request, 'object', 'request'),
    oldObject: optionalObject(request, 'oldObject', 'request'),
    dryRun: dryRun === true,
  };
}

/** Reads the uid when the rest of the review is unusable, so an error can still echo it. */
export function peekUid(body: unknown): string | undefined {
  if (!isJsonObject(body)) return undefined;
  const request = own(body, 'request');
  if (!isJsonObject(request)) return undefined;
  const uid = own(request, 'uid');
  return typeof uid === 'string' ? uid : undefined;
}
