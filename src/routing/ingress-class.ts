/**
 * Which ingress controller will act on an Ingress. Three programs answer this question
 * differently, and a Rollout only works when all of them agree:
 *
 * - the AWS Load Balancer Controller: the `kubernetes.io/ingress.class` annotation wins,
 *   then `spec.ingressClassName`, then the cluster's default IngressClass; an IngressClass
 *   counts by its `spec.controller`, never by its name (LBC class_loader.go);
 * - ingress-nginx: `spec.ingressClassName` first, the annotation only when the field is
 *   absent (nginx store.go);
 * - Argo Rollouts itself: the annotation, then `spec.ingressClassName`, compared by NAME
 *   against its `--alb-ingress-classes` / `--nginx-ingress-classes` flags; it never looks at
 *   the default IngressClass.
 */
import type { Ingress, IngressClass } from './model.js';
import { ALB_CONTROLLER, INGRESS_CLASS_ANNOTATION, NGINX_CONTROLLER } from './keys.js';

export interface IngressClassOptions {
  /** The Load Balancer Controller's `--ingress-class` flag (default `alb`). */
  albIngressClass?: string;
  /** ingress-nginx's `--ingress-class` flag (default `nginx`). */
  nginxIngressClass?: string;
}

export interface ControllerDecision {
  managed: boolean;
  /** One sentence saying why, naming the annotation, field or IngressClass that decided. */
  reason: string;
}

export interface IngressControllers {
  alb: boolean;
  nginx: boolean;
  /** The ALB sentence followed by the NGINX sentence. */
  reason: string;
}

const DEFAULT_ALB_CLASS = 'alb';
const DEFAULT_NGINX_CLASS = 'nginx';

function hasClassAnnotation(ingress: Ingress): boolean {
  return Object.prototype.hasOwnProperty.call(ingress.annotations, INGRESS_CLASS_ANNOTATION);
}

/** Decision by an IngressClass object: only its controller counts. */
function byIngressClass(
  cls: IngressClass,
  how: string,
  controller: string,
  program: string,
): ControllerDecision {
  const managed = cls.controller === controller;
  const verdict = managed ? 'manages it' : `does not manage it (it expects ${controller})`;
  return {
    managed,
    reason: `${how} IngressClass "${cls.name}" with controller "${cls.controller}", so the ${program} ${verdict}.`,
  };
}

/** The AWS Load Balancer Controller's decision (class_annotation_matcher.go, class_loader.go). */
export function albControllerDecision(
  ingress: Ingress,
  classes: IngressClass[],
  options: IngressClassOptions = {},
): ControllerDecision {
  const flag = options.albIngressClass ?? DEFAULT_ALB_CLASS;
  const program = 'AWS Load Balancer Controller';
  if (hasClassAnnotation(ingress)) {
    const value = ingress.annotations[INGRESS_CLASS_ANNOTATION];
    // An empty flag means the controller matches the literal "alb".
    const wanted = flag === '' ? DEFAULT_ALB_CLASS : flag;
    const managed = value === wanted;
    return {
      managed,
      reason: managed
        ? `Annotation ${INGRESS_CLASS_ANNOTATION}: "${value}" selects the ${program}.`
        : `Annotation ${INGRESS_CLASS_ANNOTATION}: "${value}" is not "${wanted}", and the annotation wins over spec.ingressClassName, so the ${program} ignores this Ingress.`,
    };
  }
  if (ingress.ingressClassName !== undefined) {
    const cls = classes.find((c) => c.name === ingress.ingressClassName);
    if (!cls) {
      return {
        managed: false,
        reason: `spec.ingressClassName "${ingress.ingressClassName}" names no IngressClass (the ${program} reports: invalid ingress class: ingressclasses.networking.k8s.io "${ingress.ingressClassName}" not found).`,
      };
    }
    return byIngressClass(cls, 'spec.ingressClassName selects', ALB_CONTROLLER, program);
  }
  const defaults = classes.filter((c) => c.isDefault);
  if (defaults.length > 1) {
    return {
      managed: false,
      reason: `The Ingress has no class and the cluster has ${defaults.length} default IngressClasses (${defaults.map((c) => c.name).join(', ')}); the ${program} reports "multiple default IngressClasses found".`,
    };
  }
  if (defaults.length === 1) {
    return byIngressClass(
      defaults[0]!,
      'The Ingress has no class; the cluster default is',
      ALB_CONTROLLER,
      program,
    );
  }
  const managed = flag === '';
  return {
    managed,
    reason: managed
      ? `The Ingress has no class and the ${program} runs with an empty --ingress-class, so it manages it.`
      : `The Ingress has no class annotation, no spec.ingressClassName and there is no default IngressClass, so the ${program} ignores it.`,
  };
}

/** ingress-nginx's decision (store.go GetIngressClass): the field first, then the annotation. */
export function nginxControllerDecision(
  ingress: Ingress,
  classes: IngressClass[],
  options: IngressClassOptions = {},
): ControllerDecision {
  const flag = options.nginxIngressClass ?? DEFAULT_NGINX_CLASS;
  const program = 'ingress-nginx controller';
  if (ingress.ingressClassName !== undefined) {
    const cls = classes.find((c) => c.name === ingress.ingressClassName);
    if (!cls) {
      return {
        managed: false,
        reason: `spec.ingressClassName "${ingress.ingressClassName}" names no IngressClass, so the ${program} ignores this Ingress.`,
      };
    }
    return byIngressClass(cls, 'spec.ingressClassName selects', NGINX_CONTROLLER, program);
  }
  if (hasClassAnnotation(ingress)) {
    const value = ingress.annotations[INGRESS_CLASS_ANNOTATION];
    const managed = value === flag;
    return {
      managed,
      reason: managed
        ? `Annotation ${INGRESS_CLASS_ANNOTATION}: "${value}" selects the ${program}.`
        : `Annotation ${INGRESS_CLASS_ANNOTATION}: "${value}" is not "${flag}", so the ${program} ignores this Ingress.`,
    };
  }
  return {
    managed: false,
    reason: `The Ingress has no spec.ingressClassName and no ${INGRESS_CLASS_ANNOTATION} annotation; the ${program} skips class-less Ingresses unless started with --watch-ingress-without-class.`,
  };
}

export function ingressControllers(
  ingress: Ingress,
  classes: IngressClass[],
  options: IngressClassOptions = {},
): IngressControllers {
  const alb = albControllerDecision(ingress, classes, options);
  const nginx = nginxControllerDecision(ingress, classes, options);
  return { alb: alb.managed, nginx: nginx.managed, reason: `${alb.reason} ${nginx.reason}` };
}

/**
 * The class name Argo Rollouts sees: a non-empty annotation, else `spec.ingressClassName`,
 * else undefined. The default IngressClass is deliberately NOT consulted, as in Argo.
 */
export function argoRolloutsIngressClass(ingress: Ingress): string | undefined {
  const annotation = ingress.annotations[INGRESS_CLASS_ANNOTATION];
  if (annotation !== undefined && annotation !== '') return annotation;
  return ingress.ingressClassName === '' ? undefined : ingress.ingressClassName;
}
