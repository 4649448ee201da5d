/**
 * Builds the AdmissionRequest the apiserver would send for creating a manifest, so the
 * offline commands (`check`, `render`) run the same hooks as the server.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation as PatchOperation } from 'fast-json-patch';
import type { JsonObject } from '../routing/model.js';
import type { AdmissionRequest } from '../webhook/admission/review.js';

/** The identity offline commands act as: an ordinary user, never the Rollouts controller. */
export const OFFLINE_USER = 'rollouts-traffic-webhook:offline';

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function createRequest(
  object: JsonObject,
  apiVersion: string,
  kind: string,
  namespace: string,
): AdmissionRequest {
  const meta = (object.metadata ?? {}) as JsonObject;
  return {
    uid: `offline-${kind}-${namespace}-${String(meta.name ?? '')}`,
    kind: { ...groupVersion(apiVersion), kind },
    resource: '',
    namespace,
    name: typeof meta.name === 'string' ? meta.name : undefined,
    operation: 'CREATE',
    username: OFFLINE_USER,
    groups: [],
    object,
    dryRun: true,
  };
}

export function applyJsonPatch(object: JsonObject, patch: PatchOperation[]): JsonObject {
  if (patch.length === 0) return object;
  return fastJsonPatch.applyPatch(structuredClone(object), patch, true, false).newDocument as JsonObject;
}

export function namespaceOf(object: JsonObject): string {
  const meta = object.metadata;
  const ns = meta && typeof meta === 'object' && !Array.isArray(meta) ? meta.namespace : undefined;
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
}
