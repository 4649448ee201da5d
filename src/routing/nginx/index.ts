/**
 * ingress-nginx provider: the canary Ingress and canary annotations Argo Rollouts writes for
 * NGINX, its share of the drift guard, and the checks of hand-written canary and mirror
 * annotations.
 */
export { validateNginxAnnotations, type NginxAnnotationOptions } from './check-annotations.js';
export { nginxCanaryOwner, nginxTrafficProvider } from './guard-provider.js';
export {
  canaryIngressName,
  desiredCanaryAnnotations,
  desiredCanaryIngress,
  type DesiredCanaryIngress,
} from './render.js';
