/**
 * What the apiserver would do with each manifest on CREATE, computed offline: mutate (for
 * Ingresses), then validate the result. Shared by `check` and `render`.
 */
import type { ClusterView, Finding, JsonObject } from '../routing/model.js';
import type { WebhookPolicy } from '../webhook/admission/handler.js';
import { IngressMutator } from '../webhook/hooks/mutate-ingress.js';
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
  if (isRollout) {
    const findings = rolloutFindings(document.object, cluster, namespace);
    return { document, admitted: document.object, mutationWarnings: [], findings };
  }
  return { document, admitted: document.object, mutationWarnings: [], findings: [] };
}
