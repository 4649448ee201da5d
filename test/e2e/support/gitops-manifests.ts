import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { allToStableAction, type CanaryNames } from './manifests.js';
import { albActionKey } from './traffic.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** The example apps the GitOps scenarios sync: the repository's own manifests. */
export type ExampleApp = 'quick-start' | 'header-routing';

/** Whether git holds a Rollout-owned annotation: absent (recommended) or a stale copy. */
export type GitVariant = 'absent' | 'stale';

// Only the fields read here; the manifests are otherwise passed through untouched.
type Manifest = KubernetesObject & { spec?: Record<string, unknown>; status?: unknown };

/** One example app, named as the other scenarios name a canary setup. */
export interface GitApp extends CanaryNames {
  readonly example: ExampleApp;
  /** The `setHeaderRoute` route name, when the app has one. */
  readonly headerRoute?: string;
  /** Index of the indefinite pause step that holds the canary at 20 %. */
  readonly pauseStep: number;
  readonly objects: readonly Manifest[];
}

function documents(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(`${EXAMPLES}${file}`, 'utf8')).map((d) => d.toJS() as Manifest);
}

const canaryOf = (rollout: Manifest) =>
  (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary;

function describeApp(example: ExampleApp, objects: Manifest[], pauseStep: number): GitApp {
  const rollout = objects.find((o) => o.kind === 'Rollout')!;
  const canary = canaryOf(rollout) as {
    stableService: string;
    canaryService: string;
    trafficRouting: { alb: { ingress: string; servicePort: number }; managedRoutes?: { name: string }[] };
  };
  return {
    example,
    rollout: rollout.metadata!.name!,
    ingress: canary.trafficRouting.alb.ingress,
    stableService: canary.stableService,
    canaryService: canary.canaryService,
    servicePort: canary.trafficRouting.alb.servicePort,
    ...(canary.trafficRouting.managedRoutes
      ? { headerRoute: canary.trafficRouting.managedRoutes[0]!.name }
      : {}),
    pauseStep,
    objects,
  };
}

/**
 * The quick start of the Argo CD and Flux examples: `examples/app` (Services, Rollout,
 * Ingress; the scenario's namespace stands in for namespace.yaml). One change: the steps
 * hold the canary at 20 % (`setWeight: 20`, `pause: {}`) instead of 10 % for two minutes,
 * so every scenario looks at the same mid-canary state for as long as it needs.
 */
export function quickStartApp(): GitApp {
  const objects = ['app/services.yaml', 'app/rollout.yaml', 'app/ingress.yaml'].flatMap(documents);
  canaryOf(objects.find((o) => o.kind === 'Rollout')!).steps = [{ setWeight: 20 }, { pause: {} }];
  return describeApp('quick-start', objects, 1);
}

/**
 * `examples/quickstart/app.yaml`: 20 %, a header route for testers and an indefinite
 * pause, used as written. Left out: the IngressClass (cluster-wide, created once by the
 * scenario) and the Rollout's `status` (the offline mode's stand-in for a live canary).
 */
export function headerRoutingApp(): GitApp {
  const objects = documents('quickstart/app.yaml').filter((o) => o.kind !== 'IngressClass');
  for (const object of objects) delete object.status;
  return describeApp('header-routing', objects, 2);
}

/** The image the canary revision moves to: the examples' own tag with `-next` appended. */
const nextImage = (image: string) => `${image}-next`;

/**
 * The app as a git commit renders it for one namespace: `revision` 1 is the example as
 * written, 2 the commit that changes the image (the canary). `stale` adds the ALB action
 * a user copies from the AWS docs: all traffic to the stable Service, which the Rollouts
 * controller owns and rewrites as soon as a canary starts.
 */
export function renderGit(app: GitApp, namespace: string, variant: GitVariant, revision: 1 | 2): string {
  const objects = structuredClone(app.objects) as Manifest[];
  for (const object of objects) {
    object.metadata = { ...object.metadata, namespace };
    if (object.kind === 'Rollout' && revision === 2) {
      const template = (object.spec as { template: { spec: { containers: { image: string }[] } } }).template;
      const container = template.spec.containers[0]!;
      container.image = nextImage(container.image);
    }
    if (object.kind === 'Ingress' && variant === 'stale') {
      object.metadata.annotations = {
        ...object.metadata.annotations,
        [albActionKey(app)]: allToStableAction(app),
      };
    }
  }
  return objects.map((object) => stringify(object)).join('---\n');
}
