import type { AlbAnnotationOptions } from '../../../src/routing/alb/check-annotations.js';
import { validateAlbAnnotations } from '../../../src/routing/alb/index.js';
import type { Finding, Ingress, IngressBackend, Service } from '../../../src/routing/model.js';

export const P = 'alb.ingress.kubernetes.io';
export const field = (key: string): string => `metadata.annotations[${JSON.stringify(key)}]`;

export function backend(over: Partial<IngressBackend> = {}): IngressBackend {
  return {
    ruleIndex: 0,
    pathIndex: 0,
    host: 'shop.example.com',
    path: '/',
    pathType: 'Prefix',
    serviceName: 'web',
    portName: 'use-annotation',
    legacyFields: false,
    resource: false,
    ...over,
  };
}

export function ingress(
  annotations: Record<string, string>,
  backends: IngressBackend[] = [backend()],
): Ingress {
  return { namespace: 'shop', name: 'web', annotations, backends };
}

const services: Record<string, Service> = Object.fromEntries(
  ['canary-svc', 'stable-svc', 'ex-svc-1', 'ex-svc-2', 'web-canary', 'web-stable'].map((name) => [
    name,
    {
      namespace: 'shop',
      name,
      ports: [
        { port: 443, name: 'https' },
        { port: 80, name: 'http' },
      ],
    },
  ]),
);
services['unnamed'] = { namespace: 'shop', name: 'unnamed', ports: [{ port: 8080 }] };

export const lookupService = (name: string): Service | undefined => services[name];

export function validate(
  annotations: Record<string, string>,
  backends?: IngressBackend[],
  options?: AlbAnnotationOptions,
): Finding[] {
  return validateAlbAnnotations(ingress(annotations, backends), lookupService, options);
}

/** Findings of one action on the path `web` (use-annotation). */
export function validateAction(json: string): Finding[] {
  return validate({ [`${P}/actions.web`]: json });
}

export function ruleIds(findings: Finding[]): string[] {
  return findings.map((f) => f.rule);
}

/** Any JS value as annotation text; never throws (objects without a prototype, BigInt, symbols). */
export function anyAsText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
