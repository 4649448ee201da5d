/**
 * Well-known names: annotation keys and prefixes the Rollouts controller and the load-balancer
 * controllers read or write, and the controller names of their IngressClasses.
 */
export const DEFAULT_ALB_PREFIX = 'alb.ingress.kubernetes.io';
export const DEFAULT_NGINX_PREFIX = 'nginx.ingress.kubernetes.io';
export const MANAGED_ALB_ANNOTATIONS = 'rollouts.argoproj.io/managed-alb-annotations';
export const LEGACY_MANAGED_ALB_ACTIONS = 'rollouts.argoproj.io/managed-alb-actions';
export const USE_ANNOTATION_PORT = 'use-annotation';
export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';
export const NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The weight ingress-nginx reads from a canary Ingress (under the default prefix). */
export const NGINX_CANARY_WEIGHT = `${DEFAULT_NGINX_PREFIX}/canary-weight`;
/** Set by the Rollouts controller on each Service it manages; the value is the Rollout's name. */
export const MANAGED_BY_ROLLOUTS_ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';
/** The pod-template-hash label the controller adds to Service selectors itself. */
export const ROLLOUT_POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';

/**
 * The annotations a cached Ingress keeps: those the checks of *other* objects read from it
 * (a Rollout's references need the Ingress's class; a Rollout that stops routing through
 * NGINX needs the weight its canary Ingress still carries). The ALB action, condition and
 * bookkeeping JSON was most of a cached Ingress (about 1 KB each) and nothing read it there.
 */
export const CACHED_INGRESS_ANNOTATIONS: readonly string[] = [INGRESS_CLASS_ANNOTATION, NGINX_CANARY_WEIGHT];
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';
/** The Gateway API traffic-router plugin's key in `trafficRouting.plugins` (plugin.go `PluginName`). */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';
/** The label the plugin puts on a route while the canary weight is above 0 (internal/defaults/defaults.go). */
export const DEFAULT_IN_PROGRESS_LABEL_KEY = 'rollouts.argoproj.io/gatewayapi-canary';
export const DEFAULT_IN_PROGRESS_LABEL_VALUE = 'in-progress';
