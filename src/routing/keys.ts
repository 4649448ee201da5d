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

/**
 * The annotations a cached Ingress keeps: those the checks of *other* objects read from it
 * (a Rollout's references need the Ingress's class). The ALB action, condition and
 * bookkeeping JSON was most of a cached Ingress (about 1 KB each) and nothing read it there.
 */
export const CACHED_INGRESS_ANNOTATIONS: readonly string[] = [INGRESS_CLASS_ANNOTATION];
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';
/** The Gateway API traffic-router plugin's key in `trafficRouting.plugins` (plugin.go `PluginName`). */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';
/** The label the plugin puts on a route while the canary weight is above 0 (internal/defaults/defaults.go). */
export const DEFAULT_IN_PROGRESS_LABEL_KEY = 'rollouts.argoproj.io/gatewayapi-canary';
export const DEFAULT_IN_PROGRESS_LABEL_VALUE = 'in-progress';
