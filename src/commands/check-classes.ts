/**
 * Which controller each IngressClass belongs to, offline. An app repository rarely holds its
 * IngressClass (the controller's chart installs it), and without one the class resolution
 * would decide that no controller manages the Ingress and skip every load-balancer check. So
 * `check` assumes the standard classes' controllers, takes `--ingress-class NAME=CONTROLLER`
 * for others, and names every Ingress it still could not check, with the reason.
 */
import { ingressControllers } from '../routing/ingress-class.js';
import type { ClusterView, Ingress, IngressClass } from '../routing/model.js';
import { ALB_CONTROLLER, INGRESS_CLASS_ANNOTATION, NGINX_CONTROLLER } from '../routing/keys.js';
import { UsageError } from './options.js';
import { DelegatingClusterView } from '../cluster/delegating-view.js';

/** The classes the controllers' charts install by default, and their controllers. */
export const STANDARD_CLASSES: ReadonlyMap<string, string> = new Map([
  ['alb', ALB_CONTROLLER],
  ['nginx', NGINX_CONTROLLER],
]);

export interface AssumedClass {
  name: string;
  controller: string;
  /** `standard` (no IngressClass in the set) or `flag` (--ingress-class). */
  source: 'standard' | 'flag';
}

/** An Ingress the load-balancer checks did not run on, and why. */
export interface UncheckedIngress {
  namespace: string;
  name: string;
  reason: string;
}

/** Parses `--ingress-class NAME=CONTROLLER` values (repeatable). */
export function parseClassFlags(values: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq).trim();
    const controller = value.slice(eq + 1).trim();
    if (eq < 0 || name === '' || controller === '') {
      throw new UsageError(
        `--ingress-class must be NAME=CONTROLLER, e.g. --ingress-class internal=${ALB_CONTROLLER}; got ${JSON.stringify(value)}`,
      );
    }
    out.set(name, controller);
  }
  return out;
}

/** The class names an Ingress may be selected by: its field and its annotation. */
function classNamesOf(ingress: Ingress): string[] {
  const names = [ingress.ingressClassName, ingress.annotations[INGRESS_CLASS_ANNOTATION]];
  return names.filter((n): n is string => n !== undefined && n !== '');
}

export interface ClassResolution {
  view: ClusterView;
  assumed: AssumedClass[];
  unchecked: UncheckedIngress[];
}

/**
 * `cluster` with the IngressClasses of the set, those of `flags` (which win), and the standard
 * ones that the set's Ingresses use but the set does not define.
 */
export function resolveClasses(
  cluster: ClusterView,
  ingresses: Ingress[],
  flags: Map<string, string>,
): ClassResolution {
  const inSet = cluster.ingressClasses();
  const used = new Set(ingresses.flatMap(classNamesOf));
  const assumed: AssumedClass[] = [];
  const classes: IngressClass[] = inSet.filter((c) => !flags.has(c.name));
  for (const [name, controller] of flags) {
    classes.push({ name, controller, isDefault: inSet.find((c) => c.name === name)?.isDefault ?? false });
    assumed.push({ name, controller, source: 'flag' });
  }
  for (const [name, controller] of STANDARD_CLASSES) {
    if (!used.has(name) || classes.some((c) => c.name === name)) continue;
    classes.push({ name, controller, isDefault: false });
    assumed.push({ name, controller, source: 'standard' });
  }
  const view = new ClusterWithClasses(cluster, classes);
  const unchecked = ingresses.flatMap((ingress) => {
    const controllers = ingressControllers(ingress, classes);
    if (controllers.alb || controllers.nginx) return [];
    return [{ namespace: ingress.namespace, name: ingress.name, reason: uncheckedReason(ingress, classes) }];
  });
  return { view, assumed, unchecked };
}

/** The cluster as given, with the IngressClasses resolved for the check. */
class ClusterWithClasses extends DelegatingClusterView {
  constructor(
    cluster: ClusterView,
    private readonly classes: IngressClass[],
  ) {
    super(cluster);
  }

  override ingressClasses(): IngressClass[] {
    return this.classes;
  }
}

function uncheckedReason(ingress: Ingress, classes: IngressClass[]): string {
  const names = classNamesOf(ingress);
  const fix = `pass --ingress-class NAME=${ALB_CONTROLLER} (or =${NGINX_CONTROLLER}) if it is one of theirs`;
  const skipped = 'the ALB and NGINX annotation checks did not run';
  if (names.length === 0) {
    return `it has no spec.ingressClassName, no ${INGRESS_CLASS_ANNOTATION} annotation, and the set has no default IngressClass, so ${skipped}. Set spec.ingressClassName (alb or nginx).`;
  }
  const known = names.map((n) => classes.find((c) => c.name === n)).find((c) => c !== undefined);
  if (known) {
    return `its class "${known.name}" belongs to controller "${known.controller}", not the AWS Load Balancer Controller or ingress-nginx, so ${skipped}.`;
  }
  return `its class "${names[0]}" is neither in the checked manifests nor a standard class (alb, nginx), so ${skipped}. Add its IngressClass manifest, or ${fix}.`;
}
