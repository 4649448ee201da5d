/**
 * The benchmark's cluster and its reviews, made from the quick-start app and the Argo CD
 * review in examples/: app `shop` in namespace `shop` becomes app `app-<i>` in namespace
 * `team-<i mod 200>`. Every app is a Rollout mid-canary (20 % after a header route), its
 * ALB Ingress as the Rollouts controller left it, and a stable and a canary Service:
 * 10,000 apps give 10,000 Rollouts, 10,000 Ingresses and 20,000 Services.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from '../src/routing/model.js';

export const APPS = 10_000;
export const NAMESPACES = 200;
export const REVIEW_BODIES = 200;

const ARGOCD = 'system:serviceaccount:argocd:argocd-application-controller';

interface Templates {
  rollout: JsonObject;
  services: JsonObject[];
  ingressClass: JsonObject;
  /** The live Ingress (the review's oldObject) and the whole mutate review. */
  liveIngress: JsonObject;
  review: JsonObject;
}

async function loadTemplates(root: string): Promise<Templates> {
  const docs = parseAllDocuments(await readFile(join(root, 'examples/quickstart/app.yaml'), 'utf8')).map(
    (d) => d.toJS() as JsonObject,
  );
  const review = JSON.parse(
    await readFile(join(root, 'examples/reviews/argocd-reapply-mid-canary.json'), 'utf8'),
  ) as JsonObject;
  const request = review['request'] as JsonObject;
  const byKind = (kind: string) => docs.filter((d) => d['kind'] === kind);
  const [rollout] = byKind('Rollout');
  const [ingressClass] = byKind('IngressClass');
  if (!rollout || !ingressClass)
    throw new Error('examples/quickstart/app.yaml lost its Rollout or IngressClass');
  return {
    rollout,
    services: byKind('Service'),
    ingressClass,
    liveIngress: request['oldObject'] as JsonObject,
    review,
  };
}

export function namespaceOf(app: number): string {
  return `team-${app % NAMESPACES}`;
}

/** The template object re-homed: namespace `shop` to `team-<n>`, then every `shop` to `app-<i>`. */
function forApp<T>(template: T, app: number): T {
  const text = JSON.stringify(template)
    .replaceAll('"namespace":"shop"', `"namespace":"${namespaceOf(app)}"`)
    .replaceAll('shop', `app-${app}`);
  return JSON.parse(text) as T;
}

/**
 * Writes the 40,001 manifests, one `kind: List` JSON file per namespace (what
 * `kubectl get -o json` gives; YAML of this size takes minutes to write on a busy machine).
 * Returns the object count.
 */
export async function writeClusterState(root: string, dir: string, apps = APPS): Promise<number> {
  const t = await loadTemplates(root);
  await mkdir(dir, { recursive: true });
  const perNamespace = new Map<string, JsonObject[]>();
  for (let i = 0; i < apps; i++) {
    const ns = namespaceOf(i);
    const list = perNamespace.get(ns) ?? [];
    list.push(forApp(t.rollout, i), forApp(t.liveIngress, i), ...t.services.map((s) => forApp(s, i)));
    perNamespace.set(ns, list);
  }
  let count = 1;
  await writeFile(join(dir, 'ingressclass.json'), JSON.stringify(t.ingressClass));
  for (const [ns, items] of perNamespace) {
    count += items.length;
    await writeFile(join(dir, `${ns}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  return count;
}

/** Apps the reviews are about: distinct, spread evenly over the whole index. */
function reviewedApps(apps: number): number[] {
  const count = Math.min(REVIEW_BODIES, apps);
  return Array.from({ length: count }, (_, k) => Math.floor((k * apps) / count));
}

/** Argo CD re-applying each app's Ingress from git mid-canary (Rollout-owned keys missing). */
export async function mutateReviews(root: string, apps = APPS): Promise<string[]> {
  const t = await loadTemplates(root);
  return reviewedApps(apps).map((i) => {
    const review = forApp(t.review, i);
    (review['request'] as JsonObject)['uid'] = `bench-mutate-${i}`;
    return JSON.stringify(review);
  });
}

/** Argo CD syncing each app's Rollout with a new image (an UPDATE the validator checks in full). */
export async function validateReviews(root: string, apps = APPS): Promise<string[]> {
  const t = await loadTemplates(root);
  return reviewedApps(apps).map((i) => {
    const old = forApp(t.rollout, i);
    const updated = JSON.parse(JSON.stringify(old).replace(':1.1.0"', ':1.2.0"')) as JsonObject;
    const meta = { name: `app-${i}`, namespace: namespaceOf(i) };
    const kind = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' };
    const resource = { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' };
    return JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `bench-validate-${i}`,
        kind,
        resource,
        requestKind: kind,
        requestResource: resource,
        ...meta,
        operation: 'UPDATE',
        userInfo: { username: ARGOCD, groups: ['system:serviceaccounts', 'system:authenticated'] },
        object: updated,
        oldObject: old,
        dryRun: false,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions', fieldManager: 'argocd-controller' },
      },
    });
  });
}

/** The review bodies as the load generators read them: one JSON document per line. */
export async function writeBodies(file: string, bodies: string[]): Promise<void> {
  await writeFile(file, bodies.join('\n') + '\n');
}

/** Apps of the Gateway API target: a Rollout through the plugin, its HTTPRoute, two Services. */
export const ROUTE_APPS = 1_000;

interface RouteTemplates {
  rollout: JsonObject;
  route: JsonObject;
  services: JsonObject[];
}

/**
 * examples/gateway-api/app.yaml, with the Rollout at its header-route step and 20 % recorded
 * in its status (what the Rollouts controller writes), and the HTTPRoute as the plugin left it:
 * weights 80/20, the managed header rule, and the plugin's in-progress label.
 */
async function loadRouteTemplates(root: string): Promise<RouteTemplates & { liveRoute: JsonObject }> {
  const docs = parseAllDocuments(await readFile(join(root, 'examples/gateway-api/app.yaml'), 'utf8')).map(
    (d) => d.toJS() as JsonObject,
  );
  const [rollout] = docs.filter((d) => d['kind'] === 'Rollout');
  const [route] = docs.filter((d) => d['kind'] === 'HTTPRoute');
  if (!rollout || !route) throw new Error('examples/gateway-api/app.yaml lost its Rollout or HTTPRoute');
  rollout['status'] = {
    currentPodHash: '6d4f8b9c7',
    stableRS: '5b7c9d8f6',
    currentStepIndex: 3,
    canary: {
      weights: {
        canary: { weight: 20, serviceName: 'store-canary', podTemplateHash: '6d4f8b9c7' },
        stable: { weight: 80, serviceName: 'store-stable', podTemplateHash: '5b7c9d8f6' },
      },
    },
  };
  const ref = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 80, weight });
  const match = { path: { type: 'PathPrefix', value: '/' } };
  const liveRoute = structuredClone(route);
  (liveRoute['metadata'] as JsonObject)['labels'] = {
    'rollouts.argoproj.io/gatewayapi-canary': 'in-progress',
  };
  (liveRoute['spec'] as JsonObject)['rules'] = [
    { matches: [match], backendRefs: [ref('store-stable', 80), ref('store-canary', 20)] },
    {
      name: 'store-testers',
      matches: [{ ...match, headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }],
      backendRefs: [ref('store-canary', 1)],
    },
  ];
  return { rollout, route, liveRoute, services: docs.filter((d) => d['kind'] === 'Service') };
}

/** The template re-homed for route app i: namespace `shop` to `team-<n>`, `store` to `store-<i>`. */
function forRouteApp<T>(template: T, app: number): T {
  const text = JSON.stringify(template)
    .replaceAll('"namespace":"shop"', `"namespace":"${namespaceOf(app)}"`)
    .replaceAll('store', `store-${app}`);
  return JSON.parse(text) as T;
}

/** The route apps' manifests (a List per namespace); returns the object count. */
export async function writeRouteClusterState(root: string, dir: string, apps = ROUTE_APPS): Promise<number> {
  const t = await loadRouteTemplates(root);
  await mkdir(dir, { recursive: true });
  const perNamespace = new Map<string, JsonObject[]>();
  for (let i = 0; i < apps; i++) {
    const list = perNamespace.get(namespaceOf(i)) ?? [];
    list.push(
      forRouteApp(t.rollout, i),
      forRouteApp(t.liveRoute, i),
      ...t.services.map((s) => forRouteApp(s, i)),
    );
    perNamespace.set(namespaceOf(i), list);
  }
  let count = 0;
  for (const [ns, items] of perNamespace) {
    count += items.length;
    await writeFile(join(dir, `${ns}.json`), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  return count;
}

/** Argo CD re-applying each app's HTTPRoute from git mid-canary: weights 1/1, no header rule. */
export async function routeReviews(root: string, apps = ROUTE_APPS): Promise<string[]> {
  const t = await loadRouteTemplates(root);
  const kind = { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' };
  const resource = { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' };
  return reviewedApps(apps).map((i) =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `bench-route-${i}`,
        kind,
        resource,
        requestKind: kind,
        requestResource: resource,
        name: `store-${i}`,
        namespace: namespaceOf(i),
        operation: 'UPDATE',
        userInfo: { username: ARGOCD, groups: ['system:serviceaccounts', 'system:authenticated'] },
        object: forRouteApp(t.route, i),
        oldObject: forRouteApp(t.liveRoute, i),
        dryRun: false,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions', fieldManager: 'argocd-controller' },
      },
    }),
  );
}
