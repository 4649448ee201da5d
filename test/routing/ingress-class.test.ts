import { describe, expect, it } from 'vitest';
import {
  albControllerDecision,
  argoRolloutsIngressClass,
  ingressControllers,
  nginxControllerDecision,
} from '../../src/routing/ingress-class.js';
import type { IngressClass } from '../../src/routing/model.js';
import { ALB_CLASS, NGINX_CLASS, classOf, ingressOf, path } from './rollout-validation/fixtures.js';

const ANN = 'kubernetes.io/ingress.class';
const p = [path('svc', { name: 'use-annotation' })];
const ing = (extra: { annotations?: Record<string, string>; className?: string }) =>
  ingressOf('web', p, extra);

interface Row {
  name: string;
  annotations?: Record<string, string>;
  className?: string;
  classes: IngressClass[];
  options?: { albIngressClass?: string; nginxIngressClass?: string };
  alb: boolean;
  nginx: boolean;
  albReason: string;
}

const rows: Row[] = [
  {
    name: 'LBC class_loader.go step 1: annotation alb wins over an NGINX ingressClassName',
    annotations: { [ANN]: 'alb' },
    className: 'nginx',
    classes: [ALB_CLASS, NGINX_CLASS],
    alb: true,
    nginx: true,
    albReason: 'Annotation kubernetes.io/ingress.class: "alb" selects the AWS Load Balancer Controller.',
  },
  {
    name: 'LBC class_loader.go step 1: a non-matching annotation means "not mine" even with an ALB class',
    annotations: { [ANN]: 'nginx' },
    className: 'alb',
    classes: [ALB_CLASS, NGINX_CLASS],
    alb: false,
    nginx: false,
    albReason:
      'Annotation kubernetes.io/ingress.class: "nginx" is not "alb", and the annotation wins over spec.ingressClassName, so the AWS Load Balancer Controller ignores this Ingress.',
  },
  {
    name: 'LBC class_loader.go step 1: annotation compared with --ingress-class',
    annotations: { [ANN]: 'internal' },
    classes: [],
    options: { albIngressClass: 'internal' },
    alb: true,
    nginx: false,
    albReason: 'Annotation kubernetes.io/ingress.class: "internal" selects the AWS Load Balancer Controller.',
  },
  {
    name: 'LBC class_loader.go step 1: an empty --ingress-class matches the literal alb',
    annotations: { [ANN]: 'alb' },
    classes: [],
    options: { albIngressClass: '' },
    alb: true,
    nginx: false,
    albReason: 'Annotation kubernetes.io/ingress.class: "alb" selects the AWS Load Balancer Controller.',
  },
  {
    name: 'LBC class_loader.go step 2: the IngressClass controller counts, not its name',
    className: 'public',
    classes: [classOf('public', 'ingress.k8s.aws/alb')],
    alb: true,
    nginx: false,
    albReason:
      'spec.ingressClassName selects IngressClass "public" with controller "ingress.k8s.aws/alb", so the AWS Load Balancer Controller manages it.',
  },
  {
    name: 'LBC class_loader.go step 2: a class named alb with another controller is not ALB',
    className: 'alb',
    classes: [classOf('alb', 'example.com/other')],
    alb: false,
    nginx: false,
    albReason:
      'spec.ingressClassName selects IngressClass "alb" with controller "example.com/other", so the AWS Load Balancer Controller does not manage it (it expects ingress.k8s.aws/alb).',
  },
  {
    name: 'LBC class_loader.go step 2: a missing IngressClass',
    className: 'gone',
    classes: [ALB_CLASS],
    alb: false,
    nginx: false,
    albReason:
      'spec.ingressClassName "gone" names no IngressClass (the AWS Load Balancer Controller reports: invalid ingress class: ingressclasses.networking.k8s.io "gone" not found).',
  },
  {
    name: 'LBC class_loader.go step 2: no class, the default IngressClass is ALB',
    classes: [classOf('alb', 'ingress.k8s.aws/alb', true), NGINX_CLASS],
    alb: true,
    nginx: false,
    albReason:
      'The Ingress has no class; the cluster default is IngressClass "alb" with controller "ingress.k8s.aws/alb", so the AWS Load Balancer Controller manages it.',
  },
  {
    name: 'LBC class_loader.go step 2: two default IngressClasses',
    classes: [classOf('a', 'ingress.k8s.aws/alb', true), classOf('b', 'k8s.io/ingress-nginx', true)],
    alb: false,
    nginx: false,
    albReason:
      'The Ingress has no class and the cluster has 2 default IngressClasses (a, b); the AWS Load Balancer Controller reports "multiple default IngressClasses found".',
  },
  {
    name: 'LBC class_loader.go step 3: no class at all',
    classes: [ALB_CLASS],
    alb: false,
    nginx: false,
    albReason:
      'The Ingress has no class annotation, no spec.ingressClassName and there is no default IngressClass, so the AWS Load Balancer Controller ignores it.',
  },
  {
    name: 'LBC class_loader.go step 3: no class at all, --ingress-class empty',
    classes: [],
    options: { albIngressClass: '' },
    alb: true,
    nginx: false,
    albReason:
      'The Ingress has no class and the AWS Load Balancer Controller runs with an empty --ingress-class, so it manages it.',
  },
];

describe('ingressControllers: AWS Load Balancer Controller order (LBC class_loader.go)', () => {
  it.each(rows)('$name', ({ annotations, className, classes, options, alb, nginx, albReason }) => {
    const ingress = ing({
      ...(annotations ? { annotations } : {}),
      ...(className !== undefined ? { className } : {}),
    });
    const result = ingressControllers(ingress, classes, options);
    expect(result).toMatchObject({ alb, nginx });
    expect(albControllerDecision(ingress, classes, options)).toEqual({ managed: alb, reason: albReason });
    expect(result.reason.startsWith(albReason)).toBe(true);
  });
});

describe('ingressControllers: ingress-nginx order (nginx store.go)', () => {
  const nginxRows: [
    string,
    { annotations?: Record<string, string>; className?: string },
    IngressClass[],
    boolean,
    string,
  ][] = [
    [
      'nginx store.go: ingressClassName is checked first, the annotation is ignored',
      { annotations: { [ANN]: 'alb' }, className: 'nginx' },
      [NGINX_CLASS],
      true,
      'spec.ingressClassName selects IngressClass "nginx" with controller "k8s.io/ingress-nginx", so the ingress-nginx controller manages it.',
    ],
    [
      'nginx store.go: an IngressClass of another controller',
      { className: 'alb' },
      [ALB_CLASS],
      false,
      'spec.ingressClassName selects IngressClass "alb" with controller "ingress.k8s.aws/alb", so the ingress-nginx controller does not manage it (it expects k8s.io/ingress-nginx).',
    ],
    [
      'nginx store.go: a missing IngressClass',
      { className: 'nope' },
      [NGINX_CLASS],
      false,
      'spec.ingressClassName "nope" names no IngressClass, so the ingress-nginx controller ignores this Ingress.',
    ],
    [
      'nginx store.go: annotation nginx without a field',
      { annotations: { [ANN]: 'nginx' } },
      [],
      true,
      'Annotation kubernetes.io/ingress.class: "nginx" selects the ingress-nginx controller.',
    ],
    [
      'nginx store.go: another annotation value',
      { annotations: { [ANN]: 'traefik' } },
      [],
      false,
      'Annotation kubernetes.io/ingress.class: "traefik" is not "nginx", so the ingress-nginx controller ignores this Ingress.',
    ],
    [
      'nginx store.go: no class (no --watch-ingress-without-class)',
      {},
      [classOf('nginx', 'k8s.io/ingress-nginx', true)],
      false,
      'The Ingress has no spec.ingressClassName and no kubernetes.io/ingress.class annotation; the ingress-nginx controller skips class-less Ingresses unless started with --watch-ingress-without-class.',
    ],
  ];
  it.each(nginxRows)('%s', (_name, extra, classes, managed, reason) => {
    const ingress = ing(extra);
    expect(nginxControllerDecision(ingress, classes)).toEqual({ managed, reason });
    expect(ingressControllers(ingress, classes).nginx).toBe(managed);
    expect(ingressControllers(ingress, classes).reason.endsWith(reason)).toBe(true);
  });

  it('nginx store.go: the annotation is compared with --ingress-class', () => {
    const ingress = ing({ annotations: { [ANN]: 'internal-nginx' } });
    expect(nginxControllerDecision(ingress, [], { nginxIngressClass: 'internal-nginx' }).managed).toBe(true);
  });
});

describe('argoRolloutsIngressClass argo ingress/alb.go)', () => {
  it.each([
    ['annotation first', { annotations: { [ANN]: 'alb' }, className: 'other' }, 'alb'],
    [
      'an empty annotation falls through to ingressClassName',
      { annotations: { [ANN]: '' }, className: 'alb' },
      'alb',
    ],
    ['ingressClassName when no annotation', { className: 'nginx' }, 'nginx'],
    ['never the default IngressClass', {}, undefined],
    ['an empty ingressClassName is no class', { className: '' }, undefined],
  ] as const)('%s', (_name, extra, expected) => {
    expect(argoRolloutsIngressClass(ing(extra))).toBe(expected);
  });
});
