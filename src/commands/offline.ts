/**
 * What the apiserver would do with each manifest on CREATE, computed offline: mutate (for
 * Ingresses and Gateway API routes), then validate the result. Shared by `check` and `render`.
 */
import type { ClusterView, Finding, JsonObject } from '../routing/model.js';
import type { WebhookPolicy } from '../webhook/admission/handler.js';
import { routeKindOf } from '../routing/gateway-api/index.js';
import { IngressMutator } from '../webhook/hooks/mutate-ingress.js';
import { RouteMutator } from '../webhook/hooks/mutate-route.js';
import { routeFindings } from '../webhook/hooks/validate-route.js';
import { ingressFindings } from '../webhook/hooks/validate-ingress.js';
import { rolloutFindings } from '../webhook/hooks/validate-rollout.js';
import type { ManifestDocument } from '../cluster/manifest-files.js';
import { applyJsonPatch, createRequest, namespaceOf } from './synthetic.js';

export interface AdmittedDocument {
  document: ManifestDocument;
  /** The object after the mutating hook (the original when nothing changed). */
  admitted: JsonObject;
  /** Warnings from the mutating hook (overrides, unguarded keys). */
  mutationWarnings: string[];
  findings: Finding[];
}

const mutator = new IngressMutator();
const routeMutators = { HTTPRoute: new RouteMutator('HTTPRoute'), GRPCRoute: new RouteMutator('GRPCRoute') };

export function admitOffline(
  document: ManifestDocument,
  cluster: ClusterView,
  policy: WebhookPolicy,
  options: { wiring?: boolean } = {},
): AdmittedDocument {
  const namespace = namespaceOf(document.object);
  const isIngress = document.kind === 'Ingress' && document.apiVersion.startsWith('networking.k8s.io/');
  const isRollout = document.kind === 'Rollout' && document.apiVersion.startsWith('argoproj.io/');
  if (isIngress) {
    const request = createRequest(document.object, document.apiVersion, document.kind, namespace);
    const result = mutator.handle(request, { cluster, policy, deadline: Date.now() + 10_000 });
    const admitted = applyJsonPatch(document.object, result.patch);
    return {
      document,
      admitted,
      mutationWarnings: result.warnings,
      findings: ingressFindings(admitted, cluster, namespace, options),
    };
  }
  const group = document.apiVersion.includes('/')
    ? document.apiVersion.slice(0, document.apiVersion.indexOf('/'))
    : '';
  const routeKind = routeKindOf(group, document.kind);
  if (routeKind) {
    const request = createRequest(document.object, document.apiVersion, document.kind, namespace);
    const result = routeMutators[routeKind].handle(request, {
      cluster,
      policy,
      deadline: Date.now() + 10_000,
    });
    const admitted = applyJsonPatch(document.object, result.patch);
    const denial: Finding[] = result.allowed
      ? []
      : [
          {
            severity: 'error',
            rule: 'gateway-api-route-limits',
            field: 'spec.rules',
            message: result.message ?? result.reason,
          },
        ];
    return {
      document,
      admitted,
      mutationWarnings: result.warnings,
      findings: [...denial, ...routeFindings(routeKind, admitted, cluster, namespace)],
    };
  }
  if (isRollout) {
    const findings = rolloutFindings(document.object, cluster, namespace);
    return { document, admitted: document.object, mutationWarnings: [], findings };
  }
  return { document, admitted: document.object, mutationWarnings: [], findings: [] };
}
